// Package worker runs one worker version: it loads a bundle into VMs,
// finds its handler (Workers modules, service worker, Vercel Edge), and
// serves HTTP requests through it with the limits of its config.
//
// It must not know where bundles come from (files, the control plane) or
// how requests arrive (dev server, PoP front): callers hand it both.
package worker

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"

	kvbinding "github.com/verge-edge/verge/bindings/kv"
	"github.com/verge-edge/verge/bindings/ratelimit"
	"github.com/verge-edge/verge/engine"
	"github.com/verge-edge/verge/sourcemap"
	"github.com/verge-edge/verge/webapi/cache"
	"github.com/verge-edge/verge/webapi/console"
	"github.com/verge-edge/verge/webapi/fetch"
	"github.com/verge-edge/verge/webapi/webassembly"
)

//go:embed worker.js
var workerJS string

// Extension returns the runtime script that finds and calls handlers. It
// belongs in the prelude after the Web APIs.
func Extension() engine.Extension {
	return engine.Extension{
		Name:    "worker",
		Scripts: []engine.Script{{Name: "ext:worker/worker.js", Source: workerJS}},
		Ops:     map[string]engine.Op{"worker_register": opRegister},
	}
}

// BundleName is the file name the bundle has in stack traces.
const BundleName = "worker.js"

// Config describes one worker version.
type Config struct {
	Name      string
	Code      []byte // the bundled classic script (see package bundle)
	SourceMap []byte // optional, for stack traces
	// Wasm are the WebAssembly modules the bundle imports, by name (see
	// bundle.Result.Wasm); they are compiled once, in New.
	Wasm map[string][]byte
	// Bytecode is Code compiled by Compile. Optional: New compiles Code on
	// the first VM and every later VM of the worker loads the bytecode,
	// which is several times faster than parsing. It is trusted input: it
	// must come from Compile in this process or from Verge's own control
	// plane, never from a user.
	Bytecode []byte
	Vars     map[string]string
	Limits   Limits
	// Fetch is the subrequest policy (allowed private origins, limits).
	Fetch fetch.Policy
	// Cache backs the Cache API (caches.default); nil stores nothing.
	Cache cache.Store
	// Bindings are env values besides Vars, such as rate limiters.
	Bindings []Binding
	// RateLimiter counts for the rate limiter bindings.
	RateLimiter ratelimit.Limiter
	// KV holds the KV namespace bindings' keys.
	KV kvbinding.Store
	// Prelude is the Web API prelude shared by all workers of the process.
	Prelude *engine.Prelude
	// Spares, when set, provides blank VMs made ahead of time.
	Spares *Spares
	// Console receives console.* output; Log receives runtime errors.
	Console console.Sink
	Log     *slog.Logger
	// Origin, when set, is where a request goes if the worker called
	// ctx.passThroughOnException() and then threw (as on Cloudflare, where
	// it falls through to the origin).
	Origin *url.URL
	// Dev makes error responses show the exception and stack, as wrangler
	// dev does; in production they show only the error code.
	Dev bool
	// MaxVMs caps the VMs kept for concurrent requests (default 4).
	MaxVMs int
}

// Binding is one env binding: env[Name] is made by the binding script
// registered for Type (see package bindings/ratelimit) from Config.
type Binding struct {
	Name   string          `json:"name"`
	Type   string          `json:"type"`
	Config json.RawMessage `json:"config"`
}

// Worker serves requests with one worker version.
type Worker struct {
	cfg   Config
	smap  *sourcemap.Map
	style string
	// moduleConfig is the bundle's config export, see ModuleConfig.
	moduleConfig json.RawMessage
	log          *slog.Logger
	idle         chan *isolate
	mu           sync.Mutex
	count        int // isolates alive
	closed       bool
	wg           sync.WaitGroup // background waitUntil work
	heap         atomic.Int64   // heap bytes of live VMs, sampled (see release)
	served       atomic.Int64
	wasm         *webassembly.Runtime
}

// New loads the worker: it creates the first VM, evaluates the bundle and
// finds the handler, so that a broken script fails here (with its error)
// and the first request finds a warm VM.
func New(cfg Config) (*Worker, error) {
	if cfg.Prelude == nil {
		return nil, errors.New("worker: no prelude")
	}
	cfg.Limits = cfg.Limits.withDefaults()
	if cfg.MaxVMs <= 0 {
		cfg.MaxVMs = 4
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Fetch.MaxSubrequests == 0 {
		cfg.Fetch.MaxSubrequests = cfg.Limits.Subrequests
	}
	if len(cfg.Code) > cfg.Limits.ScriptSize {
		return nil, &LimitError{Code: CodeScriptSize, Detail: fmt.Sprintf("script is %d bytes, the limit is %d", len(cfg.Code), cfg.Limits.ScriptSize)}
	}
	size := len(cfg.Code)
	for _, m := range cfg.Wasm {
		size += len(m)
	}
	if size > cfg.Limits.ScriptSize {
		return nil, &LimitError{Code: CodeScriptSize, Detail: fmt.Sprintf("script and WebAssembly modules are %d bytes, the limit is %d", size, cfg.Limits.ScriptSize)}
	}
	if len(cfg.Vars) > cfg.Limits.EnvVars {
		return nil, &LimitError{Code: CodeEnv, Detail: fmt.Sprintf("%d vars, the limit is %d", len(cfg.Vars), cfg.Limits.EnvVars)}
	}
	for k, v := range cfg.Vars {
		if len(v) > cfg.Limits.EnvVarSize {
			return nil, &LimitError{Code: CodeEnv, Detail: fmt.Sprintf("var %s is %d bytes, the limit is %d", k, len(v), cfg.Limits.EnvVarSize)}
		}
	}
	wasm, err := webassembly.NewRuntime(context.Background(), cfg.Wasm)
	if err != nil {
		return nil, &LoadError{Message: err.Error()}
	}
	w := &Worker{cfg: cfg, log: cfg.Log, idle: make(chan *isolate, cfg.MaxVMs), wasm: wasm}
	if len(cfg.SourceMap) > 0 {
		m, err := sourcemap.Parse(cfg.SourceMap)
		if err != nil {
			w.log.Warn("ignoring unreadable source map", "worker", cfg.Name, "err", err)
		} else {
			w.smap = m
		}
	}
	iso, err := w.newIsolate()
	if err != nil {
		w.wasm.Close()
		return nil, err
	}
	w.style = iso.style
	w.moduleConfig = iso.moduleConfig
	w.count = 1
	w.idle <- iso
	return w, nil
}

// Style reports the handler style: "modules", "service-worker", "vercel" or
// "lambda-edge".
func (w *Worker) Style() string { return w.style }

// ModuleConfig returns the bundle's `config` export as JSON (Vercel's
// `export const config = { matcher }`), or nil when it has none.
func (w *Worker) ModuleConfig() json.RawMessage { return w.moduleConfig }

// Close frees the worker's VMs once in-flight requests and waitUntil work
// are done.
func (w *Worker) Close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.closed = true
	w.mu.Unlock()
	w.wg.Wait()
	// VMs still serving hold the WebAssembly runtime until they close.
	defer w.wasm.Close()
	for {
		select {
		case iso := <-w.idle:
			iso.close()
		default:
			return
		}
	}
}

// acquire returns an idle VM, creating one while under MaxVMs, else waits.
func (w *Worker) acquire(ctx context.Context) (*isolate, error) {
	select {
	case iso := <-w.idle:
		return iso, nil
	default:
	}
	w.mu.Lock()
	if w.count < w.cfg.MaxVMs {
		w.count++
		w.mu.Unlock()
		iso, err := w.newIsolate()
		if err != nil {
			w.mu.Lock()
			w.count--
			w.mu.Unlock()
			return nil, err
		}
		return iso, nil
	}
	w.mu.Unlock()
	select {
	case iso := <-w.idle:
		return iso, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// release returns a VM to the pool, or discards it when it is no longer
// trustworthy (it hit a limit mid-script and may hold half-updated state).
func (w *Worker) release(iso *isolate, discard bool) {
	w.mu.Lock()
	closed := w.closed
	if discard || closed {
		w.count--
	}
	w.mu.Unlock()
	if discard || closed {
		iso.close()
		return
	}
	fetch.EndRequest(iso.vm)
	// Heap size is measured by walking the heap, so sample it: enough for
	// a host's memory budget, which only needs the order of magnitude.
	if w.served.Add(1)%256 == 0 {
		h := iso.vm.MemoryUsage()
		w.heap.Add(h - iso.heap)
		iso.heap = h
	}
	w.idle <- iso
}

// Memory estimates the heap bytes held by the worker's VMs.
func (w *Worker) Memory() int64 { return w.heap.Load() }

// RequestInfo is what the edge knows about a request beyond HTTP itself.
type RequestInfo struct {
	// URL is the request's full URL as the worker sees it.
	URL string
	// CF is request.cf (see package geo); nil leaves it undefined.
	CF map[string]any
	// CFJSON is request.cf already encoded as a JSON object; it wins over
	// CF. The isolate host receives request.cf this way from the front.
	CFJSON string
	// Headers are request headers the edge adds (geolocation, client IP)
	// as tab-separated pairs, "name\tvalue\tname\tvalue", names lowercase,
	// values free of control characters (see geo.AppendHeader). Workers
	// see them with the request's own headers, which should not repeat
	// them.
	Headers string
}

// Serve handles one request with the worker.
func (w *Worker) Serve(rw http.ResponseWriter, r *http.Request, info RequestInfo) {
	lim := w.cfg.Limits
	if r.ContentLength > lim.RequestBody {
		w.log.Warn(CodeRequestBody.Message(), "worker", w.cfg.Name, "code", CodeRequestBody.String(), "size", r.ContentLength)
		WriteError(rw, http.StatusRequestEntityTooLarge, CodeRequestBody, "")
		return
	}
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = &limitedBody{r.Body, lim.RequestBody}
	}
	lw := &limitedWriter{ResponseWriter: rw, left: lim.ResponseBody}
	rw = lw
	defer func() {
		if lw.exceeded {
			w.log.Warn(CodeResponseBody.Message(), "worker", w.cfg.Name, "code", CodeResponseBody.String(), "limit", lim.ResponseBody)
		}
	}()
	ctx, cancel := context.WithTimeout(r.Context(), lim.WallTime)
	defer cancel()
	iso, err := w.acquire(ctx)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	discard := false
	defer func() {
		if !discard {
			w.finishWaitUntil(iso)
			return
		}
		w.release(iso, true)
	}()
	if err := iso.serve(ctx, rw, r, info); err != nil {
		discard = isLimit(err)
		var pt *passThrough
		if errors.As(err, &pt) && w.cfg.Origin != nil {
			w.log.Warn("worker threw; passing the request through to the origin", "worker", w.cfg.Name, "err", w.FormatError(pt.err))
			w.proxy(rw, r)
			return
		}
		w.fail(rw, r, err)
	}
}

// passThrough is an exception thrown after ctx.passThroughOnException().
type passThrough struct{ err error }

func (p *passThrough) Error() string { return p.err.Error() }
func (p *passThrough) Unwrap() error { return p.err }

// proxy forwards the request to the origin unchanged.
func (w *Worker) proxy(rw http.ResponseWriter, r *http.Request) {
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(w.cfg.Origin)
			pr.Out.Host = r.Host
		},
		ErrorHandler: func(rw http.ResponseWriter, r *http.Request, err error) {
			w.log.Error("origin unreachable", "worker", w.cfg.Name, "origin", w.cfg.Origin.String(), "err", err)
			http.Error(rw, "verge: origin unreachable", http.StatusBadGateway)
		},
	}
	rp.ServeHTTP(rw, r)
}

// finishWaitUntil lets ctx.waitUntil work finish after the response, then
// returns the VM to the pool.
func (w *Worker) finishWaitUntil(iso *isolate) {
	if !iso.waitingUntil() {
		w.release(iso, false)
		return
	}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), w.cfg.Limits.WaitUntil)
		defer cancel()
		err := iso.finish(ctx)
		if err != nil {
			w.log.Warn("waitUntil did not finish", "worker", w.cfg.Name, "err", err)
		}
		w.release(iso, isLimit(err))
	}()
}

// fail writes the error response for err, unless the response has started.
func (w *Worker) fail(rw http.ResponseWriter, r *http.Request, err error) {
	var le *LimitError
	var je *engine.Error
	status, code, detail := http.StatusInternalServerError, CodeException, ""
	switch {
	case errors.As(err, &le):
		status, code, detail = http.StatusServiceUnavailable, le.Code, le.Detail
	case errors.Is(err, engine.ErrCPULimit):
		status, code = http.StatusServiceUnavailable, CodeCPU
	case errors.Is(err, engine.ErrOutOfMemory):
		status, code = http.StatusServiceUnavailable, CodeMemory
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, engine.ErrDeadline):
		status, code = http.StatusServiceUnavailable, CodeWallTime
	case errors.Is(err, context.Canceled):
		return // the client went away
	case errors.Is(err, engine.ErrNoProgress):
		code, detail = CodeNoResponse, "the handler's promise never settled: nothing left to run could resolve it"
	case errors.As(err, &je):
		detail = w.formatException(je)
	default:
		detail = err.Error()
	}
	msg := code.Message()
	attrs := []any{"worker", w.cfg.Name, "method", r.Method, "path", r.URL.Path, "code", code.String()}
	if detail != "" {
		attrs = append(attrs, "detail", detail)
	}
	if status == http.StatusServiceUnavailable {
		w.log.Warn(msg, attrs...)
	} else {
		w.log.Error(msg, attrs...)
	}
	if hw, ok := rw.(interface{ Started() bool }); ok && hw.Started() {
		return
	}
	if !w.cfg.Dev {
		detail = ""
	}
	WriteError(rw, status, code, detail)
}

// WriteError writes Verge's error response: the stable code and message,
// then detail (shown only in development) on a line of its own.
func WriteError(rw http.ResponseWriter, status int, code Code, detail string) {
	body := code.String() + ": " + code.Message() + "\n"
	if detail != "" {
		body += "\n" + detail + "\n"
	}
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rw.Header().Set("X-Verge-Error", code.String())
	rw.WriteHeader(status)
	rw.Write([]byte(body))
}

// formatException renders an uncaught exception with its stack mapped to
// the original sources.
func (w *Worker) formatException(je *engine.Error) string {
	s := engine.FormatError(je)
	if w.smap != nil {
		s = w.smap.RewriteStack(s, BundleName)
	}
	return s
}

// FormatError renders err as Serve logs it (source-mapped stack for
// exceptions).
func (w *Worker) FormatError(err error) string {
	var je *engine.Error
	if errors.As(err, &je) {
		return w.formatException(je)
	}
	return err.Error()
}

func cfJSON(cf map[string]any) (string, error) {
	if cf == nil {
		return "", nil
	}
	b, err := json.Marshal(cf)
	return string(b), err
}

// limitedBody fails reads past the request body limit, for bodies without
// a Content-Length (chunked uploads).
type limitedBody struct {
	io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	// Read at most one byte past the limit: a body exactly at the limit
	// then ends with io.EOF as usual, and one byte more is an error.
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.ReadCloser.Read(p)
	if int64(n) > b.left {
		n, b.left = int(b.left), 0
		return n, &LimitError{Code: CodeRequestBody, Detail: "the request body is over the limit"}
	}
	b.left -= int64(n)
	return n, err
}

// limitedWriter cuts a response body at the limit and knows whether the
// response has started (so an error after that is only logged).
type limitedWriter struct {
	http.ResponseWriter
	left     int64
	started  bool
	exceeded bool
}

func (l *limitedWriter) WriteHeader(code int) {
	l.started = true
	l.ResponseWriter.WriteHeader(code)
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	l.started = true
	if int64(len(p)) > l.left {
		l.exceeded = true
		return 0, &LimitError{Code: CodeResponseBody, Detail: "the response body is over the limit"}
	}
	l.left -= int64(len(p))
	return l.ResponseWriter.Write(p)
}

func (l *limitedWriter) Started() bool {
	if hw, ok := l.ResponseWriter.(interface{ Started() bool }); ok && hw.Started() {
		return true
	}
	return l.started
}

func (l *limitedWriter) Flush() {
	if f, ok := l.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (l *limitedWriter) Unwrap() http.ResponseWriter { return l.ResponseWriter }
