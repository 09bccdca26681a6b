package webassembly

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"github.com/verge-edge/verge/engine"
)

// Memories and globals made by JavaScript, and imports of them.
//
// wazero links memories and globals only between WebAssembly modules (a
// host module has functions only), and resolves imports by module name: all
// the imports from "env" come from one module. So:
//
//   - new WebAssembly.Memory and new WebAssembly.Global instantiate a module
//     of their own that defines the memory or global and exports it (as "m"
//     or "g"); its memory comes from the VM's allocator, so it counts
//     against the memory budget like any instance's.
//   - An import module name whose imports are not all functions is served
//     by a linker: a module made for the instantiation that imports each
//     function from the host module (see hostModules), the memory from the
//     module that defines it and each global from the module that defines
//     it (an instance's or a Global's own), and exports them under the
//     names imported. wazero shares imported memories and globals, so the
//     instance, the linker and the defining module all use the same ones.
//
// The memory and globals are checked against the import's type here first,
// for the LinkError messages V8 gives; wazero checks them again.

// The module names a linker imports from.
const (
	linkFunctions = "verge:functions"
	linkMemory    = "verge:memory"
	linkGlobal    = "verge:global:"
)

// importValue is what JavaScript passes for a memory or global import.
type importValue struct {
	mem *memory
	// A global, the module that defines it and its export there.
	global api.Global
	owner  api.Module
	name   string
}

// globalOwner is a resource that global slots refer to: an instance (its
// exported globals) or a Global object.
type globalOwner interface {
	global(slot int) (g api.Global, owner api.Module, name string, err error)
}

// memoryOwner is a resource that a Memory object refers to: an instance
// (its own memory) or a Memory object made by JavaScript.
type memoryOwner interface {
	memory() (*memory, error)
}

// memoryObject is a Memory that JavaScript made: a resource of its VM.
type memoryObject struct{ mem *memory }

func (o *memoryObject) memory() (*memory, error) { return o.mem, nil }

// Close implements io.Closer: the Memory object was collected.
func (o *memoryObject) Close() error { return o.mem.release() }

// globalObject is a Global that JavaScript made: a resource of its VM.
type globalObject struct {
	mod api.Module
	g   api.Global
}

func (o *globalObject) global(int) (api.Global, api.Module, string, error) {
	return o.g, o.mod, "g", nil
}

// Close implements io.Closer: the Global object was collected. Instances
// that imported the global keep it (wazero's globals are Go values).
func (o *globalObject) Close() error { return o.mod.Close(context.Background()) }

// define compiles and instantiates a module that defines one memory or
// global.
func (st *state) define(ctx context.Context, code []byte) (api.Module, error) {
	rt, err := st.rt.wazero(ctx)
	if err != nil {
		return nil, err
	}
	compiled, err := rt.CompileModule(ctx, code)
	if err != nil {
		return nil, err
	}
	// Closing compiled code is safe while instances of it run.
	defer compiled.Close(ctx)
	return instantiateModule(ctx, rt, compiled)
}

// newMemory makes the memory of a Memory object.
func (st *state) newMemory(min, max uint32, hasMax bool) (*memory, error) {
	if !st.budget.room(int64(min) * 65536) {
		return nil, engine.RangeError("WebAssembly.Memory(): could not allocate memory: %d pages do not fit the isolate's %d-byte memory limit", min, st.budget.limit)
	}
	// (module (memory (export "m") min max))
	code := header()
	code = appendSection(code, 5, appendLimits(appendULEB(nil, 1), min, max, hasMax))
	code = appendSection(code, 7, append(appendName(appendULEB(nil, 1), "m"), kindMemory, 0))
	alloc := &allocator{budget: &st.budget}
	mod, err := st.define(experimental.WithMemoryAllocator(context.Background(), alloc), code)
	if err == nil && alloc.made == nil {
		mod.Close(context.Background())
		err = errors.New("wazero made no memory")
	}
	if err != nil {
		if alloc.made != nil {
			alloc.made.Free()
		}
		if alloc.err != nil {
			return nil, engine.RangeError("WebAssembly.Memory(): could not allocate memory: %v", alloc.err)
		}
		return nil, fmt.Errorf("webassembly: making a memory: %w", err)
	}
	return newMemory(st, mod, "m", alloc.made), nil
}

// newGlobal makes the global of a Global object.
func (st *state) newGlobal(t api.ValueType, mutable bool, x uint64) (*globalObject, error) {
	// (module (global (export "g") t (t.const x)))
	g := []byte{t, 0}
	if mutable {
		g[1] = 1
	}
	switch t {
	case api.ValueTypeI32:
		g = appendSLEB(append(g, 0x41), int64(int32(uint32(x))))
	case api.ValueTypeI64:
		g = appendSLEB(append(g, 0x42), int64(x))
	case api.ValueTypeF32:
		g = binary.LittleEndian.AppendUint32(append(g, 0x43), uint32(x))
	case api.ValueTypeF64:
		g = binary.LittleEndian.AppendUint64(append(g, 0x44), x)
	default:
		return nil, engine.TypeError("WebAssembly.Global(): globals of type %s are not supported by Verge", api.ValueTypeName(t))
	}
	code := header()
	code = appendSection(code, 6, append(appendULEB(nil, 1), append(g, 0x0b)...))
	code = appendSection(code, 7, append(appendName(appendULEB(nil, 1), "g"), kindGlobal, 0))
	mod, err := st.define(context.Background(), code)
	if err != nil {
		return nil, fmt.Errorf("webassembly: making a global: %w", err)
	}
	return &globalObject{mod: mod, g: mod.ExportedGlobal("g")}, nil
}

func header() []byte { return []byte{0, 'a', 's', 'm', 1, 0, 0, 0} }

// link checks the memories and globals passed for m's imports (values, in
// import order, one per import that is not a function) and makes the
// linkers that serve them, by import module name. On error it has closed
// what it made.
func (st *state) link(ctx context.Context, m *module, values []importValue, hosts map[string]api.Module) (map[string]api.Module, *memory, error) {
	type namespace struct {
		imports []int // indexes in m.info.imports
		values  []importValue
		linked  bool // has imports that are not functions
	}
	byName := map[string]*namespace{}
	var order []string
	var mem *memory
	j, linked := 0, false
	for i, e := range m.info.imports {
		ns := byName[e.module]
		if ns == nil {
			ns = &namespace{}
			byName[e.module] = ns
			order = append(order, e.module)
		}
		ns.imports = append(ns.imports, i)
		if e.kind == kindFunc {
			ns.values = append(ns.values, importValue{})
			continue
		}
		if j >= len(values) {
			return nil, nil, linkError("WebAssembly.Instance(): Import #%d %q %q: missing", i, e.module, e.name)
		}
		v := values[j]
		j++
		if err := checkImport(e, v); err != nil {
			return nil, nil, linkError("WebAssembly.Instance(): Import #%d %q %q: %v", i, e.module, e.name, err)
		}
		if v.mem != nil {
			mem = v.mem
		}
		ns.values = append(ns.values, v)
		ns.linked, linked = true, true
	}
	if !linked {
		return nil, nil, nil // the host modules serve every import
	}

	links := map[string]api.Module{}
	rt, err := st.rt.wazero(ctx)
	if err != nil {
		return nil, nil, err
	}
	funcs := m.compiled.ImportedFunctions()
	for _, name := range order {
		ns := byName[name]
		if !ns.linked {
			continue
		}
		code, owners := linker(m, ns.imports, ns.values, funcs)
		resolve := func(from string) api.Module {
			if from == linkFunctions {
				return hosts[name]
			}
			return owners[from]
		}
		var l api.Module
		compiled, err := rt.CompileModule(ctx, code)
		if err == nil {
			l, err = instantiateModule(experimental.WithImportResolver(ctx, resolve), rt, compiled)
			compiled.Close(ctx)
		}
		if err != nil {
			for _, l := range links {
				closeImporter(l)
			}
			return nil, nil, linkError("WebAssembly.Instance(): imports from %q: %v", name, firstLine(err))
		}
		links[name] = l
	}
	return links, mem, nil
}

// checkImport checks a memory or global against the type of import e.
func checkImport(e importEntry, v importValue) error {
	switch e.kind {
	case kindMemory:
		if v.mem == nil {
			return fmt.Errorf("memory import must be a WebAssembly.Memory object")
		}
		if v.mem.name == "" {
			return fmt.Errorf("the memory is not exported by its instance")
		}
		if pages := v.mem.pages(); pages < e.min {
			return fmt.Errorf("memory import has %d pages which is smaller than the declared initial of %d", pages, e.min)
		}
		if e.hasMax {
			max, ok := v.mem.owner.Memory().Definition().Max()
			if !ok {
				return fmt.Errorf("memory import has no maximum limit, expected at most %d", e.max)
			}
			if max > e.max {
				return fmt.Errorf("memory import has a larger maximum size %d than the module's declared maximum %d", max, e.max)
			}
		}
	case kindGlobal:
		if v.global == nil {
			return fmt.Errorf("global import must be a number, valid Wasm reference, or WebAssembly.Global object")
		}
		if _, mutable := v.global.(api.MutableGlobal); mutable != e.mutable {
			return fmt.Errorf("imported global does not match the expected mutability")
		}
		if v.global.Type() != e.valType {
			return fmt.Errorf("imported global does not match the expected type")
		}
	default:
		return fmt.Errorf("importing a %s is not supported by Verge", kindName(e.kind))
	}
	return nil
}

// linker returns the code of the linker for one import module name, and
// the modules it imports from by name (besides linkFunctions). imports are
// the indexes of the name's imports in m.info.imports, values what was
// passed for each.
func linker(m *module, imports []int, values []importValue, funcs []api.FunctionDefinition) ([]byte, map[string]api.Module) {
	var types, imps, exps [][]byte
	owners := map[string]api.Module{}
	exported := map[string]bool{}
	var nFuncs, nGlobals uint32
	for k, i := range imports {
		e := m.info.imports[i]
		if exported[e.name] {
			continue // imported twice: one export serves both (wazero checks the types)
		}
		exported[e.name] = true
		var imp, exp []byte
		switch e.kind {
		case kindFunc:
			d := funcForImport(funcs, e)
			t := append([]byte{0x60}, appendULEB(nil, uint64(len(d.ParamTypes())))...)
			t = append(t, d.ParamTypes()...)
			t = appendULEB(t, uint64(len(d.ResultTypes())))
			t = append(t, d.ResultTypes()...)
			types = append(types, t)
			imp = appendName(appendName(nil, linkFunctions), e.name)
			imp = appendULEB(append(imp, kindFunc), uint64(len(types)-1))
			exp = appendULEB(append(appendName(nil, e.name), kindFunc), uint64(nFuncs))
			nFuncs++
		case kindMemory:
			v := values[k]
			owners[linkMemory] = v.mem.owner
			imp = appendName(appendName(nil, linkMemory), v.mem.name)
			imp = appendLimits(append(imp, kindMemory), e.min, e.max, e.hasMax)
			exp = append(appendName(nil, e.name), kindMemory, 0)
		case kindGlobal:
			v := values[k]
			from := fmt.Sprintf("%s%d", linkGlobal, nGlobals)
			owners[from] = v.owner
			imp = appendName(appendName(nil, from), v.name)
			mut := byte(0)
			if e.mutable {
				mut = 1
			}
			imp = append(imp, kindGlobal, e.valType, mut)
			exp = appendULEB(append(appendName(nil, e.name), kindGlobal), uint64(nGlobals))
			nGlobals++
		}
		imps = append(imps, imp)
		exps = append(exps, exp)
	}
	vec := func(items [][]byte) []byte {
		out := appendULEB(nil, uint64(len(items)))
		for _, it := range items {
			out = append(out, it...)
		}
		return out
	}
	code := header()
	if len(types) > 0 {
		code = appendSection(code, 1, vec(types))
	}
	code = appendSection(code, 2, vec(imps))
	code = appendSection(code, 7, vec(exps))
	return code, owners
}

// funcForImport returns the definition of function import e.
func funcForImport(funcs []api.FunctionDefinition, e importEntry) api.FunctionDefinition {
	for _, d := range funcs {
		if mod, name, _ := d.Import(); mod == e.module && name == e.name {
			return d
		}
	}
	panic("webassembly: no definition for function import " + e.module + "." + e.name) // parseModule and wazero disagree
}

// closeImporter closes a module that may import a memory. wazero frees a
// module's memory when it closes the module, even one it imported, which
// the module that defines it and its other importers still use; so the
// module forgets its memory first. (When a limit stops a guest, wazero
// closes its module itself; see memory for why that is safe.)
func closeImporter(mod api.Module) {
	if !forgetMemory(mod) {
		// Closing would free a memory others use: leave the module to
		// the runtime's close.
		return
	}
	_ = mod.Close(context.Background())
}

// forgetMemory clears a module instance's memory, an exported field of
// wazero's internal ModuleInstance (reflect can set exported fields of
// internal types). It reports whether the module holds no memory now.
func forgetMemory(mod api.Module) bool {
	v := reflect.ValueOf(mod)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return false
	}
	f := v.Elem().FieldByName("MemoryInstance")
	if !f.IsValid() || f.Kind() != reflect.Pointer || !f.CanSet() {
		return false
	}
	f.Set(reflect.Zero(f.Type()))
	return true
}

func firstLine(err error) string {
	msg := err.Error()
	for i := 0; i < len(msg); i++ {
		if msg[i] == '\n' {
			return msg[:i]
		}
	}
	return msg
}
