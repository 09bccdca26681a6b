package hostpool

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/verge-edge/verge/host"
)

// proc is one host process slot: its socket (which outlives restarts), the
// transport to it, and the process currently running.
type proc struct {
	p     *Pool
	index int
	path  string
	ln    *net.UnixListener
	lnf   *os.File // the listener as passed to children
	cred  *syscall.Credential
	tr    *http.Transport // requests with a body, control requests
	fast  *conns          // requests without a body
	ctl   *http.Client

	up       atomic.Bool
	inflight atomic.Int64

	mu       sync.Mutex
	cmd      *exec.Cmd
	pid      int
	restarts int
	backoff  time.Duration
	loaded   map[string]bool
	loading  map[string]chan struct{}
}

func newProc(p *Pool, i int, path string, cred *syscall.Credential) (*proc, error) {
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("hostpool: listen %s: %w", path, err)
	}
	ln.SetUnlinkOnClose(true)
	f, err := ln.File()
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("hostpool: listener file: %w", err)
	}
	tr := &http.Transport{
		DialContext:         dialer(path),
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 1024,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		// Bodies stream both ways; a small write buffer keeps latency low.
		WriteBufferSize: 32 << 10,
		ReadBufferSize:  32 << 10,
	}
	return &proc{p: p, index: i, path: path, ln: ln, lnf: f, cred: cred, tr: tr, fast: &conns{path: path},
		ctl: &http.Client{Transport: tr, Timeout: 30 * time.Second}, backoff: p.cfg.MinBackoff,
		loaded: map[string]bool{}, loading: map[string]chan struct{}{}}, nil
}

func (h *proc) close() {
	h.tr.CloseIdleConnections()
	h.fast.closeIdle()
	h.lnf.Close()
	h.ln.Close()
}

// signal sends sig to the running process, if any.
func (h *proc) signal(sig os.Signal) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cmd != nil && h.cmd.Process != nil {
		h.cmd.Process.Signal(sig)
	}
}

// supervise runs the host process and restarts it when it exits, until the
// pool closes. The first start's outcome is sent on ready.
func (h *proc) supervise(ready chan<- error) {
	// Pdeathsig fires when the thread that started the child exits, not
	// the process: pin this goroutine so its thread lives as long as the
	// supervisor and children die only with the front.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	log := h.p.log.With("host", h.index)
	first := true
	for {
		started := time.Now()
		exited, err := h.start(log)
		if first {
			ready <- err
			first = false
			if err != nil {
				return
			}
		}
		if err == nil {
			h.up.Store(true)
			h.prewarm(log)
			err = <-exited
			h.up.Store(false)
		}
		h.tr.CloseIdleConnections()
		h.fast.closeIdle()
		h.mu.Lock()
		h.loaded = map[string]bool{}
		h.mu.Unlock()
		if h.p.ctx.Err() != nil {
			return
		}
		h.mu.Lock()
		if time.Since(started) < h.p.cfg.StableAfter {
			h.backoff = min(h.backoff*2, h.p.cfg.MaxBackoff)
		} else {
			h.backoff = h.p.cfg.MinBackoff
		}
		delay := h.backoff
		h.restarts++
		h.mu.Unlock()
		log.Error("isolate host exited; restarting", "err", err, "after", delay)
		select {
		case <-time.After(delay):
		case <-h.p.ctx.Done():
			return
		}
	}
}

// start launches a host process and waits for its health check. The
// process's exit status arrives on exited.
func (h *proc) start(log *slog.Logger) (exited <-chan error, err error) {
	cfg := h.p.cfg
	cmd := exec.Command(cfg.Command[0], cfg.Command[1:]...)
	cmd.Env = append(os.Environ(), cfg.Env...)
	cmd.ExtraFiles = []*os.File{h.lnf} // fd 3 = host.ListenerFD
	if cfg.Services != nil {
		svc, err := servicesPair(cfg.Services)
		if err != nil {
			return nil, err
		}
		defer svc.Close()                            // the child has its copy
		cmd.ExtraFiles = append(cmd.ExtraFiles, svc) // fd 4 = host.ServicesFD
		cmd.Env = append(cmd.Env, "VERGE_SERVICES=1")
	}
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Credential: h.cred}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("hostpool: start host %d: %w", h.index, err)
	}
	h.mu.Lock()
	h.cmd, h.pid = cmd, cmd.Process.Pid
	h.mu.Unlock()
	relayed := make(chan struct{})
	go func() {
		relayLog(stderr, log, cfg.OnLog)
		close(relayed)
	}()
	done := make(chan error, 1)
	go func() {
		<-relayed // Wait closes the pipe: read it to the end first
		done <- cmd.Wait()
	}()

	ctx, cancel := context.WithTimeout(h.p.ctx, cfg.StartTimeout)
	defer cancel()
	for {
		// Connections queue in the socket's backlog until the process
		// accepts, so each attempt has its own short timeout and a process
		// that dies while starting is noticed through done.
		actx, acancel := context.WithTimeout(ctx, 250*time.Millisecond)
		err := controlRequest(actx, h.ctl, http.MethodGet, "/health", nil)
		acancel()
		if err == nil {
			log.Debug("isolate host ready", "pid", cmd.Process.Pid)
			return done, nil
		}
		select {
		case werr := <-done:
			return nil, fmt.Errorf("hostpool: host %d exited while starting: %v", h.index, werr)
		case <-ctx.Done():
			cmd.Process.Kill()
			<-done
			return nil, fmt.Errorf("hostpool: host %d did not become ready: %w", h.index, err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// prewarm reloads, in the background, the workers whose first host this is,
// so that after a restart their first request finds a warm VM again.
func (h *proc) prewarm(log *slog.Logger) {
	h.p.specs.Range(func(_, v any) bool {
		sp := v.(*spec)
		if sp.order[0] != h.index {
			return true
		}
		go func() {
			if err := h.load(h.p.ctx, sp); err != nil && h.p.ctx.Err() == nil {
				log.Warn("pre-warm failed", "worker", sp.id, "err", err)
			}
		}()
		return true
	})
}

func (h *proc) has(id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.loaded[id]
}

// load makes sure the host holds sp; concurrent calls for the same worker
// share one load.
func (h *proc) load(ctx context.Context, sp *spec) error {
	for {
		h.mu.Lock()
		if h.loaded[sp.id] {
			h.mu.Unlock()
			return nil
		}
		wait, busy := h.loading[sp.id]
		if !busy {
			done := make(chan struct{})
			h.loading[sp.id] = done
			h.mu.Unlock()
			answer, err := controlCall(ctx, h.ctl, http.MethodPut, "/workers/"+sp.id, sp.body)
			if err == nil && len(answer) > 0 {
				var info host.WorkerInfo
				if json.Unmarshal(answer, &info) == nil {
					sp.info.CompareAndSwap(nil, &info)
				}
			}
			h.mu.Lock()
			if err == nil {
				h.loaded[sp.id] = true
			}
			delete(h.loading, sp.id)
			close(done)
			h.mu.Unlock()
			return err
		}
		h.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (h *proc) unload(ctx context.Context, id string) {
	h.mu.Lock()
	delete(h.loaded, id)
	h.mu.Unlock()
	if err := controlRequest(ctx, h.ctl, http.MethodDelete, "/workers/"+id, nil); err != nil {
		h.p.log.Warn("unload failed", "host", h.index, "worker", id, "err", err)
	}
}

// forward sends r to this host and copies the response to rw. An error
// before anything was written leaves rw untouched, for a retry.
func (h *proc) forward(rw http.ResponseWriter, r *http.Request, sp *spec, url, cf, extra string) error {
	h.inflight.Add(1)
	defer h.inflight.Add(-1)
	proto := protocolHeaders{host.HeaderWorker, sp.id, host.HeaderURL, url, host.HeaderCF, cf, host.HeaderExtra, extra}
	for reloads := 0; ; reloads++ {
		var resp *http.Response
		var err error
		if r.Body == nil || r.Body == http.NoBody {
			// Written as they are, the client's headers without any
			// Verge-* of its own: no copy of the request.
			resp, err = h.fast.roundTrip(r, &proto)
		} else {
			out := r.Clone(r.Context())
			out.URL.Scheme, out.URL.Host = "http", "host"
			out.RequestURI = ""
			for i := 0; i < len(proto); i += 2 {
				if proto[i+1] != "" {
					out.Header.Set(proto[i], proto[i+1])
				} else {
					out.Header.Del(proto[i])
				}
			}
			resp, err = h.tr.RoundTrip(out)
		}
		if err != nil {
			return err
		}
		if resp.Header.Get(host.HeaderStatus) == host.StatusUnknownWorker && reloads == 0 {
			// The host restarted or evicted the worker: load and retry.
			// The request body was not read: the host answers before it.
			io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
			resp.Body.Close()
			h.mu.Lock()
			delete(h.loaded, sp.id)
			h.mu.Unlock()
			if err := h.load(r.Context(), sp); err != nil {
				return err
			}
			continue
		}
		return copyResponse(rw, resp, &h.p.bufs)
	}
}

// copyResponse streams resp to rw, flushing as data arrives so streamed
// responses reach the client as the worker produces them.
func copyResponse(rw http.ResponseWriter, resp *http.Response, bufs *sync.Pool) error {
	defer resp.Body.Close()
	hdr := rw.Header()
	for k, v := range resp.Header {
		hdr[k] = v
	}
	hdr.Del(host.HeaderStatus)
	rw.WriteHeader(resp.StatusCode)
	flusher, _ := rw.(http.Flusher)
	bp, ok := bufs.Get().(*[]byte)
	if !ok {
		b := make([]byte, 32<<10)
		bp = &b
	}
	defer bufs.Put(bp)
	buf := *bp
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := rw.Write(buf[:n]); werr != nil {
				return nil // the client went away
			}
			if flusher != nil && resp.ContentLength < 0 {
				flusher.Flush()
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &startedError{err}
		}
	}
}

// relayLog copies a host's JSON log lines into the front's log.
func relayLog(r io.Reader, log *slog.Logger, onLog func(map[string]any)) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if json.Unmarshal(sc.Bytes(), &rec) != nil {
			log.Info(sc.Text(), "stream", "stderr")
			continue
		}
		msg, _ := rec["msg"].(string)
		lvl := slog.LevelInfo
		if s, ok := rec["level"].(string); ok {
			lvl.UnmarshalText([]byte(s))
		}
		attrs := make([]any, 0, 2*len(rec))
		for k, v := range rec {
			if k != "msg" && k != "level" && k != "time" {
				attrs = append(attrs, k, v)
			}
		}
		log.Log(context.Background(), lvl, msg, attrs...)
		if onLog != nil {
			onLog(rec)
		}
	}
}

// credential returns the identity hosts run as: when the front is root,
// an unprivileged user; otherwise nil (hosts keep the front's identity).
func credential(name string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	if name == "" {
		name = "nobody"
	}
	if name == "root" {
		return nil, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("hostpool: host user: %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("hostpool: host user %s: %w", name, err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}, nil
}
