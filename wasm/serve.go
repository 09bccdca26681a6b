package wasm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/sys"

	"github.com/verge-edge/verge/edgeinfo"
	"github.com/verge-edge/verge/internal/wasmstack"
	"github.com/verge-edge/verge/worker"
)

// ServeHTTP runs one fresh instance of the module for r. The client's
// address and location come from the edgeinfo.Info in r's context, when
// the front put one there.
//
// Errors get Verge's error page (package worker's codes): 500 verge-1101
// for a trap or a non-zero exit, 500 verge-1105 for a malformed or missing
// CGI response, 503 verge-1103 and verge-1104 for the memory and wall time
// limits, 413 verge-1111 for a request body over the limit, and a cut
// response (verge-1112 in the log) past the response body limit. When the
// failure comes after the body started streaming, the status cannot change:
// the response is aborted with http.ErrAbortHandler so that the client
// sees it truncated rather than complete.
func (m *Module) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.RLock()
	if m.closed {
		m.mu.RUnlock()
		worker.WriteError(w, http.StatusServiceUnavailable, worker.CodeNoHost, "")
		return
	}
	m.inflight.Add(1)
	m.mu.RUnlock()
	defer m.inflight.Done()

	if r.ContentLength > m.opts.RequestBody {
		m.fail(w, r, nil, nil, http.StatusRequestEntityTooLarge, worker.CodeRequestBody, fmt.Sprintf("Content-Length %d is over the limit of %d bytes", r.ContentLength, m.opts.RequestBody))
		return
	}

	ctx, cancel := context.WithTimeout(r.Context(), m.opts.WallTime)
	defer cancel()
	defer context.AfterFunc(m.stop, cancel)()

	rc := http.NewResponseController(w)
	// A CGI guest may read stdin after it started its body.
	_ = rc.EnableFullDuplex()
	body := r.Body
	if body == nil {
		body = http.NoBody
	}
	if body != http.NoBody {
		// A guest blocked reading a slow client would not notice the
		// deadline: wazero only checks it in guest code. The server resets
		// the read deadline for the connection's next request.
		if dl, ok := ctx.Deadline(); ok {
			_ = rc.SetReadDeadline(dl)
		}
	}
	stdin := &stdinReader{r: http.MaxBytesReader(w, body, m.opts.RequestBody)}
	stdout := newCGIResponse(w, m.opts.ResponseHeader, m.opts.ResponseBody, cancel)
	stderr := &stderrLog{max: m.opts.Stderr}

	var mem *instanceMemory
	if m.pool != nil {
		region, err := m.pool.get()
		if err != nil {
			m.fail(w, r, stdout, stderr, http.StatusServiceUnavailable, worker.CodeMemory, err.Error())
			return
		}
		mem = &instanceMemory{pool: m.pool, region: region}
		// Deferred first, run last: after the instance is closed.
		defer mem.release()
		ctx = experimental.WithMemoryAllocator(ctx, mem)
	}

	ctx, cfg := m.newConfig(ctx, r)
	cfg = cfg.WithStdin(stdin).WithStdout(stdout).WithStderr(stderr)
	mod, err := m.rt.InstantiateModule(ctx, m.compiled, cfg)
	if err == nil {
		err = m.start(ctx, mod)
	}
	if mod != nil {
		// _start returned, or its proc_exit closed the module already.
		_ = mod.Close(context.WithoutCancel(ctx))
	}
	if err == nil {
		err = stdout.finish()
	}
	if err == nil {
		if len(stderr.buf) > 0 {
			m.log.Info("module stderr", "method", r.Method, "path", r.URL.Path, "stderr", stderr.String())
		}
		return
	}

	var exit *sys.ExitError
	var bad *responseError
	switch {
	case errors.Is(err, context.Canceled) && m.stop.Err() != nil:
		m.fail(w, r, stdout, stderr, http.StatusServiceUnavailable, worker.CodeHost, "the module was closed during the request")
	case stdout.exceeded:
		m.fail(w, r, stdout, stderr, http.StatusInternalServerError, worker.CodeResponseBody, fmt.Sprintf("over the limit of %d bytes; the response was cut", m.opts.ResponseBody))
	case errors.Is(err, context.Canceled), stdout.clientErr != nil:
		m.log.Debug("client went away", "method", r.Method, "path", r.URL.Path, "err", err)
		if stdout.started {
			panic(http.ErrAbortHandler)
		}
	case errors.Is(err, context.DeadlineExceeded):
		m.fail(w, r, stdout, stderr, http.StatusServiceUnavailable, worker.CodeWallTime, fmt.Sprintf("wall time limit of %v", m.opts.WallTime))
	case mem != nil && mem.exceeded:
		m.fail(w, r, stdout, stderr, http.StatusServiceUnavailable, worker.CodeMemory, fmt.Sprintf("memory limit of %d bytes", m.pool.size))
	case stdin.exceeded:
		m.fail(w, r, stdout, stderr, http.StatusRequestEntityTooLarge, worker.CodeRequestBody, fmt.Sprintf("over the limit of %d bytes", m.opts.RequestBody))
	case errors.As(stdout.err, &bad):
		m.fail(w, r, stdout, stderr, http.StatusInternalServerError, worker.CodeNoResponse, bad.Error())
	case errors.As(err, &exit):
		m.fail(w, r, stdout, stderr, http.StatusInternalServerError, worker.CodeException, fmt.Sprintf("exited with code %d", exit.ExitCode()))
	default:
		m.fail(w, r, stdout, stderr, http.StatusInternalServerError, worker.CodeException, err.Error())
	}
	if stdout.started {
		// The status is gone; make the client see a truncated response.
		panic(http.ErrAbortHandler)
	}
}

// start runs the instance's _start on a bounded call stack (see
// internal/wasmstack), where wazero would run it during instantiation on a
// stack of its own that runaway recursion grows to 84 MB. An exit with
// code 0 is success, as in wazero's instantiation.
func (m *Module) start(ctx context.Context, mod api.Module) error {
	fn := mod.ExportedFunction("_start")
	var st *wasmstack.Stack
	select {
	case st = <-m.stacks:
	default:
		st = wasmstack.New(wasmstack.HandlerSize)
	}
	defer func() {
		select {
		case m.stacks <- st:
		default:
			st.Release()
		}
	}()
	err := callGuarded(ctx, st, fn)
	if exit, ok := err.(*sys.ExitError); ok && exit.ExitCode() == 0 {
		return nil
	}
	return err
}

// callGuarded calls fn, which takes and returns nothing, on the bounded
// stack st.
func callGuarded(ctx context.Context, st *wasmstack.Stack, fn api.Function) error {
	saved, err := st.Enter(fn, 0)
	if err != nil {
		return err
	}
	defer st.Exit(saved)
	return fn.CallWithStack(ctx, nil)
}

// newConfig returns the instance configuration for r. Its environment
// (Options.Env, then the CGI variables, which win) goes by context: see
// environ.go.
func (m *Module) newConfig(ctx context.Context, r *http.Request) (context.Context, wazero.ModuleConfig) {
	ctx = withEnviron(ctx, newEnviron(m.env, cgiEnv(r, edgeinfo.From(r.Context()))))
	return ctx, m.base.WithArgs(cgiArgs(r.URL)...)
}

// fail logs a failed request with the guest's stderr and writes the error
// page, unless the response has started.
func (m *Module) fail(w http.ResponseWriter, r *http.Request, stdout *cgiResponse, stderr *stderrLog, status int, code worker.Code, detail string) {
	attrs := []any{"method", r.Method, "path", r.URL.Path, "code", code.String(), "detail", detail}
	if stderr != nil && len(stderr.buf) > 0 {
		attrs = append(attrs, "stderr", stderr.String())
	}
	level := slog.LevelError
	if status != http.StatusInternalServerError {
		level = slog.LevelWarn
	}
	m.log.Log(r.Context(), level, code.Message(), attrs...)
	if stdout != nil && stdout.started {
		return
	}
	if !m.opts.Dev {
		detail = ""
	}
	worker.WriteError(w, status, code, detail)
}
