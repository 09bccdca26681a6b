// Package server is the PoP edge server, `verge serve`: it listens for
// clients, finds where they are, matches the route of each request and
// sends it to a worker (in the isolate hosts of package hostpool) or
// straight to the origin.
package server

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/verge-edge/verge/cache"
	"github.com/verge-edge/verge/config"
	"github.com/verge-edge/verge/deploy"
	"github.com/verge-edge/verge/edgeinfo"
	"github.com/verge-edge/verge/geo"
	"github.com/verge-edge/verge/host"
	"github.com/verge-edge/verge/hostpool"
	"github.com/verge-edge/verge/kv"
	"github.com/verge-edge/verge/policy/ratelimit"
	"github.com/verge-edge/verge/secrets"
	"github.com/verge-edge/verge/server/compress"
	"github.com/verge-edge/verge/tail"
	"github.com/verge-edge/verge/wasm"
	"github.com/verge-edge/verge/worker"
)

// Options configure a Server beyond node.toml.
type Options struct {
	// HostCommand starts an isolate host (`verge isolate-host`).
	HostCommand []string
	// HostEnv is added to the hosts' environment.
	HostEnv []string
	Log     *slog.Logger
	// ConfigPath is node.toml, re-read by Reload; "" when the config was
	// built in code (verge serve DIR).
	ConfigPath string
	// Cluster is the connection to this PoP's leaf node (verge pop): KV
	// and deployments come through it. Nil runs them on an embedded hub
	// and leaf under [kv] dir (verge serve).
	Cluster *nats.Conn
	// Secrets opens the secrets deployed workers get from the control
	// plane (verge pop: the network's key from pop.creds).
	Secrets *secrets.Keyring
	// RateLimitSync shares the counts of rate limits with scope =
	// "cluster" with the other PoPs (verge pop). Nil on verge serve,
	// whose one node starts its own on the embedded NATS when a route
	// asks for it; the caller closes it after Shutdown.
	RateLimitSync *ratelimit.Sync
}

// Server is one PoP.
type Server struct {
	opts  Options
	log   *slog.Logger
	pool  *hostpool.Pool
	cache *cache.Cache
	kv    kvBackend
	// embedded is the KV of verge serve, nil with Options.Cluster; its
	// NATS also carries the node's deployments.
	embedded *kv.Embedded
	deploys  deployments
	tail     *tail.Hub
	// rateLimits is the Sync of cluster-scoped rate limits: Options'
	// or, on verge serve, one started on first use (rateLimitSync).
	rateLimits struct {
		mu    sync.Mutex
		sync  *ratelimit.Sync
		owned bool
	}
	// tailNATS starts the live tail bridge on verge serve's embedded NATS
	// once, when the control API first reaches it.
	tailNATS sync.Once
	// wasmCache is [wasm] cache_dir: compiled WebAssembly, kept on disk.
	wasmCache string
	// secrets are opened lazily (the folder and key are made on first use).
	secretsDir  string
	secretsOnce sync.Once
	secrets     *secrets.Store
	secretsErr  error

	state    atomic.Pointer[state]
	requests atomic.Uint64 // since start, for heartbeats
	reloadMu sync.Mutex

	mu        sync.Mutex
	listeners []net.Listener
	servers   []*http.Server
}

// state is what a config produces; requests read it without locks and a
// reload replaces it whole.
type state struct {
	cfg      *NodeConfig
	routes   table
	geo      geo.Locator
	close    func() // closes geo databases, stops health checks
	projects []*project
	// deployed are the workers deployed through the control plane.
	deployed deploy.Set
	workers  map[string]*deployedWorker
}

// project is one worker version loaded from a project folder.
type project struct {
	cfg  *config.Config
	spec host.Spec
	// version is the deployed version number; 0 for a project folder.
	version int
	// wasm is a WebAssembly handler (WAGI or reactor), run in the front
	// rather than the isolate hosts (see RATIONALE.md); spec is then empty.
	wasm wasm.Handler
}

// handler is what serves the project's requests.
func (pr *project) handler(s *Server, colo string) http.Handler {
	if pr.wasm != nil {
		return pr.wasm
	}
	return &workerHandler{pool: s.pool, id: pr.spec.ID, colo: colo, name: pr.cfg.Name, tail: s.tail}
}

// secretStore opens the node's secrets folder on first use.
func (s *Server) secretStore() (*secrets.Store, error) {
	s.secretsOnce.Do(func() {
		s.secrets, s.secretsErr = secrets.Open(s.secretsDir)
	})
	return s.secrets, s.secretsErr
}

// addSecrets puts the worker's secrets into its vars (env), when it has
// any. A secret may not share a name with a var: which one the worker
// would see must not depend on an accident.
func (s *Server) addSecrets(cfg *config.Config) error {
	if _, err := os.Stat(filepath.Join(s.secretsDir, cfg.Name+".json")); err != nil {
		return nil // no secrets for this worker: do not create the folder
	}
	st, err := s.secretStore()
	if err != nil {
		return err
	}
	vals, err := st.Values(cfg.Name)
	if err != nil {
		return err
	}
	return mergeSecrets(cfg, vals)
}

// mergeSecrets adds secrets to a worker's vars. A secret may not share a
// name with a var: which one the worker would see must not depend on an
// accident.
func mergeSecrets(cfg *config.Config, vals map[string]string) error {
	if len(vals) > 0 && cfg.Vars == nil {
		cfg.Vars = map[string]string{}
	}
	for k, v := range vals {
		if _, clash := cfg.Vars[k]; clash {
			return fmt.Errorf("%s: %s is both a var and a secret", cfg.Name, k)
		}
		cfg.Vars[k] = v
	}
	return nil
}

// New starts the isolate hosts and loads every project of cfg. It does not
// listen yet: see ListenAndServe.
func New(cfg *NodeConfig, opts Options) (*Server, error) {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	s := &Server{opts: opts, log: opts.Log, secretsDir: cfg.Secrets.Dir, wasmCache: cfg.Wasm.CacheDir, tail: tail.NewHub()}
	var budget []string
	if cfg.Hosts.MemoryBudgetMB > 0 {
		budget = []string{fmt.Sprintf("--memory-budget-mb=%d", cfg.Hosts.MemoryBudgetMB)}
	}
	c, err := cache.New(cache.Options{
		MemoryBytes:    cfg.Cache.MemoryMB << 20,
		DiskDir:        cfg.Cache.DiskDir,
		DiskBytes:      cfg.Cache.DiskMB << 20,
		MaxObjectBytes: cfg.Cache.MaxObjectMB << 20,
		Log:            opts.Log,
	})
	if err != nil {
		return nil, err
	}
	s.cache = c
	if opts.Cluster != nil {
		s.kv = kv.NewNamespaces(opts.Cluster, opts.Log)
	} else {
		s.embedded = kv.NewEmbedded(cfg.KV.Dir, opts.Log)
		s.kv = s.embedded
	}
	pool, err := hostpool.Start(hostpool.Config{
		Services: host.ServicesHandler(host.Services{Cache: c, RateLimits: ratelimit.NewNamespaces(nil), KV: s.kv}),
		Hosts:    cfg.Hosts.Count,
		Command:  append(append([]string(nil), opts.HostCommand...), budget...),
		Env:      opts.HostEnv,
		User:     cfg.Hosts.User,
		Log:      opts.Log,
		OnLog:    s.hostLog,
	})
	if err != nil {
		return nil, err
	}
	s.pool = pool
	st, err := s.build(cfg, nil, nil)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.state.Store(st)
	if err := s.resumeDeployments(cfg); err != nil {
		s.Shutdown(context.Background())
		return nil, err
	}
	return s, nil
}

// build loads a config's projects and the deployed workers into the
// hosts and makes its routes. prev is the state it replaces, or nil: a
// deployed worker that fails to load keeps its version from there.
func (s *Server) build(cfg *NodeConfig, set deploy.Set, prev *state) (*state, error) {
	st := &state{cfg: cfg, close: func() {}, deployed: set}
	st.geo = geo.Static(geo.Default())
	if len(cfg.Geo.DB) > 0 {
		var dbs []geo.Locator
		var opened []*geo.MMDB
		for _, path := range cfg.Geo.DB {
			db, err := geo.OpenMMDB(path)
			if err != nil {
				for _, d := range opened {
					d.Close()
				}
				return nil, fmt.Errorf("geo.db: %w", err)
			}
			opened = append(opened, db)
			dbs = append(dbs, db)
		}
		st.geo = geo.Merge(dbs...)
		st.close = func() {
			for _, d := range opened {
				d.Close()
			}
		}
	}
	origins := map[string]*origin{}
	for name, oc := range cfg.Origins {
		origins[name] = newOrigin(name, oc.u, oc, s.log)
	}
	hctx, stopHealth := context.WithCancel(context.Background())
	var checks sync.WaitGroup
	for name, oc := range cfg.Origins {
		o := origins[name]
		o.fallback = origins[oc.Fallback]
		if oc.HealthCheck != "" {
			checks.Add(1)
			go func() {
				defer checks.Done()
				o.checkHealth(hctx, oc.HealthCheck, oc.HealthInterval.Duration, s.log)
			}()
		}
	}
	closeGeo := st.close
	st.close = func() {
		stopHealth()
		checks.Wait()
		closeGeo()
	}
	var routes []route
	byName := map[string]*project{}
	for _, dir := range cfg.Projects {
		pr, err := s.loadProject(dir, nil)
		if err != nil {
			st.close()
			return nil, err
		}
		if byName[pr.cfg.Name] != nil {
			st.close()
			return nil, fmt.Errorf("projects: two projects are named %q", pr.cfg.Name)
		}
		byName[pr.cfg.Name] = pr
		st.projects = append(st.projects, pr)
		if info, _ := s.pool.Info(pr.spec.ID); info.Style == "lambda-edge" {
			// A Lambda@Edge handler takes CloudFront events, not requests:
			// it runs where a route's [routes.lambda_edge] names it.
			continue
		}
		patterns := []string{"*/*"}
		if len(pr.cfg.Routes) > 0 {
			patterns = patterns[:0]
			for _, r := range pr.cfg.Routes {
				patterns = append(patterns, r.Pattern)
			}
		}
		if pr.wasm != nil {
			prev := st.close
			st.close = func() { pr.wasm.Close(context.Background()); prev() }
		}
		h, err := s.projectHandler(pr, cfg.Colo, origins)
		if err != nil {
			st.close()
			return nil, err
		}
		for _, ps := range patterns {
			p, err := parsePattern(ps)
			if err != nil {
				st.close()
				return nil, fmt.Errorf("%s: route: %w", pr.cfg.Name, err)
			}
			routes = append(routes, route{p, h})
		}
	}
	deployedRoutes, err := s.addDeployed(st, byName, origins, prev)
	if err != nil {
		st.close()
		return nil, err
	}
	routes = append(routes, deployedRoutes...)
	for i := range cfg.Routes {
		r := &cfg.Routes[i]
		p, _ := parsePattern(r.Pattern) // validated
		var h http.Handler
		var err error
		if r.Worker != "" {
			pr := byName[r.Worker]
			if pr == nil {
				st.close()
				return nil, fmt.Errorf("routes[%d].worker: no project named %q", i, r.Worker)
			}
			h = pr.handler(s, cfg.Colo)
			if w := st.workers[r.Worker]; w != nil {
				h = w.handler
			}
			if r.Origin != "" {
				if h, err = s.middleware(pr, h, origins[r.Origin], origins); err != nil {
					st.close()
					return nil, fmt.Errorf("routes[%d]: %w", i, err)
				}
			}
		} else {
			h = origins[r.Origin]
		}
		pol, err := s.buildPolicies(r)
		if err != nil {
			st.close()
			return nil, fmt.Errorf("routes[%d]: %w", i, err)
		}
		prev := st.close
		st.close = func() { pol.close(); prev() }
		if pol.exps != nil {
			if h, err = newVariantTarget(pol.exps, r.Experiments, origins, r.Worker == "", h); err != nil {
				st.close()
				return nil, fmt.Errorf("routes[%d]: %w", i, err)
			}
		}
		var lt *lambdaTriggers
		if r.LambdaEdge != nil {
			if lt, err = s.newLambdaTriggers(*r.LambdaEdge, byName, origins[r.Origin], origins); err != nil {
				st.close()
				return nil, fmt.Errorf("routes[%d].%w", i, err)
			}
			h = lt.wrapOrigin(h)
		}
		if r.Cache != nil && (r.Cache.Enabled == nil || *r.Cache.Enabled) {
			h = s.cache.Handler(h, cacheRules(r.Cache, pol.cacheKeyHeaders()))
		}
		if lt != nil {
			h = lt.wrapViewer(h)
		}
		routes = append(routes, route{p, pol.chain(h)})
	}
	st.routes = newTable(routes)
	return st, nil
}

// loadProject bundles a project (a folder with verge.toml, or a worker
// file) and loads it into the hosts.
// sealed are secrets from the control plane (deployed workers only).
func (s *Server) loadProject(dir string, sealed map[string]string) (*project, error) {
	cfg, err := config.LoadEntry(dir)
	if err != nil {
		return nil, err
	}
	if err := s.addSecrets(cfg); err != nil {
		return nil, err
	}
	if err := s.addDeployedSecrets(cfg, sealed); err != nil {
		return nil, err
	}
	if strings.HasSuffix(cfg.Main, ".wasm") {
		return s.loadWasmProject(cfg)
	}
	res, err := buildCode(cfg)
	if err != nil {
		return nil, err
	}
	spec := host.Spec{
		Name:       cfg.Name,
		Code:       res.Code,
		SourceMap:  res.SourceMap,
		Wasm:       res.Wasm,
		Vars:       cfg.Vars,
		Limits:     worker.LimitsFrom(cfg.Limits),
		Origin:     cfg.Origin,
		FetchAllow: cfg.FetchAllow,
		Bindings:   worker.BindingsFrom(cfg),
	}
	if cfg.Origin != "" {
		u, _ := url.Parse(cfg.Origin)
		spec.AllowHosts = []string{u.Host}
	}
	// A version is named by its content, so an unchanged project keeps its
	// warm VMs across reloads.
	sum := sha256.New()
	sum.Write(res.Code)
	fmt.Fprintf(sum, "\x00%v\x00%v\x00%s\x00%v\x00%s", spec.Vars, spec.Limits, spec.Origin, spec.FetchAllow, spec.Bindings)
	spec.ID = cfg.Name + "@" + hex.EncodeToString(sum.Sum(nil))[:16]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.pool.Load(ctx, spec); err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.Name, err)
	}
	s.log.Info("worker ready", "worker", cfg.Name, "version", spec.ID)
	return &project{cfg: cfg, spec: spec}, nil
}

// Reload re-reads node.toml and the projects and switches to them without
// dropping connections. On any error the running config stays.
func (s *Server) Reload() error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	cur := s.state.Load()
	cfg := cur.cfg
	if s.opts.ConfigPath != "" {
		var err error
		if cfg, err = LoadNode(s.opts.ConfigPath); err != nil {
			return err
		}
	}
	if cfg.Listen != cur.cfg.Listen || cfg.Admin != cur.cfg.Admin || cfg.Cache != cur.cfg.Cache || cfg.KV != cur.cfg.KV {
		s.log.Warn("listen, admin, cache or kv settings changed: restart verge serve to apply them")
	}
	st, err := s.build(cfg, cur.deployed, cur)
	if err != nil {
		return err
	}
	s.swap(cur, st)
	return nil
}

// swap makes st the running state and retires cur once the requests
// routed with it are done.
func (s *Server) swap(cur, st *state) {
	s.state.Store(st)
	keep := map[string]bool{}
	for _, p := range st.projects {
		keep[p.spec.ID] = true
	}
	// Requests already routed to the old versions finish first.
	time.AfterFunc(5*time.Second, func() {
		for _, p := range cur.projects {
			if !keep[p.spec.ID] {
				s.pool.Unload(context.Background(), p.spec.ID)
			}
		}
		cur.close()
	})
}

// ServeHTTP serves one client request.
func (s *Server) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	st := s.state.Load()
	if max := st.cfg.Listen.MaxBodyMB << 20; r.ContentLength > max {
		s.log.Info("request body too large", "host", r.Host, "path", r.URL.Path, "length", r.ContentLength, "remote", r.RemoteAddr)
		http.Error(rw, fmt.Sprintf("verge: request body over %d MB", st.cfg.Listen.MaxBodyMB), http.StatusRequestEntityTooLarge)
		return
	} else if r.Body != nil && r.Body != http.NoBody {
		r.Body = http.MaxBytesReader(rw, r.Body, max) // a chunked body is cut off there
	}
	info := &edgeinfo.Info{ClientIP: clientIP(r, st.cfg.Geo.trusted), Colo: st.cfg.Colo}
	if loc, ok := st.geo.Lookup(info.ClientIP); ok {
		info.Location = loc
	}
	r = r.WithContext(edgeinfo.With(r.Context(), info))
	rt, ok := st.routes.match(r.Host, r.URL.Path)
	if !ok {
		http.Error(rw, "verge: no route for "+stripPort(r.Host)+r.URL.Path, st.cfg.NotFound)
		return
	}
	rt.ServeHTTP(rw, r)
}

// workerHandler sends requests to one worker version in the isolate hosts.
type workerHandler struct {
	pool *hostpool.Pool
	id   string
	colo string
	name string
	tail *tail.Hub
}

func (h *workerHandler) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	info := edgeinfo.From(r.Context())
	// Workers from every platform find geolocation where they expect it:
	// request.cf, Vercel's and CloudFront's headers. The headers travel
	// beside the client's (RequestInfo.Headers), which must not carry
	// their own.
	deletePrefix(r.Header, "X-Vercel-Ip-")
	deletePrefix(r.Header, "Cloudfront-Viewer-")
	hdrs := geo.AppendCloudFrontHeaders(geo.AppendVercelHeaders(make([]byte, 0, 512), info.Location), info.Location)
	if info.ClientIP.IsValid() {
		r.Header.Del("X-Real-Ip")
		r.Header.Del("Cf-Connecting-Ip")
		ip := info.ClientIP.String()
		hdrs = geo.AppendHeader(geo.AppendHeader(hdrs, "x-real-ip", ip), "cf-connecting-ip", ip)
	}
	ri := geo.NewRequestInfo(r, h.colo)
	ri.ClientTCPRTT = clientRTT(r.Context())
	// What the route's policies decided, where Workers code reads the
	// edge's facts about a request.
	var extra []geo.RawField
	if len(info.Variants) > 0 {
		b, _ := json.Marshal(info.Variants)
		extra = append(extra, geo.RawField{Key: "experiments", JSON: b})
	}
	if info.Flags != "" {
		extra = append(extra, geo.RawField{Key: "flags", JSON: []byte(info.Flags)})
	}
	cf := string(geo.AppendCF(make([]byte, 0, 1024), info.Location, ri, extra...))
	if !h.tail.Watched() {
		h.pool.Serve(rw, r, h.id, worker.RequestInfo{URL: requestURL(r), CFJSON: cf, Headers: string(hdrs)})
		return
	}
	start := time.Now()
	tw := &tailWriter{ResponseWriter: rw}
	defer func() {
		// Also when the host failed mid-response (ErrAbortHandler).
		outcome := tw.outcome
		if outcome == "" {
			outcome = "ok"
			if r.Context().Err() != nil {
				outcome = "canceled"
			}
		}
		h.tail.Publish(tail.Event{Worker: h.name, Colo: h.colo, Kind: "request", Method: r.Method, URL: requestURL(r),
			Status: tw.status, Ms: float64(time.Since(start).Microseconds()) / 1000, Outcome: outcome})
	}()
	h.pool.Serve(tw, r, h.id, worker.RequestInfo{URL: requestURL(r), CFJSON: cf, Headers: string(hdrs)})
}

func requestURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.RequestURI()
}

// Addrs are the base URLs a node listens on; empty when not configured.
type Addrs struct {
	HTTP, HTTPS, Admin string
}

// Serving lists the client-facing URLs.
func (a Addrs) Serving() []string {
	var out []string
	for _, u := range []string{a.HTTP, a.HTTPS} {
		if u != "" {
			out = append(out, u)
		}
	}
	return out
}

// ListenAndServe opens the configured listeners and serves until ctx
// ends, then shuts down gracefully: in-flight requests finish.
func (s *Server) ListenAndServe(ctx context.Context, ready func(Addrs)) error {
	cfg := s.state.Load().cfg
	var addrs Addrs
	if cfg.Listen.HTTP != "" {
		ln, err := net.Listen("tcp", cfg.Listen.HTTP)
		if err != nil {
			return fmt.Errorf("listen http: %w", err)
		}
		s.serve(ln)
		addrs.HTTP = "http://" + ln.Addr().String()
	}
	if cfg.Listen.HTTPS != "" {
		tc, err := tlsConfig(cfg.Listen)
		if err != nil {
			s.Shutdown(context.Background())
			return err
		}
		ln, err := net.Listen("tcp", cfg.Listen.HTTPS)
		if err != nil {
			s.Shutdown(context.Background())
			return fmt.Errorf("listen https: %w", err)
		}
		s.serve(tls.NewListener(ln, tc))
		addrs.HTTPS = "https://" + ln.Addr().String()
	}
	if cfg.Admin.Listen != "" {
		ln, err := net.Listen("tcp", cfg.Admin.Listen)
		if err != nil {
			s.Shutdown(context.Background())
			return fmt.Errorf("listen admin: %w", err)
		}
		s.serveHandler(ln, s.adminHandler(cfg.Admin.Token))
		addrs.Admin = "http://" + ln.Addr().String()
	}
	if ready != nil {
		ready(addrs)
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return s.Shutdown(sctx)
}

func (s *Server) serve(ln net.Listener) {
	s.serveHandler(ln, compress.Handler(s))
}

func (s *Server) serveHandler(ln net.Listener, h http.Handler) {
	lc := s.state.Load().cfg.Listen
	srv := &http.Server{
		Handler:           h,
		ConnContext:       func(ctx context.Context, c net.Conn) context.Context { return withConn(ctx, c) },
		ReadHeaderTimeout: lc.HeaderTimeout.Duration,
		IdleTimeout:       lc.IdleTimeout.Duration,
		MaxHeaderBytes:    32 << 10, // Cloudflare's request header limit
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.mu.Lock()
	s.listeners = append(s.listeners, ln)
	s.servers = append(s.servers, srv)
	s.mu.Unlock()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serve", "addr", ln.Addr().String(), "err", err)
		}
	}()
}

// Shutdown stops accepting connections, waits for in-flight requests, and
// stops the isolate hosts.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	servers := s.servers
	s.servers = nil
	s.mu.Unlock()
	var errs []error
	for _, srv := range servers {
		errs = append(errs, srv.Shutdown(ctx))
	}
	s.deploys.mu.Lock()
	if s.deploys.watcher != nil {
		s.deploys.watcher.Close()
		s.deploys.watcher = nil
	}
	s.deploys.mu.Unlock()
	if st := s.state.Load(); st != nil {
		st.close()
	}
	s.rateLimits.mu.Lock()
	if s.rateLimits.owned {
		errs = append(errs, s.rateLimits.sync.Close())
	}
	s.rateLimits.mu.Unlock()
	s.cache.Close()
	errs = append(errs, s.pool.Close(), s.kv.Close())
	return errors.Join(errs...)
}

// clientIP is the connection's peer, or, when the peer is a trusted proxy,
// the last X-Forwarded-For entry that is not one.
func clientIP(r *http.Request, trusted []netip.Prefix) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	ip := ap.Addr().Unmap()
	if !isTrusted(ip, trusted) {
		return ip
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		parts := splitComma(hops[i])
		for j := len(parts) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(parts[j])
			if err != nil {
				return ip // a malformed chain: trust only what we saw
			}
			ip = a.Unmap()
			if !isTrusted(ip, trusted) {
				return ip
			}
		}
	}
	return ip
}

func isTrusted(ip netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
