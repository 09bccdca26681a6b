package webassembly_test

import (
	"runtime"
	"runtime/metrics"
	"testing"

	"github.com/verge-edge/verge/webapi/webapitest"
	"github.com/verge-edge/verge/webapi/webassembly/wasmtest"
)

// allocated returns the bytes the Go heap has allocated so far.
func allocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// setBytes sets global name of vm to a Uint8Array of b.
func setBytes(t testing.TB, vm *webapitest.VM, name string, b []byte) {
	t.Helper()
	u, err := vm.NewUint8Array(b)
	if err != nil {
		t.Fatal(err)
	}
	g := vm.Global()
	defer g.Free()
	if err := g.Set(name, u); err != nil {
		t.Fatal(err)
	}
}

// TestRecursionBounded: a guest that recurses without end traps with a
// RuntimeError once it has used the VM's call stack (1 MiB, outside the Go
// heap), where wazero would grow a stack of its own to 84 MB, allocating
// ~160 MB of Go heap; the VM keeps working, and deep but finite recursion
// still works.
func TestRecursionBounded(t *testing.T) {
	vm := newVM(t)
	setBytes(t, vm, "recurseStart", wasmtest.RecurseInStart())
	vm.Run(t, `globalThis.r = new WebAssembly.Instance(new WebAssembly.Module(recurseWasm), { env: { bottom() {} } }).exports; return 0`)
	const exhausted = `[true,"RuntimeError","Maximum call stack size exceeded"]`
	runtime.GC()
	before := allocated()
	got := vm.Run(t, `const out = [];
		for (let i = 0; i < 3; i++) {
			try { r.forever(); out.push("returned") } catch (e) { out.push([e instanceof WebAssembly.RuntimeError, e.name, e.message]) }
		}
		return out`)
	// Without the guard: ~480 MB.
	if n := allocated() - before; n > 4<<20 {
		t.Errorf("three runaway recursions allocated %d MB of Go heap", n>>20)
	}
	if want := "[" + exhausted + "," + exhausted + "," + exhausted + "]"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	// V8 manages ~18,000 frames of this function in its 1 MB.
	if got := vm.Run(t, `return r.depth(20000)`); got != "20000" {
		t.Errorf("depth(20000) = %s", got)
	}
	if got := vm.Run(t, `try { r.depth(1e6) } catch (e) { return [e instanceof WebAssembly.RuntimeError, e.name, e.message] }`); got != exhausted {
		t.Errorf("depth(1e6): %s", got)
	}

	before = allocated()
	got = vm.Run(t, `try { new WebAssembly.Instance(new WebAssembly.Module(recurseStart)); return "returned" }
		catch (e) { return [e instanceof WebAssembly.RuntimeError, e.name, e.message] }`)
	if n := allocated() - before; n > 4<<20 {
		t.Errorf("a runaway start function allocated %d MB of Go heap", n>>20)
	}
	if got != exhausted {
		t.Errorf("start function: got %s", got)
	}
}

// TestRecursionNested: calls into WebAssembly from an import share the
// stack with the guest frames below them, without disturbing them.
func TestRecursionNested(t *testing.T) {
	vm := newVM(t)
	runCases(t, vm, []webapitest.Case{
		{"overflow inside an import", `let seen;
			const r = new WebAssembly.Instance(new WebAssembly.Module(recurseWasm), { env: { bottom() {
				if (seen !== undefined) return;
				seen = [];
				try { r.forever() } catch (e) { seen.push(e.message) }
				seen.push(r.depth(1000));
			} } }).exports;
			// The outer frames unwind correctly after the import's calls.
			return [r.depth(5000), seen]`, `[5000,["Maximum call stack size exceeded",1000]]`},
		{"the caller's frames leave less room", `const r = new WebAssembly.Instance(new WebAssembly.Module(recurseWasm), { env: { bottom() {
				try { r.depth(20000); return } catch (e) { throw new Error("nested: " + e.message) }
			} } }).exports;
			try { r.depth(20000) } catch (e) { return e.message }`, `"nested: Maximum call stack size exceeded"`},
		// JavaScript's own stack runs out first here (QuickJS's limit).
		{"ping-pong without end", `const r = new WebAssembly.Instance(new WebAssembly.Module(recurseWasm), { env: { bottom() { r.depth(10) } } }).exports;
			try { r.depth(10) } catch { return "threw" }`, `"threw"`},
		{"still works", `const r = new WebAssembly.Instance(new WebAssembly.Module(recurseWasm), { env: { bottom() {} } }).exports;
			return r.depth(20000)`, `20000`},
	})
}
