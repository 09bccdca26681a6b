package webassembly

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Runtime compiles and runs the WebAssembly of one worker version: a wazero
// runtime, created on first use, and the modules the bundle shipped,
// compiled once and shared by every VM of the version. Modules that
// JavaScript compiles from bytes belong to the VM that made them.
//
// A Runtime lives until Close and until every VM given it by Install has
// closed, whichever is last: closing wazero while a VM still ran its code
// would free that code under it.
type Runtime struct {
	mu      sync.Mutex
	rt      wazero.Runtime // nil until needed
	shipped map[string]*module
	refs    int // the owner's and one per VM
}

// NewRuntime compiles the modules a bundle ships (see bundle.Result.Wasm),
// keyed by the names the bundle's code asks for them by. An invalid module
// is an error naming it, so a broken .wasm fails the worker's load.
func NewRuntime(ctx context.Context, shipped map[string][]byte) (*Runtime, error) {
	r := &Runtime{shipped: map[string]*module{}, refs: 1}
	names := make([]string, 0, len(shipped))
	for name := range shipped {
		names = append(names, name)
	}
	sort.Strings(names) // the same error for the same bundle
	for _, name := range names {
		m, err := r.compile(ctx, shipped[name])
		if err != nil {
			r.Close()
			return nil, fmt.Errorf("webassembly: %s: %w", name, err)
		}
		sum := sha256.Sum256(shipped[name])
		m.hash = hex.EncodeToString(sum[:])
		m.shared = true
		r.shipped[name] = m
	}
	return r, nil
}

// Close drops the owner's hold on the runtime.
func (r *Runtime) Close() { r.release() }

func (r *Runtime) hold() {
	r.mu.Lock()
	r.refs++
	r.mu.Unlock()
}

func (r *Runtime) release() {
	r.mu.Lock()
	r.refs--
	rt := r.rt
	last := r.refs == 0
	if last {
		r.rt = nil
	}
	r.mu.Unlock()
	if last && rt != nil {
		// Closing the runtime closes every module and host module in it.
		rt.Close(context.Background())
	}
}

// wazero returns the wazero runtime, creating it on first use.
func (r *Runtime) wazero(ctx context.Context) (wazero.Runtime, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.refs == 0 {
		return nil, errors.New("webassembly: runtime closed")
	}
	if r.rt == nil {
		// WithCloseOnContextDone compiles in the checks that let a
		// context stop a running guest (loops included); custom sections
		// are kept for Module.customSections. The call stack guard (see
		// internal/wasmstack) relies on the exception-handling proposal staying
		// off, as it is by default.
		cfg := wazero.NewRuntimeConfig().WithCloseOnContextDone(true).WithCustomSections(true)
		r.rt = wazero.NewRuntimeWithConfig(ctx, cfg)
	}
	return r.rt, nil
}

// CompileError is a module that does not compile (or validate).
type CompileError struct{ Err error }

func (e *CompileError) Error() string { return e.Err.Error() }
func (e *CompileError) Unwrap() error { return e.Err }

func (r *Runtime) compile(ctx context.Context, code []byte) (*module, error) {
	rt, err := r.wazero(ctx)
	if err != nil {
		return nil, err
	}
	info, err := parseModule(code)
	if err != nil {
		// wazero's message says more.
		if _, cerr := rt.CompileModule(ctx, code); cerr != nil {
			err = cerr
		}
		return nil, &CompileError{err}
	}
	if info.hasStart {
		code = withoutStart(code, &info)
	}
	compiled, err := rt.CompileModule(ctx, code)
	if err != nil {
		return nil, &CompileError{err}
	}
	if info.hasStart {
		f := compiled.ExportedFunctions()[info.startExport]
		if f == nil || len(f.ParamTypes()) > 0 || len(f.ResultTypes()) > 0 {
			compiled.Close(ctx)
			return nil, &CompileError{fmt.Errorf("invalid start function: func[%d] must have an empty type", info.start)}
		}
	}
	return &module{rt: r, compiled: compiled, info: info, refs: 1}, nil
}

// module is one compiled module.
type module struct {
	rt       *Runtime
	compiled wazero.CompiledModule
	info     moduleInfo
	shared   bool   // shipped with the bundle: lives as long as the runtime
	hash     string // hex SHA-256 of a shipped module's bytes
	// refs counts, for a module JavaScript compiled, its Module object
	// and its instances (VM goroutine only).
	refs int

	hostOnce sync.Once
	hosts    map[string]api.Module // host modules serving the imports, by module name
	hostErr  error
}

func (m *module) hold() {
	if !m.shared {
		m.refs++
	}
}

func (m *module) release() {
	if m.shared {
		return
	}
	m.refs--
	if m.refs > 0 {
		return
	}
	ctx := context.Background()
	for _, h := range m.hosts {
		h.Close(ctx)
	}
	m.compiled.Close(ctx)
}
