package webassembly_test

import (
	"testing"
	"time"

	"github.com/verge-edge/verge/engine"
)

// benchLoop runs setup once, then body b.N times inside one JavaScript
// loop, so the cost measured is the calls, not entering the VM.
func benchLoop(b *testing.B, setup, body string) {
	vm := newVM(b)
	// Workers always run under a CPU limit, which calls into WebAssembly
	// watch (see engine.VM.BlockingContext).
	vm.SetCPULimit(time.Hour)
	if got := vm.Run(b, setup+"; return 0"); got != "0" {
		b.Fatal(got)
	}
	fn, err := vm.Eval("(n) => { for (let i = 0; i < n; i++) { "+body+" } }", "bench.js")
	if err != nil {
		b.Fatal(err)
	}
	defer fn.Free()
	b.ResetTimer()
	r, err := fn.Call(vm.Undefined(), vm.NewInt(int64(b.N)))
	if err != nil {
		b.Fatal(engine.FormatError(err))
	}
	r.Free()
}

// BenchmarkCallExport: JavaScript calling a tiny exported function.
//
//	go test -run '^$' -bench . ./webapi/webassembly
func BenchmarkCallExport(b *testing.B) {
	benchLoop(b, `globalThis.add = new WebAssembly.Instance(new WebAssembly.Module(addWasm)).exports.add`, `add(i, 1)`)
}

// BenchmarkCallImport: an exported function that calls back into
// JavaScript (two crossings per iteration).
func BenchmarkCallImport(b *testing.B) {
	benchLoop(b, `globalThis.run = new WebAssembly.Instance(new WebAssembly.Module(importsWasm),
		{ env: { log() {}, twice: (x) => x }, math: { half: (x) => x } }).exports.run`, `run(i)`)
}

// BenchmarkInstantiate: a new instance of a compiled module with a memory.
func BenchmarkInstantiate(b *testing.B) {
	benchLoop(b, `globalThis.mod = new WebAssembly.Module(memoryWasm)`, `new WebAssembly.Instance(mod)`)
}

// BenchmarkRecursion: an export that recurses 1000 deep inside
// WebAssembly, for the cost of the call stack guard per guest call (none:
// see internal/wasmstack).
func BenchmarkRecursion(b *testing.B) {
	benchLoop(b, `globalThis.depth = new WebAssembly.Instance(new WebAssembly.Module(recurseWasm), { env: { bottom() {} } }).exports.depth`, `depth(1000)`)
}
