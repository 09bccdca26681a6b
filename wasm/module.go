package wasm

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/verge-edge/verge/internal/wasmstack"
	"github.com/verge-edge/verge/worker"
)

// Defaults for the zero fields of Options. They follow the JavaScript
// runtime's (package worker), which follow Cloudflare's and Fastly's.
const (
	DefaultWallTime       = worker.DefaultWallTime
	DefaultMemory         = worker.DefaultMemory
	DefaultRequestBody    = worker.DefaultRequestBody
	DefaultResponseBody   = worker.DefaultResponseBody
	DefaultResponseHeader = 32 << 10
	DefaultStderr         = 16 << 10
	pageSize              = 64 << 10
	maxPages              = 1 << 16 // 4 GiB: the most a 32-bit memory can address
)

// DefaultStartup bounds a reactor instance's start. It is wall time
// (wazero cannot measure CPU time per instance), hence more generous than
// the JavaScript runtime's 1 s of CPU for a script's top level; a Go guest
// starts in a few milliseconds.
const DefaultStartup = 5 * time.Second

// defaultIdleMemories keeps enough memories for every core to start a
// request while another's memory is being zeroed.
func defaultIdleMemories() int { return 2 * runtime.GOMAXPROCS(0) }

// Options configure a Module. The zero value is usable.
type Options struct {
	// Name identifies the module in logs.
	Name string
	// Logger receives the guest's stderr and the errors of failed requests;
	// nil means slog.Default().
	Logger *slog.Logger
	// CacheDir, when set, holds wazero's compiled machine code so that a
	// restarted process does not compile the same module again.
	CacheDir string
	// Env holds vars and secrets added to every instance's environment. The
	// CGI variables of the request win over an entry of the same name.
	Env map[string]string

	// WallTime bounds one request, from instantiation to the guest's exit
	// (default 30s). wazero cannot measure CPU time per instance, so this is
	// the only time limit.
	WallTime time.Duration
	// Memory bounds one instance's linear memory in bytes, rounded up to
	// 64 KiB pages (default 128 MiB).
	Memory int
	// RequestBody bounds the bytes the guest can read from stdin
	// (default 100 MiB).
	RequestBody int64
	// ResponseBody bounds the bytes of one response body (default 10 GiB).
	// Past it the instance is stopped and the response cut (verge-1112):
	// a guest that keeps writing would otherwise hold a connection and a
	// core until the wall time ends.
	ResponseBody int64
	// Startup bounds the start of a reactor instance: the module's start
	// function and _initialize (a Go guest's runtime and package
	// initialisers), default DefaultStartup. A guest that has not started
	// by then fails CompileReactor, or the request that needed a new
	// instance (503 verge-1106). WAGI instances start within each
	// request's WallTime instead.
	Startup time.Duration
	// ResponseHeader bounds the CGI header block the guest writes before
	// its body (default 32 KiB).
	ResponseHeader int
	// Stderr bounds the bytes of the guest's stderr logged per request
	// (default 16 KiB); the rest is counted and dropped.
	Stderr int
	// IdleMemories is how many zeroed linear memories are kept for reuse
	// (default 2 per GOMAXPROCS). Negative disables pooling, leaving memory
	// to wazero's allocator, which copies on every growth.
	IdleMemories int
	// Reactor configures the instance pool of CompileReactor; Compile
	// ignores it.
	Reactor ReactorOptions
	// KV is the store behind the reactor ABI's kv_* functions (nil: they
	// fail with ERR_UNSUPPORTED). *kv.Embedded and *kv.Namespaces satisfy
	// it.
	KV KV
	// KVNamespaces are the KV namespaces a reactor guest may use, by
	// binding name: verge.toml's [[kv_namespaces]] binding -> id, as
	// JavaScript workers get them on env. Other names are ERR_NOT_FOUND.
	KVNamespaces map[string]string

	// Dev shows error details (traps, stack traces) in error responses, as
	// `verge dev` does. In production they only go to the log.
	Dev bool

	// capacityFromMax, for benchmarks, allocates wazero's memories at their
	// maximum size when pooling is off.
	capacityFromMax bool
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.WallTime <= 0 {
		o.WallTime = DefaultWallTime
	}
	if o.Memory <= 0 {
		o.Memory = DefaultMemory
	}
	if o.RequestBody <= 0 {
		o.RequestBody = DefaultRequestBody
	}
	if o.ResponseBody <= 0 {
		o.ResponseBody = DefaultResponseBody
	}
	if o.Startup <= 0 {
		o.Startup = DefaultStartup
	}
	if o.ResponseHeader <= 0 {
		o.ResponseHeader = DefaultResponseHeader
	}
	if o.Stderr <= 0 {
		o.Stderr = DefaultStderr
	}
	return o
}

// Module is a compiled WAGI handler. Each request runs in a fresh instance,
// so a Module is safe for concurrent use and no state survives a request.
type Module struct {
	opts     Options
	log      *slog.Logger
	rt       wazero.Runtime
	cache    wazero.CompilationCache // nil without CacheDir
	compiled wazero.CompiledModule
	base     wazero.ModuleConfig   // per-request configs start here; the environment goes by context (see environ.go)
	pages    uint32                // memory limit in pages
	pool     *memoryPool           // nil when pooling is off
	env      []string              // Options.Env as key, value pairs, sorted by key
	stacks   chan *wasmstack.Stack // idle call stacks for _start
	stop     context.Context
	cancel   context.CancelFunc // stops in-flight requests when Close gives up waiting
	mu       sync.RWMutex       // guards closed against inflight.Add
	closed   bool
	inflight sync.WaitGroup
}

// Compile validates and compiles a WebAssembly module that follows WAGI:
// a WASI preview 1 command whose _start reads the request from its
// environment and stdin and writes a CGI response to stdout. The work done
// here (machine code generation) is not repeated per request.
func Compile(ctx context.Context, wasm []byte, opts Options) (*Module, error) {
	opts = opts.withDefaults()
	pages := uint64(opts.Memory+pageSize-1) / pageSize
	if pages > maxPages {
		return nil, fmt.Errorf("wasm: Options.Memory %d is over the 4 GiB a 32-bit memory can address", opts.Memory)
	}
	env, err := sortedEnv(opts.Env)
	if err != nil {
		return nil, err
	}

	m := &Module{opts: opts, log: opts.Logger, pages: uint32(pages), env: env}
	if opts.Name != "" {
		m.log = m.log.With("module", opts.Name)
	}
	cfg := wazero.NewRuntimeConfig().WithCloseOnContextDone(true)
	if opts.IdleMemories >= 0 {
		// The pool enforces the limit itself, so that it can tell a guest
		// that ran out of memory from one that trapped for another reason:
		// wazero refuses growth past its own limit before asking the
		// allocator.
		cfg = cfg.WithMemoryLimitPages(maxPages)
		idle := opts.IdleMemories
		if idle == 0 {
			idle = defaultIdleMemories()
		}
		m.pool = newMemoryPool(uint64(pages)*pageSize, idle)
	} else {
		cfg = cfg.WithMemoryLimitPages(uint32(pages)).WithMemoryCapacityFromMax(opts.capacityFromMax)
	}
	if opts.CacheDir != "" {
		m.cache, err = wazero.NewCompilationCacheWithDir(opts.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("wasm: compilation cache in %s: %w", opts.CacheDir, err)
		}
		cfg = cfg.WithCompilationCache(m.cache)
	}
	m.rt = wazero.NewRuntimeWithConfig(ctx, cfg)
	if err := m.compile(ctx, wasm); err != nil {
		m.rt.Close(ctx)
		if m.cache != nil {
			m.cache.Close(ctx)
		}
		m.pool.close()
		return nil, err
	}
	m.base = wazero.NewModuleConfig().
		WithName("").         // anonymous, so that instances can run side by side
		WithStartFunctions(). // _start runs on a bounded stack: see Module.start
		WithSysWalltime().WithSysNanotime().WithSysNanosleep().
		WithRandSource(rand.Reader)
	m.stacks = make(chan *wasmstack.Stack, runtime.GOMAXPROCS(0))
	m.stop, m.cancel = context.WithCancel(context.Background())
	return m, nil
}

func (m *Module) compile(ctx context.Context, wasm []byte) error {
	if err := instantiateWASI(ctx, m.rt); err != nil {
		return err
	}
	compiled, err := m.rt.CompileModule(ctx, wasm)
	if err != nil {
		return fmt.Errorf("wasm: compiling %s: %w", m.name(), err)
	}
	if len(compiled.ImportedMemories()) > 0 {
		return fmt.Errorf("wasm: %s imports its memory; a WAGI module must define its own", m.name())
	}
	for _, mem := range compiled.ExportedMemories() {
		if mem.Min() > m.pages {
			return fmt.Errorf("wasm: %s needs %d pages of memory at start, over the limit of %d (Options.Memory)", m.name(), mem.Min(), m.pages)
		}
	}
	if _, ok := compiled.ExportedFunctions()["_start"]; !ok {
		return fmt.Errorf("wasm: %s exports no _start function; WAGI modules are WASI commands", m.name())
	}
	m.compiled = compiled
	return nil
}

func (m *Module) name() string {
	if m.opts.Name != "" {
		return "module " + m.opts.Name
	}
	return "module"
}

// Close waits for in-flight requests, then releases the compiled code,
// pooled memories and the runtime. When ctx ends first, the remaining
// instances are stopped (their clients get a 503) before the release,
// because freeing code under a running guest would crash the process.
// Requests that arrive after Close get a 503.
func (m *Module) Close(ctx context.Context) error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	m.mu.Unlock()

	done := make(chan struct{})
	go func() {
		m.inflight.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("wasm: closing %s: stopped in-flight requests: %w", m.name(), ctx.Err())
		m.cancel()
		<-done
	}
	m.cancel()
	// The context may be done; closing must still release everything.
	bg := context.WithoutCancel(ctx)
	err = errors.Join(err, m.rt.Close(bg))
	if m.cache != nil {
		err = errors.Join(err, m.cache.Close(bg))
	}
	m.pool.close()
	for {
		select {
		case st := <-m.stacks:
			st.Release()
		default:
			return err
		}
	}
}

// sortedEnv validates Options.Env once, so that a bad key fails Compile
// rather than every request.
func sortedEnv(env map[string]string) ([]string, error) {
	keys := make([]string, 0, len(env))
	for k, v := range env {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			return nil, fmt.Errorf("wasm: Options.Env key %q: must be non-empty without '=' or NUL", k)
		}
		if strings.ContainsRune(v, 0) {
			return nil, fmt.Errorf("wasm: Options.Env[%q]: value contains NUL", k)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		out = append(out, k, env[k])
	}
	return out, nil
}
