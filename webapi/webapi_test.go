package webapi_test

import (
	"testing"

	"github.com/verge-edge/verge/engine"
	"github.com/verge-edge/verge/webapi"
)

// TestPreludeLoads compiles the whole prelude and checks that worker code
// sees the globals but not the internals.
func TestPreludeLoads(t *testing.T) {
	p, err := engine.NewPrelude(webapi.Extensions()...)
	if err != nil {
		t.Fatal(err)
	}
	vm, err := engine.New(engine.Options{Prelude: p})
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	v, err := vm.Eval(`[typeof __verge, typeof __verge_ops, typeof Headers, typeof DOMException, typeof AbortController, typeof Blob, typeof FormData, typeof structuredClone, typeof TextEncoder].join()`, "t.js")
	if err != nil {
		t.Fatal(err)
	}
	defer v.Free()
	s, _ := v.String()
	if want := "undefined,undefined,function,function,function,function,function,function,function"; s != want {
		t.Errorf("got %s, want %s", s, want)
	}
}

// BenchmarkNewVM measures creating a VM with the full prelude.
func BenchmarkNewVM(b *testing.B) {
	p, err := engine.NewPrelude(webapi.Extensions()...)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		vm, err := engine.New(engine.Options{Prelude: p})
		if err != nil {
			b.Fatal(err)
		}
		vm.Close()
	}
}
