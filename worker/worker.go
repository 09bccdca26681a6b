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
	// Concurrency is how many requests one VM serves at once (default
	// 32): while one awaits I/O, another runs. A request goes to an idle
	// VM first, then to a new one while under MaxVMs, then shares the VM
	// serving the fewest; beyond MaxVMs×Concurrency requests wait.
	Concurrency int
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
	mu           sync.Mutex
	idle         []*isolate    // serving nothing, most recently used last
	busy         []*isolate    // serving at least one request
	count        int           // isolates alive and taking requests
	freed        chan struct{} // closed when a VM takes requests again; nil until waited on
	closed       bool
	wg           sync.WaitGroup // background waitUntil work
	heap         atomic.Int64   // heap bytes of live VMs, sampled (see sampleHeap)
	served       atomic.Int64
	wasm         *webassembly.Runtime
	ownClient    bool // cfg.Fetch.Client was made by New
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
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 32
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Fetch.MaxSubrequests == 0 {
		cfg.Fetch.MaxSubrequests = cfg.Limits.Subrequests
	}
	ownClient := cfg.Fetch.Client == nil
	if ownClient {
		// One connection pool for all the worker's VMs: with one each,
		// concurrent subrequests to an origin kept opening connections.
		cfg.Fetch.Client = &http.Client{Transport: fetch.GuardedTransport(cfg.Fetch.AllowHost)}
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
	w := &Worker{cfg: cfg, log: cfg.Log, wasm: wasm, ownClient: ownClient}
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
	w.idle = append(w.idle, iso)
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
	if w.ownClient {
		defer w.cfg.Fetch.Client.CloseIdleConnections()
	}
	w.mu.Lock()
	idle := w.idle
	w.idle = nil
	w.count -= len(idle)
	w.mu.Unlock()
	for _, iso := range idle {
		iso.close()
	}
}

// acquire returns a VM for a request: an idle one, else a new one while
// under MaxVMs, else the one serving the fewest requests while under
// Concurrency; else it waits.
func (w *Worker) acquire(ctx context.Context) (*isolate, error) {
	for {
		w.mu.Lock()
		if n := len(w.idle); n > 0 {
			iso := w.idle[n-1]
			w.idle = w.idle[:n-1]
			w.startLocked(iso)
			w.mu.Unlock()
			return iso, nil
		}
		if w.count < w.cfg.MaxVMs {
			w.count++
			w.mu.Unlock()
			iso, err := w.newIsolate()
			w.mu.Lock()
			if err != nil {
				w.count--
				w.mu.Unlock()
				return nil, err
			}
			w.startLocked(iso)
			w.mu.Unlock()
			return iso, nil
		}
		var best *isolate
		for _, iso := range w.busy {
			if !iso.poisoned && iso.active < w.cfg.Concurrency && (best == nil || iso.active < best.active) {
				best = iso
			}
		}
		if best != nil {
			best.active++
			w.mu.Unlock()
			return best, nil
		}
		if w.freed == nil {
			w.freed = make(chan struct{})
		}
		freed := w.freed
		w.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// startLocked gives an idle or new VM its first request. w.mu is held.
func (w *Worker) startLocked(iso *isolate) {
	iso.active = 1
	w.busy = append(w.busy, iso)
}

// poison stops iso from taking requests: it hit a limit mid-script and may
// hold half-updated state. Requests already on it finish; the last one
// closes it. A replacement may be made at once.
func (w *Worker) poison(iso *isolate) {
	w.mu.Lock()
	if !iso.poisoned {
		iso.poisoned = true
		w.count--
		w.wakeLocked()
	}
	w.mu.Unlock()
}

// release ends a request's use of iso. The caller no longer holds the VM's
// lock.
func (w *Worker) release(iso *isolate) {
	w.mu.Lock()
	iso.active--
	if iso.active > 0 {
		w.wakeLocked()
		w.mu.Unlock()
		return
	}
	for i, b := range w.busy {
		if b == iso {
			w.busy = append(w.busy[:i], w.busy[i+1:]...)
			break
		}
	}
	closeIt := iso.poisoned || w.closed
	if closeIt {
		if !iso.poisoned {
			w.count--
		}
	} else {
		w.idle = append(w.idle, iso)
	}
	w.wakeLocked()
	w.mu.Unlock()
	if closeIt {
		iso.close()
	}
}

func (w *Worker) wakeLocked() {
	if w.freed != nil {
		close(w.freed)
		w.freed = nil
	}
}

// sampleHeap updates the worker's heap estimate now and then. Heap size is
// measured by walking the heap, so it is sampled: enough for a host's
// memory budget, which only needs the order of magnitude. The caller holds
// the VM.
func (w *Worker) sampleHeap(iso *isolate) {
	if w.served.Add(1)%256 == 0 {
		h := iso.vm.MemoryUsage()
		w.heap.Add(h - iso.heap)
		iso.heap = h
	}
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
	task := engine.NewTask()
	iso.vm.Lock(task)
	pending, err := iso.serve(ctx, rw, r, info)
	var pt *passThrough
	if errors.As(err, &pt) && w.cfg.Origin != nil {
		// Before the task ends, which closes the request's body.
		w.log.Warn("worker threw; passing the request through to the origin", "worker", w.cfg.Name, "err", w.FormatError(pt.err))
		iso.vm.Unlocked(func() { w.proxy(rw, r) })
		err = nil
	}
	// A limit hit mid-script retires the VM; one hit while Go wrote the
	// body out (the response size limit) leaves the VM as it was.
	var se *fetch.StreamError
	limit := isLimit(err) && !errors.As(err, &se)
	if !limit && iso.waitingUntil(pending) {
		iso.vm.Unlock()
		w.finishWaitUntil(iso, task, pending)
	} else {
		pending.Free()
		iso.vm.EndTask(task)
		w.sampleHeap(iso)
		iso.vm.Unlock()
		if limit {
			w.poison(iso)
		}
		w.release(iso)
	}
	if err != nil {
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

// finishWaitUntil lets the request's ctx.waitUntil work (the promise
// pending, owned) finish after the response, then ends its task and
// releases the VM.
func (w *Worker) finishWaitUntil(iso *isolate, task *engine.Task, pending engine.Value) {
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), w.cfg.Limits.WaitUntil)
		defer cancel()
		iso.vm.Lock(task)
		err := iso.finish(ctx, pending)
		pending.Free()
		iso.vm.EndTask(task)
		w.sampleHeap(iso)
		iso.vm.Unlock()
		if err != nil {
			w.log.Warn("waitUntil did not finish", "worker", w.cfg.Name, "err", err)
		}
		if isLimit(err) {
			w.poison(iso)
		}
		w.release(iso)
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
