package webassembly

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/sys"

	"github.com/verge-edge/verge/engine"
	"github.com/verge-edge/verge/internal/wasmstack"
)

// callKey carries the *call in flight to the host functions that serve a
// module's imports.
type callKey struct{}

// call is one entry into WebAssembly from JavaScript: an exported function
// call or a start function.
type call struct {
	st *state
	// imports are the JavaScript functions the module imports, in import
	// order. They are the op's argument, borrowed for the call, so Go
	// never holds them: an import that closes over its own instance is a
	// cycle the engine's collector can see.
	imports engine.Value
	mem     *memory         // the instance's memory, if any
	saved   wasmstack.Saved // the caller's stack, lent to calls from imports (see wasmstack)
}

// importThrew is an import's JavaScript exception unwinding through
// WebAssembly. The script keeps the thrown value and rethrows it when the
// export call returns (see webassembly.js), so it arrives unchanged.
type importThrew struct{ err error }

func (e *importThrew) Error() string { return e.err.Error() }

// hostModules returns the host modules that serve the module's function
// imports, built once per module: a host function finds the JavaScript to
// call in its context, so one host module serves every instance in every
// VM.
func (m *module) hostModules() (map[string]api.Module, error) {
	m.hostOnce.Do(func() { m.hosts, m.hostErr = m.buildHosts(context.Background()) })
	return m.hosts, m.hostErr
}

func (m *module) buildHosts(ctx context.Context) (map[string]api.Module, error) {
	rt, err := m.rt.wazero(ctx)
	if err != nil {
		return nil, err
	}
	builders := map[string]wazero.HostModuleBuilder{}
	var order []string
	seen := map[[2]string]api.FunctionDefinition{}
	for i, d := range m.compiled.ImportedFunctions() {
		mod, name, _ := d.Import()
		// A module may import one name twice; a host module exports it
		// once, which serves both only if the types agree.
		if prev, dup := seen[[2]string{mod, name}]; dup {
			if !sameType(prev, d) {
				return nil, fmt.Errorf("%s.%s is imported twice with different types", mod, name)
			}
			continue
		}
		seen[[2]string{mod, name}] = d
		b := builders[mod]
		if b == nil {
			b = rt.NewHostModuleBuilder(mod)
			builders[mod] = b
			order = append(order, mod)
		}
		b.NewFunctionBuilder().WithGoModuleFunction(hostFunc(i, d), d.ParamTypes(), d.ResultTypes()).Export(name)
	}
	hosts := map[string]api.Module{}
	for _, mod := range order {
		compiled, err := builders[mod].Compile(ctx)
		if err == nil {
			hosts[mod], err = rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName(""))
		}
		if err != nil {
			for _, h := range hosts {
				h.Close(ctx)
			}
			return nil, fmt.Errorf("imports from %q: %w", mod, err)
		}
	}
	return hosts, nil
}

func sameType(a, b api.FunctionDefinition) bool {
	return string(a.ParamTypes()) == string(b.ParamTypes()) && string(a.ResultTypes()) == string(b.ResultTypes())
}

// hostFunc calls the JavaScript function of function import i. It reports
// failure by panicking, which wazero turns into the call's error.
func hostFunc(i int, d api.FunctionDefinition) api.GoModuleFunc {
	return func(ctx context.Context, _ api.Module, stack []uint64) {
		c, _ := ctx.Value(callKey{}).(*call)
		if c == nil {
			panic(errors.New("webassembly: import called outside a call from JavaScript"))
		}
		if err := c.callImport(i, d, stack); err != nil {
			panic(err)
		}
	}
}

func (c *call) callImport(i int, d api.FunctionDefinition, stack []uint64) error {
	vm := c.st.vm
	if c.mem != nil {
		// JavaScript runs again: a buffer the guest outgrew is detached
		// first, as the JS API specifies.
		c.mem.sync()
	}
	// Calls into WebAssembly from the import go below the caller's frames.
	defer c.st.stack.Restore(c.st.stack.Lend(c.saved))
	fn, err := c.imports.Index(i)
	if err != nil {
		return err
	}
	defer fn.Free()
	params := d.ParamTypes()
	args := make([]engine.Value, len(params))
	defer func() {
		for _, a := range args {
			a.Free()
		}
	}()
	for j, t := range params {
		if args[j], err = toJS(vm, t, stack[j]); err != nil {
			return err
		}
	}
	r, err := fn.Call(vm.Undefined(), args...)
	if err != nil {
		if isFatal(err) {
			return err
		}
		return &importThrew{err}
	}
	defer r.Free()
	return fromJSResults(d.ResultTypes(), r, stack)
}

// fromJSResults converts what a JavaScript function returned to the
// results of a WebAssembly function: one value, or an array of them.
func fromJSResults(types []api.ValueType, r engine.Value, stack []uint64) error {
	var err error
	switch len(types) {
	case 0:
		return nil
	case 1:
		stack[0], err = fromJS(types[0], r)
		return err
	}
	if !r.IsArray() {
		return engine.TypeError("a function with %d results must return an array", len(types))
	}
	if n, err := r.Len(); err != nil || n != len(types) {
		return engine.TypeError("a function with %d results returned an array of another length", len(types))
	}
	for i, t := range types {
		v, err := r.Index(i)
		if err != nil {
			return err
		}
		stack[i], err = fromJS(t, v)
		v.Free()
		if err != nil {
			return err
		}
	}
	return nil
}

func isFatal(err error) bool {
	return errors.Is(err, engine.ErrCPULimit) || errors.Is(err, engine.ErrDeadline) ||
		errors.Is(err, engine.ErrInterrupted) || errors.Is(err, engine.ErrOutOfMemory)
}

// fatalCause returns the engine's sentinel for a fatal error, unwrapped.
func fatalCause(err error) error {
	for _, f := range []error{engine.ErrCPULimit, engine.ErrDeadline, engine.ErrInterrupted, engine.ErrOutOfMemory} {
		if errors.Is(err, f) {
			return f
		}
	}
	return nil
}

// toJS converts a WebAssembly value to JavaScript as the JS API's ToJSValue
// does: i64 becomes a BigInt.
func toJS(vm *engine.VM, t api.ValueType, x uint64) (engine.Value, error) {
	switch t {
	case api.ValueTypeI32:
		return vm.NewInt(int64(int32(uint32(x)))), nil
	case api.ValueTypeI64:
		return vm.NewBigInt64(int64(x)), nil
	case api.ValueTypeF32:
		return vm.NewNumber(float64(api.DecodeF32(x))), nil
	case api.ValueTypeF64:
		return vm.NewNumber(api.DecodeF64(x)), nil
	}
	return engine.Value{}, engine.TypeError("values of type %s cannot cross between WebAssembly and JavaScript in Verge", api.ValueTypeName(t))
}

// fromJS converts a JavaScript value to WebAssembly as the JS API's
// ToWebAssemblyValue does: ToInt32 for i32, ToBigInt64 for i64.
func fromJS(t api.ValueType, v engine.Value) (uint64, error) {
	switch t {
	case api.ValueTypeI32:
		f, err := v.Float()
		return uint64(toUint32(f)), err
	case api.ValueTypeI64:
		n, err := v.BigInt64()
		return uint64(n), err
	case api.ValueTypeF32:
		f, err := v.Float()
		return api.EncodeF32(float32(f)), err
	case api.ValueTypeF64:
		f, err := v.Float()
		return api.EncodeF64(f), err
	}
	return 0, engine.TypeError("values of type %s cannot cross between JavaScript and WebAssembly in Verge", api.ValueTypeName(t))
}

// toUint32 is ECMAScript's ToUint32 (and ToInt32, in two's complement).
func toUint32(f float64) uint32 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	f = math.Mod(math.Trunc(f), 1<<32)
	if f < 0 {
		f += 1 << 32
	}
	return uint32(f)
}

// instance is one WebAssembly.Instance: a resource of its VM.
type instance struct {
	st    *state
	m     *module
	mod   api.Module
	mem   *memory      // the memory it defines or imports, if any
	links []api.Module // the linkers serving its imports (see link.go)
	funcs []*export
	// globals are the exported globals, by slot, and their export names.
	globals     []api.Global
	globalNames []string
}

// Close implements io.Closer: the VM closes the resource when the Instance
// object is collected or the VM closes. An ArrayBuffer over its memory may
// outlive it; the memory stays mapped for it.
func (in *instance) Close() error {
	var err error
	for _, l := range in.links {
		closeImporter(l)
	}
	if in.mem != nil && in.mem.owner == in.mod {
		// The module closes with its memory, when nothing else uses it.
		err = in.mem.release()
	} else {
		closeImporter(in.mod)
		if in.mem != nil {
			err = in.mem.release()
		}
	}
	in.m.release()
	return err
}

func (in *instance) memory() (*memory, error) {
	if in.mem == nil {
		return nil, engine.TypeError("the instance has no memory")
	}
	return in.mem, nil
}

func (in *instance) global(slot int) (api.Global, api.Module, string, error) {
	if slot < 0 || slot >= len(in.globals) {
		return nil, nil, "", engine.RangeError("no exported global %d", slot)
	}
	return in.globals[slot], in.mod, in.globalNames[slot], nil
}

// export is an exported function. A wazero Function holds the state of
// one call, so a call that reenters the same export (through an import)
// needs another: idle keeps the ones not in use.
type export struct {
	name            string
	params, results []api.ValueType
	idle            []api.Function
}

func (e *export) acquire(mod api.Module) api.Function {
	if n := len(e.idle); n > 0 {
		f := e.idle[n-1]
		e.idle = e.idle[:n-1]
		return f
	}
	return mod.ExportedFunction(e.name)
}

func (e *export) release(f api.Function) { e.idle = append(e.idle, f) }

// exportDesc describes one export to the script that builds
// instance.exports.
type exportDesc struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Slot    int    `json:"slot"`              // funcs or globals index; same item, same slot
	Index   uint32 `json:"index"`             // in the module's index space (a function's name)
	Params  int    `json:"params,omitempty"`  // a function's arity
	Mutable bool   `json:"mutable,omitempty"` // a global's mutability
}

// instantiate creates an instance of m whose imports are the JavaScript
// functions in fns (in import order) and values, the memories and globals
// for its other imports (in import order).
func (st *state) instantiate(m *module, fns engine.Value, values []importValue) (*instance, []exportDesc, error) {
	vm := st.vm
	if need := int64(m.info.memMin) * 65536; m.info.hasMemory && !st.budget.room(need) {
		return nil, nil, engine.RangeError("WebAssembly.Instance(): Out of memory: the module's memory needs %d bytes and the isolate's %d-byte memory limit is used up",
			need, st.budget.limit)
	}
	hosts, err := m.hostModules()
	if err != nil {
		return nil, nil, linkError("%v", err)
	}
	rt, err := st.rt.wazero(context.Background())
	if err != nil {
		return nil, nil, err
	}
	ctx, stop := vm.BlockingContext()
	defer stop()
	links, mem, err := st.link(ctx, m, values, hosts)
	if err != nil {
		return nil, nil, err
	}
	alloc := &allocator{budget: &st.budget}
	ictx := experimental.WithMemoryAllocator(ctx, alloc)
	ictx = experimental.WithImportResolver(ictx, func(name string) api.Module {
		if l := links[name]; l != nil {
			return l
		}
		return hosts[name]
	})
	mod, err := instantiateModule(ictx, rt, m.compiled)
	if err != nil {
		for _, l := range links {
			closeImporter(l)
		}
		if alloc.made != nil {
			alloc.made.Free() // wazero frees the memory of a failed instance only sometimes
		}
		if alloc.err != nil {
			return nil, nil, engine.RangeError("WebAssembly.Instance(): Out of memory: %v", alloc.err)
		}
		return nil, nil, instantiateError(ctx, err)
	}
	m.hold()
	in := &instance{st: st, m: m, mod: mod}
	for _, l := range links {
		in.links = append(in.links, l)
	}
	switch {
	case alloc.made != nil:
		name := ""
		for _, e := range m.info.exports {
			if e.kind == kindMemory {
				name = e.name
				break
			}
		}
		in.mem = newMemory(st, mod, name, alloc.made)
	case mem != nil:
		mem.hold()
		in.mem = mem
	}
	descs := make([]exportDesc, 0, len(m.info.exports))
	funcSlots, globalSlots := map[uint32]int{}, map[uint32]int{}
	for _, e := range m.info.exports {
		d := exportDesc{Name: e.name, Kind: kindName(e.kind), Index: e.index}
		switch e.kind {
		case kindFunc:
			slot, ok := funcSlots[e.index]
			if !ok {
				slot = len(in.funcs)
				funcSlots[e.index] = slot
				f := mod.ExportedFunction(e.name)
				def := f.Definition()
				in.funcs = append(in.funcs, &export{name: e.name, params: def.ParamTypes(), results: def.ResultTypes(), idle: []api.Function{f}})
			}
			d.Slot, d.Params = slot, len(in.funcs[slot].params)
		case kindGlobal:
			slot, ok := globalSlots[e.index]
			if !ok {
				slot = len(in.globals)
				globalSlots[e.index] = slot
				in.globals = append(in.globals, mod.ExportedGlobal(e.name))
				in.globalNames = append(in.globalNames, e.name)
			}
			g := in.globals[slot]
			_, d.Mutable = g.(api.MutableGlobal)
			d.Slot = slot
		}
		descs = append(descs, d)
	}
	if m.info.startExport != "" {
		// Verge calls the start function, on the guarded stack (see
		// withoutStart).
		if err := in.run(ctx, mod.ExportedFunction(m.info.startExport), fns, nil, 0); err != nil {
			in.Close()
			return nil, nil, err
		}
	}
	return in, descs, nil
}

// instantiateModule is wazero's InstantiateModule, which panics when an
// allocator fails to give a memory its minimum size.
func instantiateModule(ctx context.Context, rt wazero.Runtime, compiled wazero.CompiledModule) (mod api.Module, err error) {
	defer func() {
		if p := recover(); p != nil {
			mod, err = nil, fmt.Errorf("instantiation failed: %v", p)
		}
	}()
	// No start functions besides the module's own start section: "_start"
	// is WASI's convention, not the JS API's.
	return rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName("").WithStartFunctions())
}

// call calls exported function slot with JavaScript arguments args.
func (in *instance) call(slot int, imports engine.Value, args []engine.Value) (engine.Value, error) {
	if slot < 0 || slot >= len(in.funcs) {
		return engine.Value{}, engine.RangeError("no exported function %d", slot)
	}
	vm := in.st.vm
	exp := in.funcs[slot]
	params, results := exp.params, exp.results
	stack := make([]uint64, max(len(params), len(results)))
	for i, t := range params {
		a := vm.Undefined()
		if i < len(args) {
			a = args[i]
		}
		x, err := fromJS(t, a)
		if err != nil {
			return engine.Value{}, err
		}
		stack[i] = x
	}
	ctx, stop := vm.BlockingContext()
	defer stop()
	fn := exp.acquire(in.mod)
	if err := in.run(ctx, fn, imports, stack, len(stack)); err != nil {
		if in.st.stack.Guards(fn) {
			// Else the call may have grown wazero's stack for the
			// function (to 84 MB for runaway recursion): let it go.
			exp.release(fn)
		}
		return engine.Value{}, err
	}
	exp.release(fn)
	switch len(results) {
	case 0:
		return vm.Undefined(), nil
	case 1:
		return toJS(vm, results[0], stack[0])
	}
	vals := make([]engine.Value, 0, len(results))
	for i, t := range results {
		v, err := toJS(vm, t, stack[i])
		if err != nil {
			for _, v := range vals {
				v.Free()
			}
			return engine.Value{}, err
		}
		vals = append(vals, v)
	}
	return vm.NewArray(vals...)
}

// run calls fn, an exported or the start function, with ctx from the VM's
// BlockingContext, on the guarded call stack (see internal/wasmstack); stack holds
// the arguments, then the results, in slots.
func (in *instance) run(ctx context.Context, fn api.Function, imports engine.Value, stack []uint64, slots int) error {
	saved, err := in.st.stack.Enter(fn, slots)
	if err != nil {
		return callError(ctx, err)
	}
	ctx = context.WithValue(ctx, callKey{}, &call{st: in.st, imports: imports, mem: in.mem, saved: saved})
	err = func() error {
		defer in.st.stack.Exit(saved)
		return fn.CallWithStack(ctx, stack)
	}()
	if in.mem != nil {
		in.mem.sync()
	}
	if err != nil {
		return callError(ctx, err)
	}
	return nil
}

// callError converts what a call into WebAssembly failed with to what the
// caller throws.
func callError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		// The guest was stopped by a limit; wazero closed the instance.
		if f := fatalCause(context.Cause(ctx)); f != nil {
			return f
		}
		return engine.ErrInterrupted
	}
	if f := fatalCause(err); f != nil {
		return f
	}
	var threw *importThrew
	if errors.As(err, &threw) {
		return engine.DOMException(importThrewName, "%s", threw.err.Error())
	}
	var je *engine.Error
	if errors.As(err, &je) {
		return je // a value that did not convert
	}
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		return runtimeError("the instance was stopped (exit code %d) and cannot run again", exit.ExitCode())
	}
	msg, _, _ := strings.Cut(err.Error(), "\n") // wazero appends the guest's stack
	if _, trap, ok := strings.Cut(msg, "wasm error: "); ok {
		msg = trap // "start function[0] failed: wasm error: unreachable"
	}
	if strings.Contains(msg, "stack overflow") {
		// V8 throws a RangeError, the spec's tests expect "call stack
		// exhausted"; a RuntimeError says it is the guest's, like a trap.
		return runtimeError("Maximum call stack size exceeded")
	}
	return runtimeError("%s", msg)
}

// instantiateError converts what wazero's instantiation failed with: a
// LinkError, unless a limit stopped it. (No guest code runs in it: Verge
// calls the start function itself, see withoutStart.)
func instantiateError(ctx context.Context, err error) error {
	if ctx.Err() != nil || fatalCause(err) != nil {
		return callError(ctx, err)
	}
	var je *engine.Error
	if errors.As(err, &je) {
		return je
	}
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return linkError("%s", msg)
}

// Error names that webassembly.js turns into its error classes.
const (
	importThrewName = "WebAssemblyImportThrew"
	compileErrName  = "CompileError"
	linkErrName     = "LinkError"
	runtimeErrName  = "RuntimeError"
)

func runtimeError(f string, a ...any) error { return engine.DOMException(runtimeErrName, f, a...) }
func linkError(f string, a ...any) error    { return engine.DOMException(linkErrName, f, a...) }
func compileError(f string, a ...any) error { return engine.DOMException(compileErrName, f, a...) }
