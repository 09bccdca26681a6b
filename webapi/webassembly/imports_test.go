package webassembly_test

import (
	"testing"

	"github.com/verge-edge/verge/webapi/webapitest"
	"github.com/verge-edge/verge/webapi/webassembly/wasmtest"
)

// importsVM is a test VM with the modules that import memories and
// globals: linkWasm (declared maximum 2 pages) and linkAnyWasm (none).
func importsVM(t *testing.T) *webapitest.VM {
	vm := newVM(t)
	setBytes(t, vm, "linkWasm", wasmtest.ImportsMemoryAndGlobals(1, 2))
	setBytes(t, vm, "linkAnyWasm", wasmtest.ImportsMemoryAndGlobals(1, -1))
	vm.Run(t, `globalThis.link = (memory, more) => new WebAssembly.Instance(new WebAssembly.Module(linkWasm), {
			env: { memory, base: 0, counter: new WebAssembly.Global({ value: "i32", mutable: true }), log() {}, ...more },
			js: { big: 1n },
		}).exports;
		return 0`)
	return vm
}

func TestMemoryConstructor(t *testing.T) {
	runCases(t, newVM(t), []webapitest.Case{
		{"no descriptor", `return new WebAssembly.Memory()`, `Throws: TypeError: WebAssembly.Memory(): Argument 0 must be a memory descriptor`},
		{"number", `return new WebAssembly.Memory(1)`, `Throws: TypeError: WebAssembly.Memory(): Argument 0 must be a memory descriptor`},
		{"no initial", `return new WebAssembly.Memory({})`, `Throws: TypeError: WebAssembly.Memory(): Property 'initial' is required`},
		{"negative", `return new WebAssembly.Memory({ initial: -1 })`, `Throws: TypeError: WebAssembly.Memory(): Property 'initial' must be non-negative`},
		{"NaN", `return new WebAssembly.Memory({ initial: NaN })`, `Throws: TypeError: WebAssembly.Memory(): Property 'initial' must be convertible to a valid number`},
		{"2^32", `return new WebAssembly.Memory({ initial: 2 ** 32 })`, `Throws: TypeError: WebAssembly.Memory(): Property 'initial' must be in the unsigned long range`},
		{"above 4 GiB", `return new WebAssembly.Memory({ initial: 65537 })`, `Throws: RangeError: WebAssembly.Memory(): Property 'initial': value 65537 is above the upper bound 65536`},
		{"maximum below initial", `return new WebAssembly.Memory({ initial: 2, maximum: 1 })`, `Throws: RangeError: WebAssembly.Memory(): Property 'maximum': value 1 is below the lower bound 2`},
		{"maximum above 4 GiB", `return new WebAssembly.Memory({ initial: 2, maximum: 65537 })`, `Throws: RangeError: WebAssembly.Memory(): Property 'maximum': value 65537 is above the upper bound 65536`},
		{"shared without maximum", `return new WebAssembly.Memory({ initial: 1, shared: true })`, `Throws: TypeError: WebAssembly.Memory(): If shared is true, maximum property should be defined.`},
		{"shared", `return new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true })`, `Throws: TypeError: WebAssembly.Memory(): shared memories are not supported by Verge`},
		{"needs new", `return WebAssembly.Memory({ initial: 1 })`, `Throws: TypeError: class constructors must be invoked with 'new'`},
		{"grow", `const m = new WebAssembly.Memory({ initial: 1, maximum: 2 }); const b = m.buffer;
			return [String(m), m instanceof WebAssembly.Memory, b === m.buffer, b.byteLength, m.grow(1), b.byteLength, m.buffer.byteLength]`,
			`["[object WebAssembly.Memory]",true,true,65536,1,0,131072]`},
		{"grow past the maximum", `const m = new WebAssembly.Memory({ initial: 1, maximum: 2 }); try { m.grow(2) } catch (e) { return [e.name, e.message, m.buffer.byteLength] }`,
			`["RangeError","WebAssembly.Memory.grow(): Maximum memory size exceeded",65536]`},
		{"grow by a negative", `return new WebAssembly.Memory({ initial: 1 }).grow(-1)`, `Throws: TypeError: WebAssembly.Memory.grow(): Argument 0 must be non-negative`},
		{"zero pages, strings", `const m = new WebAssembly.Memory({ initial: "0" }); const before = m.buffer.byteLength; m.grow("2"); return [before, m.buffer.byteLength]`, `[0,131072]`},
		{"zeroed and writable", `const u = new Uint8Array(new WebAssembly.Memory({ initial: 1 }).buffer); u[65535] = 7; return [u[0], u[65535]]`, `[0,7]`},
		{"over the budget", `try { new WebAssembly.Memory({ initial: 65536 }) } catch (e) { return e.name }`, `"RangeError"`},
	})
}

func TestGlobalConstructor(t *testing.T) {
	runCases(t, newVM(t), []webapitest.Case{
		{"no descriptor", `return new WebAssembly.Global()`, `Throws: TypeError: WebAssembly.Global(): Argument 0 must be a global descriptor`},
		{"bad type", `return new WebAssembly.Global({ value: "i8" })`, `Throws: TypeError: WebAssembly.Global(): Descriptor property 'value' must be a WebAssembly type`},
		{"no type", `return new WebAssembly.Global({})`, `Throws: TypeError: WebAssembly.Global(): Descriptor property 'value' must be a WebAssembly type`},
		{"v128", `return new WebAssembly.Global({ value: "v128" })`, `Throws: TypeError: WebAssembly.Global(): Descriptor property 'value' must be a WebAssembly type`},
		{"externref", `return new WebAssembly.Global({ value: "externref" }, {})`, `Throws: TypeError: WebAssembly.Global(): globals of type externref are not supported by Verge`},
		{"defaults", `return [new WebAssembly.Global({ value: "i32" }).value, String(new WebAssembly.Global({ value: "i64" }).value), new WebAssembly.Global({ value: "f64" }).value]`, `[0,"0",0]`},
		{"values", `return [new WebAssembly.Global({ value: "i32" }, 2 ** 31).value, String(new WebAssembly.Global({ value: "i64" }, -(2n ** 63n)).value),
			new WebAssembly.Global({ value: "f32" }, 0.1).value, new WebAssembly.Global({ value: "f64" }, 0.1).value]`, `[-2147483648,"-9223372036854775808",0.10000000149011612,0.1]`},
		{"i64 wants a BigInt", `return new WebAssembly.Global({ value: "i64" }, 1)`, `Throws: TypeError: cannot convert to bigint`},
		{"i32 rejects a BigInt", `return new WebAssembly.Global({ value: "i32" }, 1n)`, `Throws: TypeError: cannot convert bigint to number`},
		{"immutable", `const g = new WebAssembly.Global({ value: "i32" }, 1); g.value = 2`, `Throws: TypeError: set WebAssembly.Global.value: Can't set the value of an immutable global.`},
		{"mutable", `const g = new WebAssembly.Global({ value: "i32", mutable: "yes" }, 1); g.value = 2;
			return [g.value, g.valueOf(), g + 1, String(g), g instanceof WebAssembly.Global]`, `[2,2,3,"[object WebAssembly.Global]",true]`},
		{"set i64 wants a BigInt", `const g = new WebAssembly.Global({ value: "i64", mutable: true }); g.value = 2`, `Throws: TypeError: cannot convert to bigint`},
	})
}

func TestImportedMemory(t *testing.T) {
	vm := importsVM(t)
	runCases(t, vm, []webapitest.Case{
		{"shared with JavaScript", `const m = new WebAssembly.Memory({ initial: 1, maximum: 2 });
			const e = link(m);
			const u = new Uint8Array(m.buffer);
			u[3] = 42; e.store(4, 7);
			return [e.mem === m, e.load(3), u[4], m.buffer === u.buffer]`, `[true,42,7,true]`},
		{"the guest grows it", `const m = new WebAssembly.Memory({ initial: 1, maximum: 2 }); const e = link(m);
			const old = m.buffer;
			return [e.grow(1), old.byteLength, m.buffer.byteLength, e.grow(1)]`, `[1,0,131072,-1]`},
		{"JavaScript grows it", `const m = new WebAssembly.Memory({ initial: 1, maximum: 2 }); const e = link(m);
			m.grow(1); e.store(65536 + 5, 9);
			return new Uint8Array(m.buffer)[65536 + 5]`, `9`},
		{"two instances", `const m = new WebAssembly.Memory({ initial: 1, maximum: 2 });
			const a = link(m), b = link(m); a.store(10, 1); b.store(11, 2);
			return [b.load(10), a.load(11)]`, `[1,2]`},
		{"an instance's memory", `const a = new WebAssembly.Instance(new WebAssembly.Module(memoryWasm)).exports;
			const b = new WebAssembly.Instance(new WebAssembly.Module(linkAnyWasm), {
				env: { memory: a.mem, base: 0, counter: new WebAssembly.Global({ value: "i32", mutable: true }), log() {} }, js: { big: 0n } }).exports;
			a.store(1, 5); b.store(2, 6);
			return [b.load(1), a.load(2), b.mem === a.mem]`, `[5,6,true]`},
		{"not a memory", `try { link(1) } catch (e) { return [e instanceof WebAssembly.LinkError, e.message] }`,
			`[true,"WebAssembly.Instance(): Import #0 \"env\" \"memory\": memory import must be a WebAssembly.Memory object"]`},
		{"too small", `try { link(new WebAssembly.Memory({ initial: 0, maximum: 2 })) } catch (e) { return [e.name, e.message] }`,
			`["LinkError","WebAssembly.Instance(): Import #0 \"env\" \"memory\": memory import has 0 pages which is smaller than the declared initial of 1"]`},
		{"grown is big enough", `const m = new WebAssembly.Memory({ initial: 0, maximum: 2 }); m.grow(1); return link(m).load(0)`, `0`},
		{"no maximum", `try { link(new WebAssembly.Memory({ initial: 1 })) } catch (e) { return [e.name, e.message] }`,
			`["LinkError","WebAssembly.Instance(): Import #0 \"env\" \"memory\": memory import has no maximum limit, expected at most 2"]`},
		{"larger maximum", `try { link(new WebAssembly.Memory({ initial: 1, maximum: 3 })) } catch (e) { return [e.name, e.message] }`,
			`["LinkError","WebAssembly.Instance(): Import #0 \"env\" \"memory\": memory import has a larger maximum size 3 than the module's declared maximum 2"]`},
		{"a global for a memory", `try { link(new WebAssembly.Global({ value: "i32" })) } catch (e) { return e.name }`, `"LinkError"`},
		{"a memory for a function", `try { link(new WebAssembly.Memory({ initial: 1, maximum: 2 }), { log: new WebAssembly.Memory({ initial: 1 }) }) } catch (e) { return [e.name, e.message] }`,
			`["LinkError","WebAssembly.Instance(): Import #3 \"env\" \"log\": function import requires a callable"]`},
	})
}

func TestImportedGlobals(t *testing.T) {
	vm := importsVM(t)
	vm.Run(t, `globalThis.mem = () => new WebAssembly.Memory({ initial: 1, maximum: 2 }); return 0`)
	runCases(t, vm, []webapitest.Case{
		{"a number for an immutable global", `const e = link(mem(), { base: 3 }); e.store(5, 8); return e.load(2)`, `8`},
		{"an immutable Global", `const e = link(mem(), { base: new WebAssembly.Global({ value: "i32" }, 1) }); e.store(5, 8); return e.load(4)`, `8`},
		{"a mutable global is shared", `const counter = new WebAssembly.Global({ value: "i32", mutable: true }, 10); const logged = [];
			const e = link(mem(), { counter, log: (x) => logged.push([x, counter.value]) });
			const first = e.bump(); counter.value = 100;
			return [first, e.bump(), counter.value, logged, e.counter === counter]`, `[11,101,101,[[11,11],[101,101]],true]`},
		{"shared by two instances", `const counter = new WebAssembly.Global({ value: "i32", mutable: true });
			const a = link(mem(), { counter }), b = link(mem(), { counter });
			a.bump(); b.bump(); return [counter.value, a.bump()]`, `[2,3]`},
		{"a BigInt import is exported as a Global", `const e = link(mem()); return [e.big instanceof WebAssembly.Global, String(e.big.value)]`, `[true,"1"]`},
		{"an instance's global", `const n = new WebAssembly.Instance(new WebAssembly.Module(numbersWasm)).exports;
			const e = link(mem(), { counter: n.counter }); n.counter.value = 41;
			return [e.bump(), n.counter.value]`, `[42,42]`},
		{"a number for a mutable global", `try { link(mem(), { counter: 1 }) } catch (e) { return [e.name, e.message] }`,
			`["LinkError","WebAssembly.Instance(): Import #2 \"env\" \"counter\": imported mutable global must be a WebAssembly.Global object"]`},
		{"a number for an i64", `try { new WebAssembly.Instance(new WebAssembly.Module(linkWasm), { env: { memory: mem(), base: 0, counter: new WebAssembly.Global({ value: "i32", mutable: true }), log() {} }, js: { big: 1 } }) }
			catch (e) { return [e.name, e.message] }`,
			`["LinkError","WebAssembly.Instance(): Import #4 \"js\" \"big\": global import must be a number, valid Wasm reference, or WebAssembly.Global object"]`},
		{"a BigInt for an i32", `try { link(mem(), { base: 1n }) } catch (e) { return [e.name, e.message] }`,
			`["LinkError","WebAssembly.Instance(): Import #1 \"env\" \"base\": global import must be a number, valid Wasm reference, or WebAssembly.Global object"]`},
		{"missing", `try { link(mem(), { base: undefined }) } catch (e) { return e.name }`, `"LinkError"`},
		{"wrong type", `try { link(mem(), { base: new WebAssembly.Global({ value: "i64" }) }) } catch (e) { return [e.name, e.message] }`,
			`["LinkError","WebAssembly.Instance(): Import #1 \"env\" \"base\": imported global does not match the expected type"]`},
		{"wrong mutability", `try { link(mem(), { base: new WebAssembly.Global({ value: "i32", mutable: true }) }) } catch (e) { return [e.name, e.message] }`,
			`["LinkError","WebAssembly.Instance(): Import #1 \"env\" \"base\": imported global does not match the expected mutability"]`},
		{"immutable for mutable", `try { link(mem(), { counter: new WebAssembly.Global({ value: "i32" }) }) } catch (e) { return [e.name, e.message] }`,
			`["LinkError","WebAssembly.Instance(): Import #2 \"env\" \"counter\": imported global does not match the expected mutability"]`},
	})
}

// TestImportedTable: tables cannot be imported (see doc.go).
func TestImportedTable(t *testing.T) {
	var b wasmtest.Builder
	b.ImportTable("env", "table", 1)
	vm := newVM(t)
	setBytes(t, vm, "tableWasm", b.Bytes())
	runCases(t, vm, []webapitest.Case{
		{"not a table", `try { new WebAssembly.Instance(new WebAssembly.Module(tableWasm), { env: { table: 1 } }) } catch (e) { return [e.name, e.message] }`,
			`["LinkError","WebAssembly.Instance(): Import #0 \"env\" \"table\": table import requires a WebAssembly.Table"]`},
		{"no constructor", `return new WebAssembly.Table({ element: "anyfunc", initial: 1 })`,
			`Throws: TypeError: WebAssembly.Table(): Verge makes Table objects only for an instance's exports (the constructor, used to make imports, is not supported)`},
	})
}

// TestImportedMemoryLifetime: a memory lives while a Memory object or an
// instance uses it, whichever is last, and then is freed.
func TestImportedMemoryLifetime(t *testing.T) {
	vm := importsVM(t)
	base, ext := vm.ResourceCount(), vm.ExternalCount()
	got := vm.Run(t, `const m = new WebAssembly.Memory({ initial: 1, maximum: 2 });
		new Uint8Array(m.buffer)[9] = 4;
		globalThis.e = link(m);
		// An instance whose own memory another instance imports.
		const a = new WebAssembly.Instance(new WebAssembly.Module(memoryWasm)).exports;
		a.store(1, 3);
		globalThis.b = new WebAssembly.Instance(new WebAssembly.Module(linkAnyWasm), {
			env: { memory: a.mem, base: 0, counter: new WebAssembly.Global({ value: "i32", mutable: true }), log() {} }, js: { big: 0n } }).exports;
		return 0`)
	if got != "0" {
		t.Fatal(got)
	}
	vm.RunGC() // the Memory object and instance a are gone
	vm.Run(t, `await null; return 0`)
	if got := vm.Run(t, `e.grow(1); e.store(65536, 1); return [e.load(9), e.load(65536), b.load(1), b.grow(1)]`); got != `[4,1,3,1]` {
		t.Errorf("after collection: %s", got)
	}
	// An importer dropped while the memory lives on.
	vm.Run(t, `globalThis.m = new WebAssembly.Memory({ initial: 1, maximum: 2 }); link(m).store(8, 6); return 0`)
	vm.RunGC()
	vm.Run(t, `await null; return 0`)
	if got := vm.Run(t, `const before = new Uint8Array(m.buffer)[8]; m.grow(1); new Uint8Array(m.buffer)[65540] = 2;
		return [before, link(m).load(65540), m.buffer.byteLength]`); got != `[6,2,131072]` {
		t.Errorf("after an importer was collected: %s", got)
	}
	vm.Run(t, `globalThis.e = globalThis.b = globalThis.m = null; return 0`)
	vm.RunGC()
	vm.Run(t, `await null; return 0`)
	if n := vm.ResourceCount() - base; n != 0 {
		t.Errorf("%d resources left after collection", n)
	}
	if n := vm.ExternalCount() - ext; n != 0 {
		t.Errorf("%d external buffers left", n)
	}
}

// TestMemoryConstructorBudget: Memory objects count against the VM's
// memory limit like instances' memories, and dropped ones are reclaimed.
func TestMemoryConstructorBudget(t *testing.T) {
	const limit = 16 << 20
	vm := newLimitedVM(t, limit)
	runCases(t, vm, []webapitest.Case{
		{"past the limit", `try { new WebAssembly.Memory({ initial: 256 }) } catch (e) { return [e.name, e.message.startsWith("WebAssembly.Memory(): could not allocate memory")] }`, `["RangeError",true]`},
		{"what the heap leaves", `globalThis.big = new WebAssembly.Memory({ initial: 128 }); return big.buffer.byteLength`, `8388608`},
		{"growing past it", `try { big.grow(128) } catch (e) { return e.name }`, `"RangeError"`},
		{"dropped ones are reclaimed", `for (let i = 0; i < 200; i++) new WebAssembly.Memory({ initial: 16 }).buffer; return 0`, `0`},
	})
}
