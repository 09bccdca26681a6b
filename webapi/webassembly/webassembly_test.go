package webassembly_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/verge-edge/verge/engine"
	"github.com/verge-edge/verge/webapi/events"
	"github.com/verge-edge/verge/webapi/webapitest"
	"github.com/verge-edge/verge/webapi/webassembly"
	"github.com/verge-edge/verge/webapi/webassembly/wasmtest"
)

// modules are the test modules, as Uint8Array globals of every test VM.
func modules() map[string][]byte {
	return map[string][]byte{
		"addWasm":     wasmtest.Add(),
		"numbersWasm": wasmtest.Numbers(),
		"memoryWasm":  wasmtest.Memory(1, 4),
		"importsWasm": wasmtest.Imports(),
		"startWasm":   wasmtest.Start(),
		"spinWasm":    wasmtest.Spin(false),
		"spinStart":   wasmtest.Spin(true),
		"importsMem":  wasmtest.ImportsMemory(),
		"hogWasm":     wasmtest.Memory(1, -1),
		"bigMemWasm":  wasmtest.Memory(16, -1),
		"recurseWasm": wasmtest.Recurse(),
		"badStartWasm": func() []byte {
			var b wasmtest.Builder
			b.Start(b.Func([]byte{wasmtest.I32}, nil, nil))
			return b.Bytes()
		}(),
	}
}

func newVM(t testing.TB) *webapitest.VM {
	t.Helper()
	vm := webapitest.New(t, events.Extension(), webassembly.Extension())
	g := vm.Global()
	defer g.Free()
	for name, b := range modules() {
		u, err := vm.NewUint8Array(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Set(name, u); err != nil {
			t.Fatal(err)
		}
	}
	return vm
}

func runCases(t *testing.T, vm *webapitest.VM, cases []webapitest.Case) {
	t.Helper()
	for _, c := range cases {
		t.Run(c[0], func(t *testing.T) {
			if got := vm.Run(t, c[1]); got != c[2] {
				t.Errorf("got  %s\nwant %s", got, c[2])
			}
		})
	}
}

func TestModuleAndValidate(t *testing.T) {
	runCases(t, newVM(t), []webapitest.Case{
		{"validate", `return [WebAssembly.validate(addWasm), WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 9])), WebAssembly.validate(addWasm.buffer)]`, `[true,false,true]`},
		{"validate needs bytes", `return WebAssembly.validate(42)`, `Throws: TypeError: argument 1 must be a BufferSource`},
		{"compile error", `try { new WebAssembly.Module(new Uint8Array([1, 2, 3])) } catch (e) { return [e instanceof WebAssembly.CompileError, e instanceof Error, e.name] }`, `[true,true,"CompileError"]`},
		{"async compile error", `try { await WebAssembly.compile(new Uint8Array(8)) } catch (e) { return e.name }`, `"CompileError"`},
		{"exports and imports", `const m = new WebAssembly.Module(importsWasm);
			return [WebAssembly.Module.imports(m), WebAssembly.Module.exports(m), WebAssembly.Module.exports(new WebAssembly.Module(memoryWasm))[0]]`,
			`[[{"module":"env","name":"log","kind":"function"},{"module":"env","name":"twice","kind":"function"},{"module":"math","name":"half","kind":"function"}],[{"name":"run","kind":"function"},{"name":"twice","kind":"function"},{"name":"half","kind":"function"}],{"name":"mem","kind":"memory"}]`},
		{"start function with parameters", `return WebAssembly.validate(badStartWasm)`, `false`},
		{"custom sections", `return WebAssembly.Module.customSections(new WebAssembly.Module(addWasm), "x").length`, `0`},
		{"brands", `const m = await WebAssembly.compile(addWasm);
			return [String(m), String(WebAssembly), m instanceof WebAssembly.Module, String(new WebAssembly.Instance(m))]`,
			`["[object WebAssembly.Module]","[object WebAssembly]",true,"[object WebAssembly.Instance]"]`},
		{"not a module", `return new WebAssembly.Instance({})`, `Throws: TypeError: Argument 0 must be a WebAssembly.Module`},
	})
}

func TestNumbers(t *testing.T) {
	vm := newVM(t)
	vm.Run(t, `globalThis.n = new WebAssembly.Instance(new WebAssembly.Module(numbersWasm)).exports; return 0`)
	runCases(t, vm, []webapitest.Case{
		{"i32", `return [n.add32(2, 3), n.add32(2 ** 31, 0), n.add32("4", 1.9), n.add32(-1, 0), n.add32()]`, `[5,-2147483648,5,-1,0]`},
		{"i64", `return [String(n.add64(2n, 3n)), String(n.add64(2n ** 63n - 1n, 1n)), String(n.add64(-1n, 0n))]`, `["5","-9223372036854775808","-1"]`},
		{"i64 wants BigInt", `return n.add64(1, 2)`, `Throws: TypeError: cannot convert to bigint`},
		{"i32 rejects BigInt", `return n.add32(1n, 2)`, `Throws: TypeError: cannot convert bigint to number`},
		{"f32", `return [n.addf32(0.1, 0.2) === Math.fround(Math.fround(0.1) + Math.fround(0.2)), n.addf32(1.5, 1)]`, `[true,2.5]`},
		{"f64", `return [n.addf64(0.1, 0.2), Number.isNaN(n.addf64(NaN, 1)), n.addf64(Infinity, 1)]`, `[0.30000000000000004,true,null]`},
		{"two results", `const r = n.swap(1, 2n); return [Array.isArray(r), String(r[0]), r[1]]`, `[true,"2",1]`},
		{"function objects", `return [n.add32.name, n.add32.length, n.swap.length, typeof n.add32, Object.isFrozen(n)]`, `["0",2,2,"function",true]`},
		{"not a constructor", `return new n.add32(1, 2)`, `Throws: TypeError: 0 is not a constructor`},
		{"trap", `try { n.trap() } catch (e) { return [e instanceof WebAssembly.RuntimeError, e.name, e.message] }`, `[true,"RuntimeError","unreachable"]`},
		{"divide by zero", `try { n.div(1, 0) } catch (e) { return [e.name, e.message] }`, `["RuntimeError","integer divide by zero"]`},
		{"usable after a trap", `return n.div(7, 2)`, `3`},
		{"globals", `const before = n.counter.value; n.counter.value = 8;
			return [before, n.counter.value, String(n.big.value), n.counter instanceof WebAssembly.Global, n.counter + 1]`, `[7,8,"-5",true,9]`},
		{"immutable global", `n.big.value = 1n`, `Throws: TypeError: set WebAssembly.Global.value: Can't set the value of an immutable global.`},
	})
}

func TestMemoryAliasing(t *testing.T) {
	vm := newVM(t)
	vm.Run(t, `globalThis.m = new WebAssembly.Instance(new WebAssembly.Module(memoryWasm)).exports; return 0`)
	runCases(t, vm, []webapitest.Case{
		{"same buffer", `return [m.mem.buffer === m.mem.buffer, m.mem.buffer.byteLength, m.mem instanceof WebAssembly.Memory]`, `[true,65536,true]`},
		{"JS writes, wasm reads", `new Uint8Array(m.mem.buffer)[5] = 9; return m.load(5)`, `9`},
		{"wasm writes, JS reads", `const u = new Uint8Array(m.mem.buffer); m.store(65535, 200); return u[65535]`, `200`},
		{"JS grow detaches", `const old = m.mem.buffer; const u = new Uint8Array(old);
			const prev = m.mem.grow(1);
			return [prev, old.byteLength, u.length, m.mem.buffer.byteLength, m.size(), new Uint8Array(m.mem.buffer)[5]]`,
			`[1,0,0,131072,2,9]`},
		{"wasm grow detaches on return", `const old = m.mem.buffer;
			const prev = m.grow(1);
			return [prev, old.byteLength, m.mem.buffer.byteLength]`, `[2,0,196608]`},
		{"grow by 0 detaches too", `const old = m.mem.buffer; m.mem.grow(0); return [old.byteLength, m.mem.buffer.byteLength]`, `[0,196608]`},
		{"past the maximum", `return [m.grow(2), m.size()]`, `[-1,3]`},
		{"JS grow past the maximum", `try { m.mem.grow(2) } catch (e) { return [e.name, m.mem.buffer.byteLength] }`, `["RangeError",196608]`},
		{"transfer", `const t = m.mem.buffer.transfer(); new Uint8Array(t)[7] = 5;
			return [t.byteLength, m.load(7), m.mem.buffer.byteLength, new Uint8Array(m.mem.buffer)[7]]`, `[196608,5,196608,5]`},
		{"out of bounds", `try { m.load(4 * 65536) } catch (e) { return [e.name, e.message] }`, `["RuntimeError","out of bounds memory access"]`},
	})
}

func TestImports(t *testing.T) {
	vm := newVM(t)
	runCases(t, vm, []webapitest.Case{
		{"calls JavaScript", `const seen = [];
			const { instance } = await WebAssembly.instantiate(importsWasm, {
				env: { log: (x) => seen.push(x), twice: (x) => x * 2n },
				math: { half: (x) => x / 2 },
			});
			const e = instance.exports;
			return [e.run(41), seen, String(e.twice(21n)), e.half(5)]`, `[42,[41],"42",2.5]`},
		{"instantiate a Module", `const m = new WebAssembly.Module(addWasm);
			const i = await WebAssembly.instantiate(m); return [i instanceof WebAssembly.Instance, i.exports.add(1, 1)]`, `[true,2]`},
		{"an exception passes through unchanged", `const boom = new Error("boom");
			const { instance } = await WebAssembly.instantiate(importsWasm, {
				env: { log: () => { throw boom }, twice: (x) => x }, math: { half: (x) => x } });
			try { instance.exports.run(1) } catch (e) { return [e === boom, e.message] }`, `[true,"boom"]`},
		{"a thrown non-error", `const i = new WebAssembly.Instance(new WebAssembly.Module(importsWasm), {
				env: { log: () => { throw 7 }, twice: (x) => x }, math: { half: (x) => x } });
			try { i.exports.run(1) } catch (e) { return e }`, `7`},
		{"bad result type", `const i = new WebAssembly.Instance(new WebAssembly.Module(importsWasm), {
				env: { log() {}, twice: () => 1 }, math: { half: (x) => x } });
			try { i.exports.twice(1n) } catch (e) { return e.name }`, `"TypeError"`},
		{"reentrant", `let inner;
			const i = new WebAssembly.Instance(new WebAssembly.Module(importsWasm), {
				env: { log: (x) => { if (x > 0) inner = i.exports.run(x - 1) }, twice: (x) => x }, math: { half: (x) => x } });
			return [i.exports.run(3), inner]`, `[4,3]`},
		{"missing import", `try { new WebAssembly.Instance(new WebAssembly.Module(importsWasm), { env: { log() {} }, math: {} }) }
			catch (e) { return [e instanceof WebAssembly.LinkError, e.message] }`,
			`[true,"WebAssembly.Instance(): Import #1 \"env\" \"twice\": function import requires a callable"]`},
		{"missing module", `try { new WebAssembly.Instance(new WebAssembly.Module(importsWasm), {}) } catch (e) { return e.name }`, `"TypeError"`},
		{"no import object", `try { new WebAssembly.Instance(new WebAssembly.Module(importsWasm)) } catch (e) { return e.name }`, `"TypeError"`},
		{"memory imports", `try { new WebAssembly.Instance(new WebAssembly.Module(importsMem), { env: { memory: 1 } }) } catch (e) { return [e.name, e.message] }`,
			`["LinkError","WebAssembly.Instance(): Import #0 \"env\" \"memory\": memory import must be a WebAssembly.Memory object"]`},
		{"memory imports", `const memory = new WebAssembly.Memory({ initial: 1 });
			return new WebAssembly.Instance(new WebAssembly.Module(importsMem), { env: { memory } }) instanceof WebAssembly.Instance`, `true`},
		{"start function", `const seen = [];
			new WebAssembly.Instance(new WebAssembly.Module(startWasm), { env: { hello: (x) => seen.push(x) } });
			return seen`, `[42]`},
		{"start function throws", `try { new WebAssembly.Instance(new WebAssembly.Module(startWasm), { env: { hello() { throw new RangeError("no") } } }) }
			catch (e) { return [e.name, e.message] }`, `["RangeError","no"]`},
	})
}

// TestImportSeesFreshBuffer: when the guest grew its memory and then calls
// JavaScript, a buffer taken before is already detached.
func TestImportSeesFreshBuffer(t *testing.T) {
	var b wasmtest.Builder
	probe := b.ImportFunc("env", "probe", nil, nil)
	b.Memory(1, 2)
	b.Export("mem", wasmtest.KindMemory, 0)
	// (func (export "growThenProbe") i32.const 1 memory.grow drop call $probe)
	b.Export("growThenProbe", wasmtest.KindFunc, b.Func(nil, nil, nil,
		wasmtest.I32Const, 1, wasmtest.MemoryGrow, 0, wasmtest.Drop, wasmtest.Call, byte(probe)))
	vm := newVM(t)
	u, err := vm.NewUint8Array(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	g := vm.Global()
	g.Set("probeWasm", u)
	g.Free()
	got := vm.Run(t, `let old, seen;
		const i = new WebAssembly.Instance(new WebAssembly.Module(probeWasm), {
			env: { probe: () => { seen = [old.byteLength, i.exports.mem.buffer.byteLength] } } });
		old = i.exports.mem.buffer;
		i.exports.growThenProbe();
		return seen`)
	if got != `[0,131072]` {
		t.Errorf("got %s, want [0,131072]", got)
	}
}

// run evaluates js as a script and runs the event loop until its promise
// settles, returning the loop's error (limits end it).
func run(t *testing.T, vm *webapitest.VM, js string) error {
	t.Helper()
	p, err := vm.Eval("(async () => {\n"+js+"\n})()", "test.js")
	if err != nil {
		return err
	}
	defer p.Free()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return vm.RunUntil(ctx, func() bool { return p.PromiseState() != engine.PromisePending })
}

// TestInfiniteLoopStopped: a guest that never returns is stopped by the
// worker's CPU limit, in an export and in a start function, and the script
// cannot catch it.
func TestInfiniteLoopStopped(t *testing.T) {
	for _, js := range []string{
		`const i = new WebAssembly.Instance(new WebAssembly.Module(spinWasm)); try { i.exports.spin() } catch {} return "caught"`,
		`try { new WebAssembly.Instance(new WebAssembly.Module(spinStart)) } catch {} return "caught"`,
	} {
		vm := newVM(t)
		vm.SetCPULimit(50 * time.Millisecond)
		if err := run(t, vm, js); !errors.Is(err, engine.ErrCPULimit) {
			t.Errorf("%s: err = %v, want ErrCPULimit", js, err)
		}
	}
	vm := newVM(t)
	vm.SetDeadline(time.Now().Add(50 * time.Millisecond))
	if err := run(t, vm, `new WebAssembly.Instance(new WebAssembly.Module(spinWasm)).exports.spin()`); !errors.Is(err, engine.ErrDeadline) {
		t.Errorf("err = %v, want ErrDeadline", err)
	}
}

// newLimitedVM returns a VM whose heap and linear memories share limit
// bytes.
func newLimitedVM(t *testing.T, limit int) *webapitest.VM {
	t.Helper()
	vm := newVM(t)
	vm.SetMemoryLimit(limit)
	rt, err := webassembly.NewRuntime(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rt.Close)
	webassembly.Install(vm.VM, rt, limit)
	return vm
}

// TestMemoryLimit: linear memories and the heap share the VM's memory
// limit; a guest growing without bound gets -1 at the limit.
func TestMemoryLimit(t *testing.T) {
	const limit = 16 << 20
	vm := newLimitedVM(t, limit)
	heap := vm.HeapSize()
	got := vm.Run(t, `const h = new WebAssembly.Instance(new WebAssembly.Module(hogWasm)).exports;
		globalThis.h = h;
		return [h.hog(1), h.mem.buffer.byteLength === h.size() * 65536]`)
	// The guest got what the heap left, to a few pages.
	var r []any
	if err := json.Unmarshal([]byte(got), &r); err != nil || len(r) != 2 || r[1] != true {
		t.Fatalf("got %s", got)
	}
	pages := int(r[0].(float64))
	if max := (limit - int(heap)) / 65536; pages < max-8 || pages > max {
		t.Errorf("the guest grew to %d pages; the limit leaves about %d", pages, max)
	}
	runCases(t, vm, []webapitest.Case{
		{"JS grow past the limit", `try { h.mem.grow(8) } catch (e) { return e.name }`, `"RangeError"`},
		{"no room for another memory", `try { new WebAssembly.Instance(new WebAssembly.Module(bigMemWasm)) } catch (e) { return e.name }`, `"RangeError"`},
		// 2 MiB would fit the VM's 16 MiB were the memory not holding the rest.
		{"the heap is squeezed", `try { new Uint8Array(2 << 20) } catch (e) { return e.message }`, `"out of memory"`},
	})
}

// TestDroppedInstancesReclaimed: within one task, instances the script
// dropped (here in reference cycles, which only the collector frees) give
// their memory back when a new one needs it.
func TestDroppedInstancesReclaimed(t *testing.T) {
	vm := newVM(t)
	vm.SetMemoryLimit(16 << 20)
	rt, err := webassembly.NewRuntime(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	webassembly.Install(vm.VM, rt, 16<<20)
	// 1000 instances of one 64 KiB page each: four times the limit.
	got := vm.Run(t, `const m = new WebAssembly.Module(memoryWasm);
		let sum = 0;
		for (let i = 0; i < 1000; i++) {
			const inst = new WebAssembly.Instance(m);
			inst.exports.mem.owner = inst;
			inst.exports.store(0, 1);
			sum += inst.exports.load(0);
		}
		return sum`)
	if got != "1000" {
		t.Errorf("got %s", got)
	}
}

// TestShippedModules: a bundle's modules are compiled once per runtime and
// reached by name and hash.
func TestShippedModules(t *testing.T) {
	add := wasmtest.Add()
	sum := sha256.Sum256(add)
	rt, err := webassembly.NewRuntime(context.Background(), map[string][]byte{"lib/add.wasm": add})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	for i := 0; i < 2; i++ { // two VMs of one version
		vm := webapitest.New(t, events.Extension(), webassembly.Extension())
		webassembly.Install(vm.VM, rt, 64<<20)
		hash := hex.EncodeToString(sum[:])
		runCases(t, vm, []webapitest.Case{
			{"import", `const m = __verge_wasm("lib/add.wasm", "` + hash + `");
				return [m instanceof WebAssembly.Module, new WebAssembly.Instance(m).exports.add(20, 22)]`, `[true,42]`},
			{"unknown", `return __verge_wasm("other.wasm", "` + hash + `")`, `Throws: Error: the WebAssembly module other.wasm was not shipped with this worker`},
			{"stale", `return __verge_wasm("lib/add.wasm", "00")`, `Throws: Error: the WebAssembly module lib/add.wasm shipped with this worker is not the one its code was built with`},
		})
	}
	if _, err := webassembly.NewRuntime(context.Background(), map[string][]byte{"bad.wasm": []byte("\x00asm\x01\x00\x00\x00\xff")}); err == nil {
		t.Error("an invalid shipped module compiled")
	}
}

// TestReleasedWhenCollected: instances and modules dropped by the script
// are freed, and a buffer that outlives its instance stays readable.
func TestReleasedWhenCollected(t *testing.T) {
	vm := newVM(t)
	base := vm.ResourceCount()
	got := vm.Run(t, `for (let i = 0; i < 50; i++) {
			const m = new WebAssembly.Instance(new WebAssembly.Module(memoryWasm)).exports;
			m.store(1, i);
			if (i === 49) { globalThis.kept = new Uint8Array(m.mem.buffer) }
		}
		return kept[1]`)
	if got != "49" {
		t.Fatalf("got %s", got)
	}
	vm.RunGC()
	vm.Run(t, `await null; return 0`) // finalization callbacks run as jobs
	if n := vm.ResourceCount() - base; n != 0 {
		t.Errorf("%d resources left after collection", n)
	}
	if got := vm.Run(t, `return [kept[1], kept.length]`); got != "[49,65536]" {
		t.Errorf("a buffer past its instance: %s", got)
	}
	vm.Run(t, `globalThis.kept = null; return 0`)
	vm.RunGC()
	if n := vm.ExternalCount(); n != 0 {
		t.Errorf("%d external buffers left", n)
	}
}
