// Package devserver is `verge dev`: it bundles a worker, serves it on a
// local port, logs requests and console output, and rebuilds on every file
// change without dropping the server. A broken edit is reported and the last
// good version keeps serving.
//
// It must never reach the network on its own: request.cf comes from a local
// .mmdb file, a --cf value, or a fixed default.
package devserver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/verge-edge/verge/cache"
	"github.com/verge-edge/verge/kv"
	"github.com/verge-edge/verge/policy/ratelimit"
	"github.com/verge-edge/verge/wasm"
	webcache "github.com/verge-edge/verge/webapi/cache"

	"github.com/verge-edge/verge/bundle"
	"github.com/verge-edge/verge/compat/vercel"
	"github.com/verge-edge/verge/config"
	"github.com/verge-edge/verge/edgeinfo"
	"github.com/verge-edge/verge/engine"
	"github.com/verge-edge/verge/geo"
	"github.com/verge-edge/verge/webapi/fetch"
	"github.com/verge-edge/verge/worker"
)

// DefaultPort is verge dev's port, as wrangler dev's.
const DefaultPort = 8787

// Options configure a dev server.
type Options struct {
	// Entry is a worker file (.js, .mjs, .ts, ...) or a folder with a
	// verge.toml.
	Entry string
	Host  string // "": [dev] host from verge.toml, else 127.0.0.1
	// Port: 0 picks a free port; negative means "not given": [dev] port
	// from verge.toml, else DefaultPort.
	Port int
	// Vars are --var KEY=VALUE bindings; they override [vars].
	Vars map[string]string
	// GeoDB is an .mmdb file for request.cf; CF is a JSON object used
	// instead (--cf). With neither, geo.Default() is used.
	GeoDB string
	CF    string
	// Watch rebuilds on file changes (default on in the CLI).
	Watch bool
	// Out receives the human log (Ready line, requests, console output).
	Out io.Writer
	// Quiet turns off the per-request log lines (benchmarks use it).
	Quiet bool
	// Limits override the config's and the defaults (tests use it).
	Limits *worker.Limits
}

// Server is a running dev server.
type Server struct {
	opts    Options
	cfg     *config.Config
	prelude *engine.Prelude
	cache   *cache.Cache          // behind the Cache API, kept across reloads
	limits  *ratelimit.Namespaces // behind the rate limiting bindings, likewise
	kv      *kv.Embedded          // behind the KV bindings: .verge/kv in the project
	geo     geo.Locator
	cfExtra []geo.RawField // --cf fields beyond the location, encoded
	log     *slog.Logger
	out     io.Writer
	outMu   sync.Mutex

	current  atomic.Pointer[version]
	listener net.Listener
	http     *http.Server
	watcher  *watcher
	builds   atomic.Int64 // successful builds, for tests
}

// version is one build of the worker, or the error that stopped it.
type version struct {
	w    *worker.Worker
	mw   http.Handler // w as Vercel middleware in front of the origin, or nil
	wasm wasm.Handler // a WebAssembly handler (main = "app.wasm") instead of w
	err  error        // build or load error when neither is set
}

func (v *version) loaded() bool { return v != nil && (v.w != nil || v.wasm != nil) }

func (v *version) style() string {
	if _, ok := v.wasm.(*wasm.Reactor); ok {
		return "wasm reactor"
	}
	if v.wasm != nil {
		return "wasm"
	}
	return v.w.Style()
}

func (v *version) close() {
	if v.w != nil {
		v.w.Close()
	}
	if v.wasm != nil {
		v.wasm.Close(context.Background())
	}
}

// New prepares a dev server: it reads the config and builds the worker
// once. A build error is not fatal: the server starts and shows it.
func New(opts Options) (*Server, error) {
	if opts.Out == nil {
		opts.Out = os.Stdout
	}
	s := &Server{opts: opts, out: opts.Out}
	s.log = slog.New(slog.NewTextHandler(&lockedWriter{s}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var err error
	if s.cache, err = cache.New(cache.Options{MemoryBytes: 64 << 20, Log: s.log}); err != nil {
		return nil, err
	}
	s.limits = ratelimit.NewNamespaces(nil)

	cfg, err := config.LoadEntry(opts.Entry)
	if err != nil {
		return nil, err
	}
	s.cfg = cfg
	// Like wrangler's .wrangler/state: local KV data lives with the project.
	s.kv = kv.NewEmbedded(filepath.Join(cfg.Dir, ".verge", "kv"), s.log)
	if s.opts.Host == "" {
		s.opts.Host = cfg.Dev.Host
		if s.opts.Host == "" {
			s.opts.Host = "127.0.0.1"
		}
	}
	if s.opts.Port < 0 {
		s.opts.Port = cfg.Dev.Port
		if s.opts.Port == 0 {
			s.opts.Port = DefaultPort
		}
	}

	switch {
	case opts.CF != "":
		loc, extra, err := geo.ParseCF(opts.CF)
		if err != nil {
			return nil, fmt.Errorf("--cf: %w", err)
		}
		s.geo = geo.Static(loc)
		for _, k := range slices.Sorted(maps.Keys(extra)) {
			b, err := json.Marshal(extra[k])
			if err != nil {
				return nil, fmt.Errorf("--cf: %s: %w", k, err)
			}
			s.cfExtra = append(s.cfExtra, geo.RawField{Key: k, JSON: b})
		}
	case opts.GeoDB != "" || cfg.Geo.DB != "":
		path := opts.GeoDB
		if path == "" {
			path = cfg.Geo.DB
		}
		db, err := geo.OpenMMDB(path)
		if err != nil {
			return nil, fmt.Errorf("--geo-db: %w", err)
		}
		s.geo = db
	default:
		s.geo = geo.Static(geo.Default())
	}

	s.prelude, err = worker.NewPrelude()
	if err != nil {
		return nil, fmt.Errorf("runtime prelude: %w", err)
	}
	s.rebuild()
	return s, nil
}

// rebuild bundles and loads the worker. On failure the previous version
// keeps serving and the error is printed; with no previous version the
// error is served.
func (s *Server) rebuild() {
	start := time.Now()
	v := &version{}
	if st, err := os.Stat(s.opts.Entry); err == nil && st.IsDir() {
		// verge.toml may have changed too; a broken one keeps the old.
		cfg, err := config.Load(s.opts.Entry)
		if err != nil {
			s.printf("✘ %v\n", err)
			if old := s.current.Load(); old.loaded() {
				s.printf("  (still serving the last good version)\n")
				return
			}
		} else {
			s.cfg = cfg
		}
	}
	var res *bundle.Result
	var err error
	if strings.HasSuffix(s.cfg.Main, ".wasm") {
		v.wasm, err = s.compileWasm()
		res = &bundle.Result{Inputs: []string{s.cfg.Main}}
	} else if res, err = bundle.Build(bundle.Options{Entry: s.cfg.Main, Sourcemap: true, NodeCompat: s.cfg.NodeCompat()}); err == nil {
		if v.w, err = worker.New(s.workerConfig(res)); err == nil {
			if v.mw, err = s.middleware(v); err != nil {
				v.w.Close()
				v.w = nil
			}
		}
	}
	if err != nil {
		v.err = err
		s.printf("✘ %s\n", strings.TrimRight(err.Error(), "\n"))
		if s.cfg.Build != "" {
			// The sources of a build are watched even when it fails.
			s.watchInputs(nil)
		}
		if old := s.current.Load(); old.loaded() {
			s.printf("  (still serving the last good version)\n")
			return
		}
		s.current.Store(v)
		if res != nil {
			s.watchInputs(res.Inputs)
		}
		return
	}
	// Counted before the swap, so whoever sees the new version sees its build.
	s.builds.Add(1)
	if old := s.current.Swap(v); old.loaded() {
		go old.close()
		s.printf("↻ reloaded %s (%s) in %s\n", s.cfg.Name, v.style(), time.Since(start).Round(time.Millisecond))
	}
	s.watchInputs(res.Inputs)
}

// watchInputs watches what a rebuild depends on: the bundle's inputs, or
// for a project with a build command its whole folder, since only the
// command knows its inputs.
func (s *Server) watchInputs(inputs []string) {
	switch {
	case s.watcher == nil:
	case s.cfg.Build != "":
		s.watcher.watchTree(s.cfg.Dir, buildOutput(s.cfg.Dir, s.cfg.Main, s.out))
	default:
		s.watcher.watch(inputs)
	}
}

// buildTimeout bounds a project's build command: a cold Go or Rust build
// takes minutes, a stuck one must not stop reloads for good.
const buildTimeout = 10 * time.Minute

// compileWasm runs the project's build command, if any, then compiles its
// WebAssembly handler: a reactor when it exports verge_handle, else WAGI.
func (s *Server) compileWasm() (wasm.Handler, error) {
	if s.cfg.Build != "" {
		s.printf("⚙ %s\n", s.cfg.Build)
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		err := wasm.Build(ctx, s.cfg.Dir, s.cfg.Build)
		cancel()
		if err != nil {
			return nil, err
		}
	}
	code, err := os.ReadFile(s.cfg.Main)
	if err != nil {
		return nil, err
	}
	vars, lim := s.vars(), s.workerLimits()
	namespaces := make(map[string]string, len(s.cfg.KVNamespaces))
	for _, ns := range s.cfg.KVNamespaces {
		namespaces[ns.Binding] = ns.ID
	}
	h, err := wasm.CompileHandler(context.Background(), code, wasm.Options{Name: s.cfg.Name, Logger: s.log, Env: vars,
		WallTime: lim.WallTime, Startup: lim.Startup, Memory: lim.Memory, RequestBody: lim.RequestBody, ResponseBody: lim.ResponseBody,
		KV: s.kv, KVNamespaces: namespaces, Dev: true,
		// Rebuilds of an unchanged module skip compiling it.
		CacheDir: filepath.Join(s.cfg.Dir, ".verge", "wasm-cache")})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.cfg.Main, err)
	}
	return h, nil
}

// vars are verge.toml's [vars] with --var on top.
func (s *Server) vars() map[string]string {
	vars := map[string]string{}
	for k, v := range s.cfg.Vars {
		vars[k] = v
	}
	for k, v := range s.opts.Vars {
		vars[k] = v
	}
	return vars
}

// workerLimits are verge.toml's [limits], unless Options override them.
func (s *Server) workerLimits() worker.Limits {
	if s.opts.Limits != nil {
		return *s.opts.Limits
	}
	return worker.LimitsFrom(s.cfg.Limits)
}

func (s *Server) workerConfig(res *bundle.Result) worker.Config {
	vars, lim := s.vars(), s.workerLimits()
	var origin *url.URL
	if s.cfg.Origin != "" {
		origin, _ = url.Parse(s.cfg.Origin) // validated by config
	}
	return worker.Config{
		Origin:      origin,
		Name:        s.cfg.Name,
		Code:        res.Code,
		SourceMap:   res.SourceMap,
		Wasm:        res.Wasm,
		Vars:        vars,
		Limits:      lim,
		Fetch:       fetch.Policy{AllowHost: s.allowHost, Hosts: s.cfg.FetchAllow},
		Cache:       webcache.Local(s.cache, s.cfg.Name),
		Bindings:    worker.BindingsFrom(s.cfg),
		RateLimiter: s.limits.Scope(s.cfg.Name),
		KV:          s.kv,
		Prelude:     s.prelude,
		Console:     s.console,
		Log:         s.log,
		Dev:         true,
	}
}

// allowHost lets subrequests reach the configured origin even when it is on
// a private or loopback address.
func (s *Server) allowHost(host string) bool {
	if s.cfg.Origin == "" {
		return false
	}
	u, err := url.Parse(s.cfg.Origin)
	return err == nil && strings.EqualFold(u.Host, host)
}

func (s *Server) console(level, msg string) {
	switch level {
	case "warn":
		s.printf("▲ %s\n", msg)
	case "error":
		s.printf("✘ %s\n", msg)
	default:
		s.printf("%s\n", msg)
	}
}

func (s *Server) printf(format string, args ...any) {
	s.outMu.Lock()
	fmt.Fprintf(s.out, format, args...)
	s.outMu.Unlock()
}

type lockedWriter struct{ s *Server }

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.s.outMu.Lock()
	defer l.s.outMu.Unlock()
	return l.s.out.Write(p)
}

// Start listens and serves until Close. It prints "Ready on http://HOST:PORT".
func (s *Server) Start() error {
	port := s.opts.Port
	ln, err := net.Listen("tcp", net.JoinHostPort(s.opts.Host, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	s.listener = ln
	if s.opts.Watch {
		s.watcher, err = newWatcher(s.cfg.Dir, s.rebuild, s.printf)
		if err != nil {
			ln.Close()
			return err
		}
		s.rebuildWatchList()
	}
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    128 << 10,
	}
	go s.http.Serve(ln)
	s.printf("Ready on http://%s\n", ln.Addr().String())
	return nil
}

func (s *Server) rebuildWatchList() {
	if s.cfg.Build != "" {
		s.watchInputs(nil) // even after a failed build: its fix must reload
		return
	}
	if !s.current.Load().loaded() {
		return
	}
	if strings.HasSuffix(s.cfg.Main, ".wasm") {
		s.watcher.watch([]string{s.cfg.Main})
		return
	}
	res, err := bundle.Build(bundle.Options{Entry: s.cfg.Main, NodeCompat: s.cfg.NodeCompat()})
	if err == nil {
		s.watcher.watch(res.Inputs)
	}
}

// URL is the server's base URL.
func (s *Server) URL() string { return "http://" + s.listener.Addr().String() }

// Builds reports how many builds succeeded (for tests of reloading).
func (s *Server) Builds() int64 { return s.builds.Load() }

// Close stops the server and frees the worker.
func (s *Server) Close() error {
	if s.watcher != nil {
		s.watcher.close()
	}
	var err error
	if s.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = s.http.Shutdown(ctx)
		cancel()
	}
	if v := s.current.Swap(nil); v.loaded() {
		v.close()
	}
	if kerr := s.kv.Close(); err == nil {
		err = kerr
	}
	return err
}

// ServeHTTP serves one request with the current version and logs it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w, status: 200}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				s.printf("%s %s %s (aborted) %s\n", r.Method, r.URL.RequestURI(), "ERR", time.Since(start).Round(10*time.Microsecond))
				panic(p)
			}
			s.log.Error("panic serving request", "err", p)
			if !rec.started {
				http.Error(rec, "verge: internal error", http.StatusInternalServerError)
			}
		}
		if !s.opts.Quiet {
			s.printf("%s %s %d %s\n", r.Method, r.URL.RequestURI(), rec.status, fmtDuration(time.Since(start)))
		}
	}()
	v := s.current.Load()
	if !v.loaded() {
		msg := "no worker loaded"
		if v != nil && v.err != nil {
			msg = v.err.Error()
		}
		rec.Header().Set("Content-Type", "text/plain; charset=utf-8")
		rec.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(rec, "verge dev: the worker failed to build or load:\n\n%s\n", msg)
		return
	}
	if v.wasm != nil {
		// Wasm handlers read the client's address and location from
		// edgeinfo, as in verge serve.
		info := &edgeinfo.Info{ClientIP: clientIP(r), Location: s.locate(r), Colo: geo.DevColo}
		v.wasm.ServeHTTP(rec, r.WithContext(edgeinfo.With(r.Context(), info)))
		return
	}
	if v.mw != nil {
		v.mw.ServeHTTP(rec, r)
		return
	}
	s.serveWorker(v, rec, r)
}

// serveWorker runs a JavaScript worker on r.
func (s *Server) serveWorker(v *version, rw http.ResponseWriter, r *http.Request) {
	loc := s.locate(r)
	var hdrs []byte
	if v.w.Style() == "vercel" {
		// Vercel hands geolocation to Edge Functions as request headers.
		r = r.Clone(r.Context())
		for k := range r.Header { // the edge's to set, never the client's
			if strings.HasPrefix(k, "X-Vercel-Ip-") {
				delete(r.Header, k)
			}
		}
		r.Header.Del("X-Real-Ip")
		hdrs = geo.AppendHeader(geo.AppendVercelHeaders(nil, loc), "x-real-ip", clientIP(r).String())
	}
	v.w.Serve(rw, r, worker.RequestInfo{URL: requestURL(r), CFJSON: s.requestCF(r, loc), Headers: string(hdrs)})
}

// middleware puts a Vercel middleware (middleware.ts with an origin in
// verge.toml) in front of the project's origin, as verge serve does.
func (s *Server) middleware(v *version) (http.Handler, error) {
	if !vercel.IsMiddlewareEntry(s.cfg.Main) || s.cfg.Origin == "" || v.w.Style() != "vercel" {
		return nil, nil
	}
	var m *vercel.Matcher
	if cfg := v.w.ModuleConfig(); len(cfg) > 0 {
		var err error
		if m, err = vercel.CompileMatcher(cfg); err != nil {
			return nil, fmt.Errorf("config.matcher: %w", err)
		}
	}
	u, err := url.Parse(s.cfg.Origin)
	if err != nil {
		return nil, err
	}
	origin := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(u)
		pr.SetXForwarded()
	}}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	originAddr := net.JoinHostPort(u.Hostname(), port)
	external := fetch.GuardedTransport(func(addr string) bool { return addr == originAddr })
	worker := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { s.serveWorker(v, rw, r) })
	return vercel.Handler(worker, origin, m, external), nil
}

// locate looks up the request's client address.
func (s *Server) locate(r *http.Request) geo.Location {
	loc, ok := s.geo.Lookup(clientIP(r))
	if !ok {
		loc = geo.Default()
	}
	return loc
}

func fmtDuration(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + "ms"
}

func requestURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.RequestURI()
}

// requestCF builds request.cf. In dev the client address may be given with
// CF-Connecting-IP or X-Forwarded-For, so that geo can be tried locally
// with real addresses.
func (s *Server) requestCF(r *http.Request, loc geo.Location) string {
	// By hand, as the front of verge serve does (geo.AppendCF): encoding
	// a map with encoding/json was a quarter of verge dev's own CPU.
	return string(geo.AppendCF(make([]byte, 0, 1024), loc, geo.NewRequestInfo(r, geo.DevColo), s.cfExtra...))
}

// recorder notes the status and whether the response started, which the
// worker checks before writing an error.
type recorder struct {
	http.ResponseWriter
	status  int
	started bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.started {
		r.status = code
		r.started = true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.started = true
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Flush() {
	r.started = true
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Started reports whether the response head was sent.
func (r *recorder) Started() bool { return r.started }

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
