// Package hostpool is the front's side of the isolate hosts: it starts one
// host process per core, supervises them (restart on exit, backoff when a
// host crash-loops), shards workers to hosts by rendezvous hashing, and
// forwards requests to them over Unix sockets.
//
// A request whose host dies mid-flight gets a clean 503 (verge-1109);
// requests without a body and with an idempotent method are retried once on
// another host first. See package host for the protocol.
package hostpool

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/verge-edge/verge/host"
	"github.com/verge-edge/verge/worker"
)

// Config configures a Pool.
type Config struct {
	// Hosts is the number of host processes (default: one per CPU).
	Hosts int
	// Command is the argv that starts a host process (see host.Run); the
	// listening socket is passed as fd host.ListenerFD.
	Command []string
	// Env is added to the hosts' environment.
	Env []string
	// Services, when set, serves the hosts' calls to the front (see
	// host.ServicesFD).
	Services http.Handler
	// OnLog, when set, sees every JSON log record a host writes (after
	// it is relayed to Log), such as workers' console lines.
	OnLog func(rec map[string]any)
	// User, when the front runs as root, is the account hosts run as
	// (default "nobody"). Set "root" to keep root (not recommended).
	User string
	// SpreadAt is the number of concurrent requests per host past which a
	// worker spreads to one more host (default 4).
	SpreadAt int
	// MinBackoff and MaxBackoff bound the delay before restarting a host
	// that exited within StableAfter of starting (defaults 100 ms, 30 s, 10 s).
	MinBackoff, MaxBackoff, StableAfter time.Duration
	// StartTimeout bounds how long a new host may take to answer its health
	// check (default 10 s).
	StartTimeout time.Duration
	Log          *slog.Logger
}

// Pool runs and routes to the isolate hosts.
type Pool struct {
	cfg   Config
	log   *slog.Logger
	dir   string
	hosts []*proc

	specs sync.Map  // worker ID -> *spec
	bufs  sync.Pool // *[]byte for copying response bodies
	ctx   context.Context
	stop  context.CancelFunc
	wg    sync.WaitGroup
}

type spec struct {
	id       string
	body     []byte       // the JSON host.Spec
	inflight atomic.Int64 // requests in flight on all hosts
	order    []int        // hosts by rendezvous score, best first
	// info is what the first host to load the worker found in it.
	info atomic.Pointer[host.WorkerInfo]
}

// Start creates the sockets and starts the hosts. It returns once every
// host answered its health check, so the first request finds them ready.
func Start(cfg Config) (*Pool, error) {
	if len(cfg.Command) == 0 {
		return nil, errors.New("hostpool: no host command")
	}
	if cfg.Hosts <= 0 {
		cfg.Hosts = runtime.NumCPU()
	}
	if cfg.SpreadAt <= 0 {
		cfg.SpreadAt = 4
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 100 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if cfg.StableAfter <= 0 {
		cfg.StableAfter = 10 * time.Second
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 10 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	dir, err := os.MkdirTemp("", "verge-hosts-")
	if err != nil {
		return nil, fmt.Errorf("hostpool: socket directory: %w", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	p := &Pool{cfg: cfg, log: cfg.Log, dir: dir, ctx: ctx, stop: stop}
	cred, err := credential(cfg.User)
	if err != nil {
		p.Close()
		return nil, err
	}
	for i := range cfg.Hosts {
		h, err := newProc(p, i, filepath.Join(dir, fmt.Sprintf("host%d.sock", i)), cred)
		if err != nil {
			p.Close()
			return nil, err
		}
		p.hosts = append(p.hosts, h)
	}
	ready := make(chan error, len(p.hosts))
	for _, h := range p.hosts {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			h.supervise(ready)
		}()
	}
	for range p.hosts {
		if err := <-ready; err != nil {
			p.Close()
			return nil, err
		}
	}
	return p, nil
}

// Close stops the hosts (SIGTERM, so they finish in-flight requests; then
// SIGKILL after a grace period) and removes their sockets.
func (p *Pool) Close() error {
	p.stop()
	for _, h := range p.hosts {
		h.signal(syscall.SIGTERM)
	}
	done := make(chan struct{})
	go func() {
		p.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		for _, h := range p.hosts {
			h.signal(syscall.SIGKILL)
		}
		<-done
	}
	for _, h := range p.hosts {
		h.close()
	}
	return os.RemoveAll(p.dir)
}

// Load registers a worker version and loads it on its first host, so the
// first request finds a warm VM. A script that fails to load returns the
// host's error (syntax error, no handler, startup limit).
func (p *Pool) Load(ctx context.Context, s host.Spec) error {
	body, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("hostpool: encode spec: %w", err)
	}
	sp := &spec{id: s.ID, body: body, order: rendezvous(s.ID, len(p.hosts))}
	if old, loaded := p.specs.LoadOrStore(s.ID, sp); loaded {
		sp = old.(*spec)
	}
	h := p.pick(sp, nil)
	for h == nil {
		// Every host is down: the supervisor is restarting them. A deploy
		// waits for one rather than failing.
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (waited %w)", errNoHost, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
		h = p.pick(sp, nil)
	}
	return h.load(ctx, sp)
}

// Info returns what loading found in a worker version (its handler style
// and config export); false before a host has loaded it.
func (p *Pool) Info(id string) (host.WorkerInfo, bool) {
	v, ok := p.specs.Load(id)
	if !ok {
		return host.WorkerInfo{}, false
	}
	info := v.(*spec).info.Load()
	if info == nil {
		return host.WorkerInfo{}, false
	}
	return *info, true
}

// Unload forgets a worker version and unloads it from every host.
func (p *Pool) Unload(ctx context.Context, id string) {
	p.specs.Delete(id)
	for _, h := range p.hosts {
		if h.has(id) {
			h.unload(ctx, id)
		}
	}
}

var errNoHost = errors.New("hostpool: no isolate host is running")

// pick chooses the host for a request to sp: among the worker's first k
// hosts in rendezvous order that are up, the least busy, where k grows
// with the worker's concurrency so a hot worker spreads to more hosts.
func (p *Pool) pick(sp *spec, exclude *proc) *proc {
	k := 1 + int(sp.inflight.Load())/p.cfg.SpreadAt
	var best *proc
	seen := 0
	for _, i := range sp.order {
		h := p.hosts[i]
		if h == exclude || !h.up.Load() {
			continue
		}
		if best == nil || h.inflight.Load() < best.inflight.Load() {
			best = h
		}
		if seen++; seen >= k {
			break
		}
	}
	return best
}

// Serve forwards r to a host running worker id.
func (p *Pool) Serve(rw http.ResponseWriter, r *http.Request, id string, info worker.RequestInfo) {
	v, ok := p.specs.Load(id)
	if !ok {
		worker.WriteError(rw, http.StatusServiceUnavailable, worker.CodeNoHost, "")
		return
	}
	sp := v.(*spec)
	sp.inflight.Add(1)
	defer sp.inflight.Add(-1)

	cf := info.CFJSON
	if cf == "" && info.CF != nil {
		b, err := json.Marshal(info.CF)
		if err != nil {
			p.log.Error("request.cf", "err", err)
		}
		cf = string(b)
	}
	retryable := idempotent(r.Method) && (r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0)
	var tried *proc
	for attempt := 0; ; attempt++ {
		h := p.pick(sp, tried)
		if h == nil {
			code := worker.CodeNoHost
			if tried != nil { // the one host failed and there is no other
				code = worker.CodeHost
			}
			worker.WriteError(rw, http.StatusServiceUnavailable, code, "")
			return
		}
		err := h.forward(rw, r, sp, info.URL, cf, info.Headers)
		if err == nil {
			return
		}
		if r.Context().Err() != nil {
			return // the client went away
		}
		p.log.Warn("isolate host failed during a request", "host", h.index, "worker", id, "method", r.Method, "err", err)
		if se := (*startedError)(nil); errors.As(err, &se) {
			// The response had begun: cut the connection so the client
			// sees a truncated response, never a complete-looking one.
			panic(http.ErrAbortHandler)
		}
		if !retryable || attempt > 0 {
			worker.WriteError(rw, http.StatusServiceUnavailable, worker.CodeHost, "")
			return
		}
		tried = h
	}
}

func idempotent(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// startedError is a host failure after the response began.
type startedError struct{ err error }

func (e *startedError) Error() string { return "response interrupted: " + e.err.Error() }
func (e *startedError) Unwrap() error { return e.err }

// HostStatus describes one host process.
type HostStatus struct {
	Index    int
	PID      int
	Up       bool
	Restarts int
	Backoff  time.Duration // the delay before the next restart
	InFlight int64
	Workers  int // versions loaded
}

// Status reports on every host.
func (p *Pool) Status() []HostStatus {
	out := make([]HostStatus, len(p.hosts))
	for i, h := range p.hosts {
		h.mu.Lock()
		out[i] = HostStatus{Index: i, PID: h.pid, Up: h.up.Load(), Restarts: h.restarts, Backoff: h.backoff,
			InFlight: h.inflight.Load(), Workers: len(h.loaded)}
		h.mu.Unlock()
	}
	return out
}

// WorkerHosts reports which hosts the worker's requests would go to first,
// in order; the first is where Load warms it.
func (p *Pool) WorkerHosts(id string) []int {
	v, ok := p.specs.Load(id)
	if !ok {
		return nil
	}
	return append([]int(nil), v.(*spec).order...)
}

// dialer returns a DialContext for the socket at path.
func dialer(path string) func(ctx context.Context, _, _ string) (net.Conn, error) {
	var d net.Dialer
	return func(ctx context.Context, _, _ string) (net.Conn, error) {
		return d.DialContext(ctx, "unix", path)
	}
}

// controlRequest sends a control request to a host and checks its status.
func controlRequest(ctx context.Context, c *http.Client, method, path string, body []byte) error {
	_, err := controlCall(ctx, c, method, path, body)
	return err
}

// controlCall is controlRequest returning the answer's body.
func controlCall(ctx context.Context, c *http.Client, method, path string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://host"+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 300 {
		return nil, &LoadError{Status: resp.StatusCode, Message: string(bytes.TrimSpace(msg))}
	}
	return msg, nil
}

// LoadError is a host refusing a control request, typically a worker
// script that does not load.
type LoadError struct {
	Status  int
	Message string
}

func (e *LoadError) Error() string { return e.Message }
