// Package host is the isolate host: the child process of the edge server
// that holds worker VMs and runs requests in them.
//
// The front (package hostpool) talks to a host over a Unix socket with
// plain HTTP/1.1: keep-alive connections, streamed bodies. A request for a
// worker carries the worker's version ID in the Verge-Worker header and
// what the edge knows about it (full URL, request.cf, the headers it adds)
// in Verge-Url, Verge-Cf and Verge-Headers; everything else is the client's request as it arrived. Other
// requests are the control protocol:
//
//	PUT    /workers/{id}  load a worker version (body: JSON Spec); 422 if it fails to load
//	DELETE /workers/{id}  unload it
//	GET    /health        200 once the host is ready
//
// A request for a worker the host does not hold is answered 404 with
// Verge-Host-Status: unknown-worker, so the front loads it and retries:
// hosts are disposable and may have restarted or evicted it.
package host

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/verge-edge/verge/engine"
	"github.com/verge-edge/verge/webapi/fetch"
	"github.com/verge-edge/verge/worker"
)

// Protocol headers between the front and a host.
const (
	HeaderWorker = "Verge-Worker"
	HeaderURL    = "Verge-Url"
	HeaderCF     = "Verge-Cf"
	HeaderExtra  = "Verge-Headers"     // worker.RequestInfo.Headers
	HeaderStatus = "Verge-Host-Status" // on responses: "unknown-worker"
)

// StatusUnknownWorker is the Verge-Host-Status of a request for a worker
// the host does not hold.
const StatusUnknownWorker = "unknown-worker"

// maxSpec bounds a load request: a script at the largest script limit,
// its source map, and base64's growth.
const maxSpec = 64 << 20

// Spec is one worker version as the front sends it to a host.
type Spec struct {
	ID        string            `json:"id"` // unique per version
	Name      string            `json:"name"`
	Code      []byte            `json:"code"`
	SourceMap []byte            `json:"sourceMap,omitempty"`
	Vars      map[string]string `json:"vars,omitempty"`
	Limits    worker.Limits     `json:"limits"`
	// Origin receives requests after passThroughOnException.
	Origin string `json:"origin,omitempty"`
	// AllowHosts are host[:port]s subrequests may reach even on private
	// addresses: the configured origins.
	AllowHosts []string `json:"allowHosts,omitempty"`
	Dev        bool     `json:"dev,omitempty"`
	// FetchAllow restricts fetch() to these hosts (see fetch.Policy.Hosts).
	FetchAllow []string `json:"fetchAllow,omitempty"`
	MaxVMs     int      `json:"maxVMs,omitempty"`
	// Bindings are env bindings besides Vars (rate limiters).
	Bindings []worker.Binding `json:"bindings,omitempty"`
	// Wasm are the WebAssembly modules Code imports, by name (see
	// bundle.Result.Wasm).
	Wasm map[string][]byte `json:"wasm,omitempty"`
}

// Options configure a Server.
type Options struct {
	Log *slog.Logger
	// MemoryBudget bounds the heap bytes of all loaded workers' VMs; past
	// it the least recently used workers are unloaded (0: no bound).
	MemoryBudget int64
	// Spares is how many blank VMs to keep ready for new workers.
	Spares int
	// Services reaches the front's services (the Cache API's store); nil
	// runs workers without them.
	Services http.RoundTripper
}

// Server holds the workers of one isolate host.
type Server struct {
	log      *slog.Logger
	services http.RoundTripper
	budget   int64
	prelude  *engine.Prelude
	spares   *worker.Spares

	mu      sync.Mutex
	workers map[string]*loaded
	closed  bool
}

type loaded struct {
	w        *worker.Worker
	lastUsed atomic.Int64 // unix nanoseconds
}

// NewServer compiles the Web API prelude and returns an empty host.
func NewServer(opts Options) (*Server, error) {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	prelude, err := worker.NewPrelude()
	if err != nil {
		return nil, err
	}
	s := &Server{log: opts.Log, budget: opts.MemoryBudget, prelude: prelude, workers: map[string]*loaded{}, services: opts.Services}
	if opts.Spares > 0 {
		s.spares = worker.NewSpares(prelude, opts.Spares)
	}
	return s, nil
}

// Close unloads every worker.
func (s *Server) Close() {
	s.mu.Lock()
	ws := s.workers
	s.workers, s.closed = map[string]*loaded{}, true
	s.mu.Unlock()
	for _, l := range ws {
		l.w.Close()
	}
	s.spares.Close()
}

// ServeHTTP serves worker requests and the control protocol.
func (s *Server) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if id := r.Header.Get(HeaderWorker); id != "" {
		s.serveWorker(rw, r, id)
		return
	}
	switch {
	case r.URL.Path == "/health" && r.Method == http.MethodGet:
		rw.WriteHeader(http.StatusOK)
	case strings.HasPrefix(r.URL.Path, "/workers/"):
		id := strings.TrimPrefix(r.URL.Path, "/workers/")
		switch r.Method {
		case http.MethodPut:
			s.serveLoad(rw, r, id)
		case http.MethodDelete:
			s.Unload(id)
			rw.WriteHeader(http.StatusNoContent)
		default:
			http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
		}
	default:
		http.NotFound(rw, r)
	}
}

func (s *Server) serveWorker(rw http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	l := s.workers[id]
	s.mu.Unlock()
	if l == nil {
		rw.Header().Set(HeaderStatus, StatusUnknownWorker)
		http.Error(rw, "unknown worker "+id, http.StatusNotFound)
		return
	}
	l.lastUsed.Store(time.Now().UnixNano())
	info := worker.RequestInfo{URL: r.Header.Get(HeaderURL), CFJSON: r.Header.Get(HeaderCF), Headers: r.Header.Get(HeaderExtra)}
	r.Header.Del(HeaderWorker)
	r.Header.Del(HeaderURL)
	r.Header.Del(HeaderCF)
	r.Header.Del(HeaderExtra)
	// The front's connection says Host: host; the client's is in the URL.
	if u, err := url.Parse(info.URL); err == nil && u.Host != "" {
		r.Host = u.Host
	}
	l.w.Serve(rw, r, info)
}

func (s *Server) serveLoad(rw http.ResponseWriter, r *http.Request, id string) {
	var spec Spec
	if err := json.NewDecoder(io.LimitReader(r.Body, maxSpec)).Decode(&spec); err != nil {
		http.Error(rw, "bad worker spec: "+err.Error(), http.StatusBadRequest)
		return
	}
	if spec.ID != id {
		http.Error(rw, fmt.Sprintf("spec id %q does not match path %q", spec.ID, id), http.StatusBadRequest)
		return
	}
	if err := s.Load(spec); err != nil {
		http.Error(rw, err.Error(), http.StatusUnprocessableEntity)
		return
	}
	s.mu.Lock()
	l := s.workers[spec.ID]
	s.mu.Unlock()
	if l == nil { // evicted at once by a tight memory budget
		rw.WriteHeader(http.StatusNoContent)
		return
	}
	json.NewEncoder(rw).Encode(WorkerInfo{Style: l.w.Style(), Config: l.w.ModuleConfig()})
}

// WorkerInfo is what loading found in a worker: its handler style
// ("modules", "service-worker", "vercel", "lambda-edge") and its bundle's
// `config` export (Vercel's matcher) as JSON.
type WorkerInfo struct {
	Style  string          `json:"style"`
	Config json.RawMessage `json:"config,omitempty"`
}

// Load creates the worker of spec and warms its first VM. Loading an ID
// the host already holds does nothing: IDs name immutable versions.
func (s *Server) Load(spec Spec) error {
	s.mu.Lock()
	_, ok := s.workers[spec.ID]
	s.mu.Unlock()
	if ok {
		return nil
	}
	cfg, err := s.workerConfig(spec)
	if err != nil {
		return err
	}
	w, err := worker.New(cfg)
	if err != nil {
		return err
	}
	l := &loaded{w: w}
	l.lastUsed.Store(time.Now().UnixNano())
	s.mu.Lock()
	if s.closed || s.workers[spec.ID] != nil {
		s.mu.Unlock()
		w.Close() // lost a race with another load of the same version
		return nil
	}
	s.workers[spec.ID] = l
	s.mu.Unlock()
	s.log.Info("worker loaded", "worker", spec.Name, "id", spec.ID, "style", w.Style())
	s.evict(spec.ID)
	return nil
}

func (s *Server) workerConfig(spec Spec) (worker.Config, error) {
	cfg := worker.Config{
		Name: spec.Name, Code: spec.Code, SourceMap: spec.SourceMap, Wasm: spec.Wasm, Vars: spec.Vars,
		Limits: spec.Limits, Prelude: s.prelude, Spares: s.spares, Dev: spec.Dev, MaxVMs: spec.MaxVMs,
		Log: s.log.With("worker", spec.Name),
	}
	cfg.Bindings = spec.Bindings
	if s.services != nil {
		cfg.Cache = remoteCache{rt: s.services, ns: spec.Name}
		cfg.RateLimiter = remoteLimiter{rt: s.services, scope: spec.Name}
		cfg.KV = remoteKV{rt: s.services}
	}
	if spec.Origin != "" {
		u, err := url.Parse(spec.Origin)
		if err != nil || u.Host == "" {
			return cfg, fmt.Errorf("worker %s: bad origin %q", spec.Name, spec.Origin)
		}
		cfg.Origin = u
	}
	allowed := map[string]bool{}
	for _, h := range spec.AllowHosts {
		allowed[strings.ToLower(h)] = true
	}
	cfg.Fetch = fetch.Policy{AllowHost: func(h string) bool { return allowed[strings.ToLower(h)] }, Hosts: spec.FetchAllow}
	cfg.Console = func(level, msg string) {
		s.log.Info(msg, "kind", "console", "consoleLevel", level, "worker", spec.Name)
	}
	return cfg, nil
}

// Unload closes a worker once its in-flight requests finish.
func (s *Server) Unload(id string) {
	s.mu.Lock()
	l := s.workers[id]
	delete(s.workers, id)
	s.mu.Unlock()
	if l != nil {
		go l.w.Close()
	}
}

// evict unloads the least recently used workers, never keep, while the
// loaded workers' heaps exceed the budget.
func (s *Server) evict(keep string) {
	if s.budget <= 0 {
		return
	}
	type entry struct {
		id   string
		used int64
		heap int64
	}
	s.mu.Lock()
	var total int64
	es := make([]entry, 0, len(s.workers))
	for id, l := range s.workers {
		h := l.w.Memory()
		total += h
		es = append(es, entry{id, l.lastUsed.Load(), h})
	}
	s.mu.Unlock()
	if total <= s.budget {
		return
	}
	sort.Slice(es, func(i, j int) bool { return es[i].used < es[j].used })
	for _, e := range es {
		if total <= s.budget {
			break
		}
		if e.id == keep {
			continue
		}
		s.log.Info("worker evicted: host memory budget", "id", e.id, "heap", e.heap, "budget", s.budget)
		s.Unload(e.id)
		total -= e.heap
	}
}

// Workers lists the loaded worker IDs.
func (s *Server) Workers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.workers))
	for id := range s.workers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
