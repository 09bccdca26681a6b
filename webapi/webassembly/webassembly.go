package webassembly

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/tetratelabs/wazero/api"

	"github.com/verge-edge/verge/engine"
	"github.com/verge-edge/verge/internal/wasmstack"
)

//go:embed webassembly.js
var source string

// DefaultMemoryLimit is the memory budget of a VM whose worker gave none
// (see Install): its linear memories together may hold this much.
const DefaultMemoryLimit = 128 << 20

// MaxModuleSize bounds a module that JavaScript compiles from bytes:
// compiling is not interruptible, so its cost must be bounded up front.
const MaxModuleSize = 10 << 20

// Extension returns the WebAssembly JavaScript API.
func Extension() engine.Extension {
	return engine.Extension{
		Name:    "webassembly",
		Scripts: []engine.Script{{Name: "ext:webassembly/webassembly.js", Source: source}},
		Lazy:    []string{"WebAssembly", "__verge_wasm"},
		Ops: map[string]engine.Op{
			"wasm_validate":        opValidate,
			"wasm_compile":         opCompile,
			"wasm_shipped":         opShipped,
			"wasm_module_info":     opModuleInfo,
			"wasm_custom_sections": opCustomSections,
			"wasm_instantiate":     opInstantiate,
			"wasm_call":            opCall,
			"wasm_memory_buffer":   opMemoryBuffer,
			"wasm_memory_grow":     opMemoryGrow,
			"wasm_global_get":      opGlobalGet,
			"wasm_global_set":      opGlobalSet,
			"wasm_memory_new":      opMemoryNew,
			"wasm_global_new":      opGlobalNew,
		},
	}
}

const stateKey = "webassembly"

// state is a VM's WebAssembly: the runtime it compiles and instantiates in,
// its memory budget and its guests' call stack.
type state struct {
	vm     *engine.VM
	rt     *Runtime
	budget budget
	stack  *wasmstack.Stack
}

// Release implements the engine's state release: the VM is closing (its
// instances have been closed already, as resources).
func (st *state) Release() {
	st.budget.closed = true
	st.stack.Release()
	st.rt.release()
}

// Install gives vm the runtime of its worker version and the VM's memory
// limit in bytes, which its heap and its linear memories then share (the
// heap's limit is lowered by what the memories hold). Call it once, when
// the VM is created for the worker; the runtime stays open while the VM
// lives.
func Install(vm *engine.VM, rt *Runtime, memoryLimit int) {
	rt.hold()
	st := &state{vm: vm, rt: rt, budget: budget{vm: vm, limit: int64(memoryLimit), heap: true}, stack: wasmstack.New(wasmstack.JSSize)}
	if memoryLimit <= 0 {
		st.budget = budget{vm: vm, limit: DefaultMemoryLimit}
	}
	vm.SetState(stateKey, st)
}

// stateOf returns the VM's state. A VM nobody called Install on (tests, a
// bare prelude) gets a runtime of its own and the default budget.
func stateOf(vm *engine.VM) *state {
	if st, ok := vm.State(stateKey).(*state); ok {
		return st
	}
	rt, _ := NewRuntime(context.Background(), nil) // nothing to compile: no error
	st := &state{vm: vm, rt: rt, budget: budget{vm: vm, limit: DefaultMemoryLimit}, stack: wasmstack.New(wasmstack.JSSize)}
	vm.SetState(stateKey, st)
	return st
}

// moduleRef is a WebAssembly.Module's resource.
type moduleRef struct{ m *module }

// Close implements io.Closer: the Module object was collected.
func (r *moduleRef) Close() error {
	r.m.release()
	return nil
}

func resource[T any](c *engine.Call, i int) (T, error) {
	var zero T
	id, err := c.Int(i)
	if err != nil {
		return zero, err
	}
	r, ok := c.VM.Resource(int(id))
	if !ok {
		return zero, engine.TypeError("WebAssembly object already released")
	}
	t, ok := r.(T)
	if !ok {
		return zero, engine.TypeError("not a WebAssembly object")
	}
	return t, nil
}

// moduleBytes returns a copy of a BufferSource argument: wazero may keep
// slices of what it compiles, and a view of the engine's memory is valid
// only during the op.
func moduleBytes(c *engine.Call) ([]byte, error) {
	b, err := c.View(0)
	if err != nil {
		return nil, engine.TypeError("argument 1 must be a BufferSource")
	}
	if len(b) > MaxModuleSize {
		return nil, engine.RangeError("the module is %d bytes; Verge compiles modules of up to %d bytes from JavaScript (ship larger ones with the bundle)", len(b), MaxModuleSize)
	}
	return append([]byte(nil), b...), nil
}

func compileFromJS(c *engine.Call) (*module, error) {
	b, err := moduleBytes(c)
	if err != nil {
		return nil, err
	}
	m, err := stateOf(c.VM).rt.compile(context.Background(), b)
	if err != nil {
		var ce *CompileError
		if errors.As(err, &ce) {
			return nil, compileError("WebAssembly.Module(): %v", err)
		}
		return nil, err
	}
	return m, nil
}

// opValidate: (bytes) -> whether they are a valid module.
func opValidate(c *engine.Call) (engine.Value, error) {
	m, err := compileFromJS(c)
	if err != nil {
		var je *engine.Error
		if errors.As(err, &je) && je.Name == compileErrName {
			return c.VM.NewBool(false), nil
		}
		return engine.Value{}, err
	}
	m.release()
	return c.VM.NewBool(true), nil
}

// opCompile: (bytes) -> [module id, handle].
func opCompile(c *engine.Call) (engine.Value, error) {
	m, err := compileFromJS(c)
	if err != nil {
		return engine.Value{}, err
	}
	return idAndHandle(c.VM, &moduleRef{m})
}

// addResource adds r to the VM's resources and returns its id and handle:
// an object (an empty ArrayBuffer, which the engine lets Go watch) whose
// collection closes the resource right away, during the collection, where
// a FinalizationRegistry callback would wait for the script's task to end.
// So running the collector reclaims the memory of instances the script
// dropped (see budget). The script keeps the handle where only the
// resource's objects reach it. On error r is closed.
func addResource(vm *engine.VM, r io.Closer) (int, engine.Value, error) {
	id := vm.AddResource(r)
	h, err := vm.NewExternalArrayBuffer(nil, func() { vm.CloseResource(id) })
	return id, h, err
}

func idAndHandle(vm *engine.VM, r io.Closer) (engine.Value, error) {
	id, h, err := addResource(vm, r)
	if err != nil {
		return engine.Value{}, err
	}
	return vm.NewArray(vm.NewInt(int64(id)), h)
}

// opShipped: (name, sha256 hex) -> [module id, handle] of a module the
// bundle shipped. The hash is in the bundle's code so that a changed .wasm file
// changes the code, and with it the worker version.
func opShipped(c *engine.Call) (engine.Value, error) {
	name, err := c.String(0)
	if err != nil {
		return engine.Value{}, err
	}
	hash, err := c.String(1)
	if err != nil {
		return engine.Value{}, err
	}
	m := stateOf(c.VM).rt.shipped[name]
	if m == nil {
		return engine.Value{}, fmt.Errorf("the WebAssembly module %s was not shipped with this worker", name)
	}
	if hash != m.hash {
		return engine.Value{}, fmt.Errorf("the WebAssembly module %s shipped with this worker is not the one its code was built with", name)
	}
	return idAndHandle(c.VM, &moduleRef{m})
}

// opModuleInfo: (module id) -> {imports: [{module, name, kind, type,
// mutable}], exports: [{name, kind}]}, in module order (type and mutable
// for globals).
func opModuleInfo(c *engine.Call) (engine.Value, error) {
	ref, err := resource[*moduleRef](c, 0)
	if err != nil {
		return engine.Value{}, err
	}
	type imp struct {
		Module  string `json:"module"`
		Name    string `json:"name"`
		Kind    string `json:"kind"`
		Type    string `json:"type,omitempty"`    // a global's value type
		Mutable bool   `json:"mutable,omitempty"` // a global's mutability
	}
	type exp struct {
		Name string `json:"name"`
		Kind string `json:"kind"`
	}
	var out struct {
		Imports []imp `json:"imports"`
		Exports []exp `json:"exports"`
	}
	out.Imports, out.Exports = []imp{}, []exp{}
	for _, i := range ref.m.info.imports {
		im := imp{Module: i.module, Name: i.name, Kind: kindName(i.kind)}
		if i.kind == kindGlobal {
			im.Type, im.Mutable = api.ValueTypeName(i.valType), i.mutable
		}
		out.Imports = append(out.Imports, im)
	}
	for _, e := range ref.m.info.exports {
		out.Exports = append(out.Exports, exp{e.name, kindName(e.kind)})
	}
	b, err := json.Marshal(out)
	if err != nil {
		return engine.Value{}, err
	}
	return c.VM.ParseJSON(string(b))
}

// opCustomSections: (module id, name) -> [ArrayBuffer].
func opCustomSections(c *engine.Call) (engine.Value, error) {
	ref, err := resource[*moduleRef](c, 0)
	if err != nil {
		return engine.Value{}, err
	}
	name, err := c.String(1)
	if err != nil {
		return engine.Value{}, err
	}
	var out []engine.Value
	for _, s := range ref.m.compiled.CustomSections() {
		if s.Name() == name {
			out = append(out, c.VM.NewBytes(s.Data()))
		}
	}
	return c.VM.NewArray(out...)
}

// opInstantiate: (module id, import functions, other imports) ->
// [{id, exports}, handle]. The other imports are, in import order, for each
// memory the id of its Memory's resource (an instance or a Memory object)
// and for each global the id and slot of its Global's.
func opInstantiate(c *engine.Call) (engine.Value, error) {
	ref, err := resource[*moduleRef](c, 0)
	if err != nil {
		return engine.Value{}, err
	}
	if !c.Arg(1).IsArray() || !c.Arg(2).IsArray() {
		return engine.Value{}, engine.TypeError("imports must be arrays")
	}
	values, err := importValues(c.VM, ref.m, c.Arg(2))
	if err != nil {
		return engine.Value{}, err
	}
	in, descs, err := stateOf(c.VM).instantiate(ref.m, c.Arg(1), values)
	if err != nil {
		return engine.Value{}, err
	}
	id, h, err := addResource(c.VM, in)
	if err != nil {
		return engine.Value{}, err
	}
	b, err := json.Marshal(struct {
		ID      int          `json:"id"`
		Exports []exportDesc `json:"exports"`
	}{id, descs})
	var desc engine.Value
	if err == nil {
		desc, err = c.VM.ParseJSON(string(b))
	}
	if err != nil {
		h.Free() // closes the instance
		return engine.Value{}, err
	}
	return c.VM.NewArray(desc, h)
}

// importValues resolves the memories and globals passed for m's imports
// that are not functions: a Memory's resource id for a memory, a Global's
// [id, slot] for a global. What does not resolve is left empty, for link
// to reject with the import's name.
func importValues(vm *engine.VM, m *module, arr engine.Value) ([]importValue, error) {
	var values []importValue
	for _, e := range m.info.imports {
		if e.kind == kindFunc {
			continue
		}
		v, err := arr.Index(len(values))
		if err != nil {
			return nil, err
		}
		values = append(values, resolveImport(vm, e.kind, v))
		v.Free()
	}
	return values, nil
}

func resolveImport(vm *engine.VM, kind byte, v engine.Value) importValue {
	var id, slot int64 = -1, 0
	var err error
	if kind == kindGlobal && v.IsArray() {
		x, _ := v.Index(0)
		y, _ := v.Index(1)
		id, err = x.Int()
		if err == nil {
			slot, err = y.Int()
		}
		x.Free()
		y.Free()
	} else if v.IsNumber() {
		id, err = v.Int()
	}
	if err != nil || id < 0 {
		return importValue{}
	}
	r, _ := vm.Resource(int(id))
	switch kind {
	case kindMemory:
		if o, ok := r.(memoryOwner); ok {
			if mem, err := o.memory(); err == nil {
				return importValue{mem: mem}
			}
		}
	case kindGlobal:
		if o, ok := r.(globalOwner); ok {
			if g, mod, name, err := o.global(int(slot)); err == nil {
				return importValue{global: g, owner: mod, name: name}
			}
		}
	}
	return importValue{}
}

// opCall: (instance id, function slot, import functions, ...args) ->
// result (an array for several).
func opCall(c *engine.Call) (engine.Value, error) {
	in, err := resource[*instance](c, 0)
	if err != nil {
		return engine.Value{}, err
	}
	slot, err := c.Int(1)
	if err != nil {
		return engine.Value{}, err
	}
	var args []engine.Value
	if len(c.Args) > 3 {
		args = c.Args[3:]
	}
	return in.call(int(slot), c.Arg(2), args)
}

// opMemoryNew: (initial pages, maximum pages or -1) -> [memory id, handle].
// The script has checked the descriptor.
func opMemoryNew(c *engine.Call) (engine.Value, error) {
	min, err := c.Int(0)
	if err != nil {
		return engine.Value{}, err
	}
	max, err := c.Int(1)
	if err != nil {
		return engine.Value{}, err
	}
	if min < 0 || min > 65536 || max > 65536 || (max >= 0 && max < min) {
		return engine.Value{}, engine.RangeError("WebAssembly.Memory(): invalid limits")
	}
	mem, err := stateOf(c.VM).newMemory(uint32(min), uint32(max), max >= 0)
	if err != nil {
		return engine.Value{}, err
	}
	return idAndHandle(c.VM, &memoryObject{mem})
}

// opGlobalNew: (type, mutable, value) -> [global id, handle].
func opGlobalNew(c *engine.Call) (engine.Value, error) {
	name, err := c.String(0)
	if err != nil {
		return engine.Value{}, err
	}
	t, ok := valueType(name)
	if !ok {
		return engine.Value{}, engine.TypeError("WebAssembly.Global(): Descriptor property 'value' must be a WebAssembly type")
	}
	var x uint64
	if v := c.Arg(2); !v.IsUndefined() { // else the type's zero
		if x, err = fromJS(t, v); err != nil {
			return engine.Value{}, err
		}
	}
	g, err := stateOf(c.VM).newGlobal(t, c.Bool(1), x)
	if err != nil {
		return engine.Value{}, err
	}
	return idAndHandle(c.VM, g)
}

// valueType returns the value type a Global may have in Verge (externref
// and funcref values cannot cross to JavaScript).
func valueType(name string) (api.ValueType, bool) {
	switch name {
	case "i32":
		return api.ValueTypeI32, true
	case "i64":
		return api.ValueTypeI64, true
	case "f32":
		return api.ValueTypeF32, true
	case "f64":
		return api.ValueTypeF64, true
	}
	return 0, false
}

func memoryOf(c *engine.Call) (*memory, error) {
	o, err := resource[memoryOwner](c, 0)
	if err != nil {
		return nil, err
	}
	return o.memory()
}

// opMemoryBuffer: (instance or memory id) -> the memory's ArrayBuffer.
func opMemoryBuffer(c *engine.Call) (engine.Value, error) {
	m, err := memoryOf(c)
	if err != nil {
		return engine.Value{}, err
	}
	return m.buffer()
}

// opMemoryGrow: (instance or memory id, pages) -> previous size in pages.
func opMemoryGrow(c *engine.Call) (engine.Value, error) {
	m, err := memoryOf(c)
	if err != nil {
		return engine.Value{}, err
	}
	delta, err := c.Int(1)
	if err != nil {
		return engine.Value{}, err
	}
	if delta < 0 || delta > 65536 {
		return engine.Value{}, engine.TypeError("WebAssembly.Memory.grow(): delta must be between 0 and 65536 pages")
	}
	prev, err := m.grow(uint32(delta))
	if err != nil {
		return engine.Value{}, err
	}
	return c.VM.NewInt(int64(prev)), nil
}

// global returns the global of a (resource id, slot) pair.
func global(c *engine.Call) (api.Global, error) {
	o, err := resource[globalOwner](c, 0)
	if err != nil {
		return nil, err
	}
	slot, err := c.Int(1)
	if err != nil {
		return nil, err
	}
	g, _, _, err := o.global(int(slot))
	return g, err
}

// opGlobalGet: (instance or global id, global slot) -> value.
func opGlobalGet(c *engine.Call) (engine.Value, error) {
	g, err := global(c)
	if err != nil {
		return engine.Value{}, err
	}
	return toJS(c.VM, g.Type(), g.Get())
}

// opGlobalSet: (instance or global id, global slot, value).
func opGlobalSet(c *engine.Call) (engine.Value, error) {
	g, err := global(c)
	if err != nil {
		return engine.Value{}, err
	}
	mg, ok := g.(api.MutableGlobal)
	if !ok {
		return engine.Value{}, engine.TypeError("WebAssembly.Global: the global is immutable")
	}
	x, err := fromJS(mg.Type(), c.Arg(2))
	if err != nil {
		return engine.Value{}, err
	}
	mg.Set(x)
	return c.VM.Undefined(), nil
}
