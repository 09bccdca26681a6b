package wasm

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"

	"github.com/verge-edge/verge/edgeinfo"
	"github.com/verge-edge/verge/internal/wasmstack"
	"github.com/verge-edge/verge/worker"
)

// DefaultReactorRequests is how many requests an instance serves before it
// is replaced, when ReactorOptions.Requests is zero. Replacing costs one
// instantiation (a few ms for a Go guest), so this bounds what a leaky
// guest accumulates for a negligible share of the time.
const DefaultReactorRequests = 10_000

// ReactorOptions configure the instance pool of a Reactor.
type ReactorOptions struct {
	// Instances caps the live instances, and so the requests served at
	// once (default GOMAXPROCS). An instance serves one request at a time:
	// a Go guest's runtime is not reentrant. Requests beyond the cap wait
	// for a free instance within their wall time.
	Instances int
	// Requests replaces an instance after it served this many requests
	// (default DefaultReactorRequests).
	Requests int
	// MemoryHighWater replaces an instance after a request that left its
	// linear memory larger than this many bytes (default half of
	// Options.Memory): Wasm memory never shrinks, so one large request
	// would otherwise pin its peak for the instance's life.
	MemoryHighWater int
}

func (o ReactorOptions) withDefaults(memory int) ReactorOptions {
	if o.Instances <= 0 {
		o.Instances = runtime.GOMAXPROCS(0)
	}
	if o.Requests <= 0 {
		o.Requests = DefaultReactorRequests
	}
	if o.MemoryHighWater <= 0 {
		o.MemoryHighWater = memory / 2
	}
	return o
}

// Reactor is a compiled handler that follows Verge's reactor ABI
// (docs/wasm-abi.md): long-lived instances each serve many requests, one at
// a time, through their verge_handle export. It is safe for concurrent use.
// Package state of the guest survives between the requests of one
// instance, which a failure, Options.Reactor.Requests or
// Options.Reactor.MemoryHighWater ends.
type Reactor struct {
	opts     Options
	log      *slog.Logger
	rt       wazero.Runtime
	cache    wazero.CompilationCache // nil without CacheDir
	compiled wazero.CompiledModule
	config   wazero.ModuleConfig // for every instance; never extended with env (see newConfig)
	pages    uint32
	pool     *memoryPool // nil when pooling is off

	// slots holds a token per instance that may exist: a request takes one
	// before it takes or creates an instance, so busy plus idle instances
	// never exceed the cap.
	slots chan struct{}

	mu       sync.Mutex // guards idle and closed, and closed against inflight.Add
	idle     []*instance
	closed   bool
	closing  chan struct{} // closed by Close: waiting requests give up
	inflight sync.WaitGroup
	stop     context.Context
	cancel   context.CancelFunc // stops in-flight requests when Close gives up waiting
}

// instance is one live guest. Only the goroutine that holds it uses it.
type instance struct {
	mod      api.Module
	handle   api.Function
	mem      *instanceMemory  // nil without pooling
	stack    [1]uint64        // verge_handle's argument and result
	guard    *wasmstack.Stack // verge_handle's call stack
	requests int
	lastID   uint32
	out      *stderrLog // the current call's; nil between calls
	log      *slog.Logger
}

// Write is the instance's stdout and stderr: the current request's log,
// or the module's log at start-up.
func (in *instance) Write(p []byte) (int, error) {
	if in.out != nil {
		return in.out.Write(p)
	}
	in.log.Info("module stderr", "stderr", string(p))
	return len(p), nil
}

// CompileReactor validates and compiles a WebAssembly module that follows
// the reactor ABI: a WASI reactor (Go: -buildmode=c-shared) that exports
// verge_handle and verge_abi_version and imports the "verge" host
// functions. It starts one instance, so that a guest that fails to
// initialise, or does not finish within Options.Startup, fails here
// rather than on the first request.
func CompileReactor(ctx context.Context, wasm []byte, opts Options) (*Reactor, error) {
	opts = opts.withDefaults()
	pages := uint64(opts.Memory+pageSize-1) / pageSize
	if pages > maxPages {
		return nil, fmt.Errorf("wasm: Options.Memory %d is over the 4 GiB a 32-bit memory can address", opts.Memory)
	}
	opts.Reactor = opts.Reactor.withDefaults(opts.Memory)
	env, err := sortedEnv(opts.Env)
	if err != nil {
		return nil, err
	}
	x := &Reactor{
		opts:    opts,
		log:     opts.Logger,
		pages:   uint32(pages),
		slots:   make(chan struct{}, opts.Reactor.Instances),
		closing: make(chan struct{}),
	}
	if opts.Name != "" {
		x.log = x.log.With("module", opts.Name)
	}
	cfg := wazero.NewRuntimeConfig().WithCloseOnContextDone(true)
	if opts.IdleMemories >= 0 {
		// As in Compile: the pool enforces the limit, to tell running out
		// of memory from other traps. Every instance keeps its region, so
		// idle regions only serve replacements.
		cfg = cfg.WithMemoryLimitPages(maxPages)
		idle := opts.IdleMemories
		if idle == 0 {
			idle = opts.Reactor.Instances
		}
		x.pool = newMemoryPool(pages*pageSize, idle)
	} else {
		cfg = cfg.WithMemoryLimitPages(uint32(pages))
	}
	if opts.CacheDir != "" {
		x.cache, err = wazero.NewCompilationCacheWithDir(opts.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("wasm: compilation cache in %s: %w", opts.CacheDir, err)
		}
		cfg = cfg.WithCompilationCache(x.cache)
	}
	x.rt = wazero.NewRuntimeWithConfig(ctx, cfg)
	x.stop, x.cancel = context.WithCancel(context.Background())
	if err := x.compile(ctx, wasm); err != nil {
		_ = x.Close(ctx)
		return nil, err
	}
	x.config = wazero.NewModuleConfig().
		WithName("").         // anonymous, so that instances can run side by side
		WithStartFunctions(). // _initialize runs on a bounded stack: see instantiate
		WithSysWalltime().WithSysNanotime().WithSysNanosleep().
		WithRandSource(rand.Reader)
	for i := 0; i < len(env); i += 2 {
		x.config = x.config.WithEnv(env[i], env[i+1])
	}

	inst, err := x.newInstance(ctx)
	if err != nil {
		_ = x.Close(ctx)
		return nil, fmt.Errorf("wasm: starting %s: %w", x.name(), err)
	}
	x.idle = append(x.idle, inst)
	return x, nil
}

func (x *Reactor) compile(ctx context.Context, wasm []byte) error {
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, x.rt); err != nil {
		return fmt.Errorf("wasm: instantiating WASI: %w", err)
	}
	if err := x.instantiateABI(ctx, x.rt); err != nil {
		return err
	}
	compiled, err := x.rt.CompileModule(ctx, wasm)
	if err != nil {
		return fmt.Errorf("wasm: compiling %s: %w", x.name(), err)
	}
	if len(compiled.ImportedMemories()) > 0 {
		return fmt.Errorf("wasm: %s imports its memory; a reactor must define its own", x.name())
	}
	for _, mem := range compiled.ExportedMemories() {
		if mem.Min() > x.pages {
			return fmt.Errorf("wasm: %s needs %d pages of memory at start, over the limit of %d (Options.Memory)", x.name(), mem.Min(), x.pages)
		}
	}
	fns := compiled.ExportedFunctions()
	for name, want := range map[string][2][]api.ValueType{
		"verge_handle":      {{api.ValueTypeI32}, {api.ValueTypeI32}},
		"verge_abi_version": {nil, {api.ValueTypeI32}},
	} {
		fn, ok := fns[name]
		if !ok {
			return fmt.Errorf("wasm: %s exports no %s function; see docs/wasm-abi.md (a WAGI command needs Compile)", x.name(), name)
		}
		if !equalTypes(fn.ParamTypes(), want[0]) || !equalTypes(fn.ResultTypes(), want[1]) {
			return fmt.Errorf("wasm: %s: %s has type %v -> %v, want %v -> %v", x.name(), name, fn.ParamTypes(), fn.ResultTypes(), want[0], want[1])
		}
	}
	x.compiled = compiled
	return nil
}

func equalTypes(a, b []api.ValueType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (x *Reactor) name() string {
	if x.opts.Name != "" {
		return "module " + x.opts.Name
	}
	return "module"
}

// startupError is an instance that did not start within Options.Startup.
type startupError struct{ limit time.Duration }

func (e *startupError) detail() string {
	return fmt.Sprintf("did not start within %v (its start function or _initialize did not return)", e.limit)
}

func (e *startupError) Error() string {
	return worker.CodeStartup.String() + ": " + worker.CodeStartup.Message() + ": " + e.detail()
}

// newInstance starts an instance within Options.Startup (and ctx): a
// guest whose start never ends must not hold a slot, or a load, forever.
func (x *Reactor) newInstance(ctx context.Context) (*instance, error) {
	sctx, cancel := context.WithTimeout(ctx, x.opts.Startup)
	defer cancel()
	in, err := x.instantiate(sctx)
	if err != nil && errors.Is(sctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		return nil, &startupError{limit: x.opts.Startup}
	}
	return in, err
}

// instantiate instantiates the module, which runs its start function and
// _initialize (the Go runtime's start-up and package initialisers), and
// checks its ABI version.
func (x *Reactor) instantiate(ctx context.Context) (*instance, error) {
	in := &instance{log: x.log}
	if x.pool != nil {
		region, err := x.pool.get()
		if err != nil {
			return nil, err
		}
		in.mem = &instanceMemory{pool: x.pool, region: region}
		ctx = experimental.WithMemoryAllocator(ctx, in.mem)
	}
	mod, err := x.rt.InstantiateModule(ctx, x.compiled, x.config.WithStdout(in).WithStderr(in))
	if err != nil {
		if mod != nil {
			_ = mod.Close(context.WithoutCancel(ctx))
		}
		in.close()
		return nil, err
	}
	in.mod = mod
	in.guard = wasmstack.New(wasmstack.HandlerSize)
	// _initialize (a Go guest's runtime start-up and package initialisers)
	// runs on the instance's bounded stack, as verge_handle does: wazero
	// would run it on a stack of its own that runaway recursion grows to
	// 84 MB. (A start section still runs during instantiation, on wazero's
	// stack; the toolchains Verge supports do not emit one for reactors.)
	if fn := mod.ExportedFunction("_initialize"); fn != nil {
		if err := callGuarded(ctx, in.guard, fn); err != nil {
			in.close()
			return nil, err
		}
	}
	res, err := mod.ExportedFunction("verge_abi_version").Call(ctx)
	if err == nil && api.DecodeI32(res[0]) != abiVersion {
		err = fmt.Errorf("verge_abi_version is %d; this host implements %d", api.DecodeI32(res[0]), abiVersion)
	}
	if err != nil {
		in.close()
		return nil, err
	}
	in.handle = mod.ExportedFunction("verge_handle")
	return in, nil
}

// close ends the instance and recycles its memory. Call it only when no
// guest code runs in it.
func (in *instance) close() {
	if in.guard != nil {
		in.guard.Release()
	}
	if in.mod != nil {
		_ = in.mod.Close(context.Background())
	}
	if in.mem != nil {
		in.mem.release()
	}
}

// errNoInstance is acquire's error when no instance frees up in time.
var errNoInstance = errors.New("no instance became free within the wall time")

// acquire returns an idle instance, or a new one, waiting for a slot
// until ctx ends or the client goes away.
func (x *Reactor) acquire(ctx context.Context, client <-chan struct{}) (*instance, error) {
	select {
	case x.slots <- struct{}{}:
	case <-x.closing:
		return nil, context.Canceled
	case <-client:
		return nil, context.Canceled
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, errNoInstance
		}
		return nil, ctx.Err()
	}
	x.mu.Lock()
	if n := len(x.idle); n > 0 {
		in := x.idle[n-1] // the most recently used: its memory is warm
		x.idle = x.idle[:n-1]
		x.mu.Unlock()
		return in, nil
	}
	x.mu.Unlock()
	in, err := x.newInstance(ctx)
	if err != nil {
		<-x.slots
		return nil, fmt.Errorf("starting an instance: %w", err)
	}
	return in, nil
}

// release returns a healthy instance to the pool, or replaces it (in the
// background: the response is complete) when it is used up, failed, or
// the reactor is closing.
func (x *Reactor) release(in *instance, healthy bool) {
	healthy = healthy && in.requests < x.opts.Reactor.Requests &&
		uint64(in.mod.Memory().Size()) <= uint64(x.opts.Reactor.MemoryHighWater)
	x.mu.Lock()
	if healthy && !x.closed {
		x.idle = append(x.idle, in)
		x.mu.Unlock()
		<-x.slots
		return
	}
	x.mu.Unlock()
	x.inflight.Add(1) // the caller's request holds the count above zero
	go func() {
		defer x.inflight.Done()
		in.close()
		<-x.slots // only now: the slot counts the instance until it is gone
	}()
}

// ServeHTTP serves r with an instance from the pool. Errors get the same
// pages and codes as Module.ServeHTTP: 500 verge-1101 for a trap, an exit
// or a failed handler (verge_handle returned non-zero), 500 verge-1105 for
// response headers over the limit, 503 verge-1103 and verge-1104 for the
// memory and wall time limits, 503 verge-1106 when a new instance did not
// start within Options.Startup, 503 verge-1110 when no instance became free
// within the wall time, 413 verge-1111 for a request body over the limit,
// and a cut response (verge-1112 in the log) past the response body limit.
// An instance that failed is discarded and replaced on demand.
func (x *Reactor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x.mu.Lock()
	if x.closed {
		x.mu.Unlock()
		worker.WriteError(w, http.StatusServiceUnavailable, worker.CodeNoHost, "")
		return
	}
	x.inflight.Add(1)
	x.mu.Unlock()
	defer x.inflight.Done()

	if r.ContentLength > x.opts.RequestBody {
		x.fail(w, r, nil, http.StatusRequestEntityTooLarge, worker.CodeRequestBody, fmt.Sprintf("Content-Length %d is over the limit of %d bytes", r.ContentLength, x.opts.RequestBody))
		return
	}
	// A client that goes away does not cancel the call: the instance would
	// be killed mid-call and replaced, and a client that closes its
	// connection right after a complete response (net/http's Transport does
	// so when its idle pool is full) would cost an instance per request.
	// The guest's writes fail instead, and the wall time still bounds it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), x.opts.WallTime)
	defer cancel()
	defer context.AfterFunc(x.stop, cancel)()

	in, err := x.acquire(ctx, r.Context().Done())
	if err != nil {
		x.failed(w, r, nil, nil, err)
		return
	}

	rc := http.NewResponseController(w)
	// The guest may read the body after it started its response.
	_ = rc.EnableFullDuplex()
	body := r.Body
	if body == nil {
		body = http.NoBody
	}
	if body != http.NoBody {
		// wazero only checks the deadline in guest code; see ServeHTTP.
		if dl, ok := ctx.Deadline(); ok {
			_ = rc.SetReadDeadline(dl)
		}
	}
	in.lastID++
	in.requests++
	c := &call{
		id:     in.lastID,
		r:      r,
		info:   edgeinfo.From(r.Context()),
		w:      w,
		rc:     rc,
		body:   &stdinReader{r: http.MaxBytesReader(w, body, x.opts.RequestBody)},
		status: http.StatusOK,
		out:    &stderrLog{max: x.opts.Stderr},
		stop:   cancel,
	}
	in.out = c.out
	in.stack[0] = api.EncodeU32(c.id)
	err = in.call(context.WithValue(ctx, callKey{}, c))
	in.out = nil
	if err == nil && api.DecodeI32(in.stack[0]) != 0 {
		err = fmt.Errorf("verge_handle returned %d: the handler failed", api.DecodeI32(in.stack[0]))
		if c.bad != nil {
			err = c.bad
		}
	} else if err == nil {
		err = c.finish()
		if err == nil || c.clientErr != nil {
			x.done(ctx, r, c)
			x.release(in, true)
			if err != nil {
				x.log.Debug("client went away", "method", r.Method, "path", r.URL.Path, "err", err)
			}
			return
		}
	}
	x.release(in, false)
	x.failed(w, r, c, in.mem, err)
}

// call runs verge_handle on the instance's bounded call stack (see
// internal/wasmstack): runaway recursion traps after HandlerSize bytes
// instead of growing a stack of wazero's own to 84 MB.
func (in *instance) call(ctx context.Context) error {
	saved, err := in.guard.Enter(in.handle, len(in.stack))
	if err != nil {
		return err
	}
	defer in.guard.Exit(saved)
	return in.handle.CallWithStack(ctx, in.stack[:])
}

// done logs what a successful request left in its logs.
func (x *Reactor) done(ctx context.Context, r *http.Request, c *call) {
	if len(c.out.buf) > 0 {
		x.log.InfoContext(ctx, "module stderr", "method", r.Method, "path", r.URL.Path, "stderr", c.out.String())
	}
	if c.logMisses > 0 {
		x.log.WarnContext(ctx, "module log over the limit", "method", r.Method, "path", r.URL.Path, "dropped_bytes", c.logMisses)
	}
}

// failed answers a request whose instance could not be had or failed.
func (x *Reactor) failed(w http.ResponseWriter, r *http.Request, c *call, mem *instanceMemory, err error) {
	var exit *sys.ExitError
	var bad *responseError
	var startup *startupError
	started := c != nil && c.started
	switch {
	case errors.Is(err, context.Canceled) && (x.stop.Err() != nil || x.isClosed()):
		x.fail(w, r, c, http.StatusServiceUnavailable, worker.CodeHost, "the module was closed during the request")
	case c != nil && c.exceeded:
		x.fail(w, r, c, http.StatusInternalServerError, worker.CodeResponseBody, fmt.Sprintf("over the limit of %d bytes; the response was cut", x.opts.ResponseBody))
	case errors.As(err, &startup):
		x.fail(w, r, c, http.StatusServiceUnavailable, worker.CodeStartup, startup.detail())
	case errors.Is(err, context.Canceled), c != nil && c.clientErr != nil:
		x.log.Debug("client went away", "method", r.Method, "path", r.URL.Path, "err", err)
		if started {
			panic(http.ErrAbortHandler)
		}
		return
	case errors.Is(err, errNoInstance):
		x.fail(w, r, c, http.StatusServiceUnavailable, worker.CodeNoHost, fmt.Sprintf("all %d instances stayed busy for the wall time limit of %v", x.opts.Reactor.Instances, x.opts.WallTime))
	case errors.Is(err, context.DeadlineExceeded):
		x.fail(w, r, c, http.StatusServiceUnavailable, worker.CodeWallTime, fmt.Sprintf("wall time limit of %v", x.opts.WallTime))
	case mem != nil && mem.exceeded:
		x.fail(w, r, c, http.StatusServiceUnavailable, worker.CodeMemory, fmt.Sprintf("memory limit of %d bytes", x.pool.size))
	case c != nil && c.body.exceeded:
		x.fail(w, r, c, http.StatusRequestEntityTooLarge, worker.CodeRequestBody, fmt.Sprintf("over the limit of %d bytes", x.opts.RequestBody))
	case errors.As(err, &bad):
		x.fail(w, r, c, http.StatusInternalServerError, worker.CodeNoResponse, bad.Error())
	case errors.As(err, &exit):
		x.fail(w, r, c, http.StatusInternalServerError, worker.CodeException, fmt.Sprintf("exited with code %d", exit.ExitCode()))
	default:
		x.fail(w, r, c, http.StatusInternalServerError, worker.CodeException, err.Error())
	}
	if started {
		// The status is gone; make the client see a truncated response.
		panic(http.ErrAbortHandler)
	}
}

func (x *Reactor) isClosed() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.closed
}

// fail logs a failed request with the guest's output and writes the error
// page, unless the response has started.
func (x *Reactor) fail(w http.ResponseWriter, r *http.Request, c *call, status int, code worker.Code, detail string) {
	attrs := []any{"method", r.Method, "path", r.URL.Path, "code", code.String(), "detail", detail}
	if c != nil && len(c.out.buf) > 0 {
		attrs = append(attrs, "stderr", c.out.String())
	}
	level := slog.LevelError
	if status != http.StatusInternalServerError {
		level = slog.LevelWarn
	}
	x.log.Log(r.Context(), level, code.Message(), attrs...)
	if c != nil && c.started {
		return
	}
	if !x.opts.Dev {
		detail = ""
	}
	worker.WriteError(w, status, code, detail)
}

// Close waits for in-flight requests, then releases the instances, the
// compiled code, pooled memories and the runtime. When ctx ends first, the
// remaining calls are stopped (their clients get a 503) before the
// release. Requests that arrive after Close get a 503.
func (x *Reactor) Close(ctx context.Context) error {
	x.mu.Lock()
	if x.closed {
		x.mu.Unlock()
		return nil
	}
	x.closed = true
	close(x.closing)
	x.mu.Unlock()

	done := make(chan struct{})
	go func() {
		x.inflight.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("wasm: closing %s: stopped in-flight requests: %w", x.name(), ctx.Err())
		x.cancel()
		<-done
	}
	x.cancel()
	x.mu.Lock()
	idle := x.idle
	x.idle = nil
	x.mu.Unlock()
	for _, in := range idle {
		in.close()
	}
	bg := context.WithoutCancel(ctx)
	err = errors.Join(err, x.rt.Close(bg))
	if x.cache != nil {
		err = errors.Join(err, x.cache.Close(bg))
	}
	x.pool.close()
	return err
}
