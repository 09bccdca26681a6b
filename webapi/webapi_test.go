package webapi_test

import (
	"testing"

	"github.com/verge-edge/verge/engine"
	"github.com/verge-edge/verge/webapi"
	"github.com/verge-edge/verge/webapi/webapitest"
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

// TestLazyAreas: areas that load on first touch (engine.Extension.Lazy)
// stay out of a fresh VM's heap, appear whole when one of their globals is
// read, and leave alone what worker code assigned or deleted before.
func TestLazyAreas(t *testing.T) {
	p, err := engine.NewPrelude(webapi.Extensions()...)
	if err != nil {
		t.Fatal(err)
	}
	run := func(t *testing.T, code string) string {
		t.Helper()
		vm, err := engine.New(engine.Options{Prelude: p})
		if err != nil {
			t.Fatal(err)
		}
		defer vm.Close()
		v, err := vm.Eval(code, "t.js")
		if err != nil {
			t.Fatal(err)
		}
		defer v.Free()
		s, _ := v.String()
		return s
	}
	t.Run("memory", func(t *testing.T) {
		vm, err := engine.New(engine.Options{Prelude: p})
		if err != nil {
			t.Fatal(err)
		}
		defer vm.Close()
		vm.RunGC()
		fresh := vm.MemoryUsage()
		v, err := vm.Eval(`crypto, WebAssembly, caches, structuredClone, CompressionStream, ReadableStream, Blob, FormData, 0`, "t.js")
		if err != nil {
			t.Fatal(err)
		}
		v.Free()
		vm.RunGC()
		// Measured: 505 KB fresh, 823 KB with every lazy area loaded.
		if loaded := vm.MemoryUsage(); loaded-fresh < 100<<10 {
			t.Errorf("fresh VM %d bytes, with the lazy areas loaded %d: they were not lazy", fresh, loaded)
		}
	})
	for _, c := range []struct{ name, code, want string }{
		{"typeof loads", `[typeof crypto.subtle.digest, typeof CryptoKey, typeof WebAssembly.Module, typeof caches.default, typeof CompressionStream, typeof structuredClone({a: 1})].join()`,
			"function,function,function,object,function,object"},
		{"one name loads its area", `const before = Object.getOwnPropertyDescriptor(globalThis, "SubtleCrypto").get !== undefined;
			crypto;
			[before, Object.getOwnPropertyDescriptor(globalThis, "SubtleCrypto").get === undefined, crypto instanceof Crypto].join()`,
			"true,true,true"},
		{"not enumerable", `Object.keys(globalThis).filter((k) => ["WebAssembly", "caches", "structuredClone", "Crypto"].includes(k)).length`, "0"},
		{"assigned before load", `globalThis.SubtleCrypto = 42; [SubtleCrypto, typeof crypto.subtle, SubtleCrypto].join()`, "42,object,42"},
		{"deleted before load", `delete globalThis.CryptoKey; [typeof crypto, "CryptoKey" in globalThis].join()`, "object,false"},
		{"a worker's own global of that name", `var WebAssembly = "mine"; WebAssembly`, "mine"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := run(t, c.code); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}

// TestLazyAreasTogether: lazy areas that need each other's internals load
// them (FormData needs Blob's), whatever loads first, and bodies read as
// Blob or FormData load their area without worker code naming it.
func TestLazyAreasTogether(t *testing.T) {
	var exts []engine.Extension
	for _, e := range webapi.Extensions() {
		switch e.Name {
		case "bootstrap", "finish", "console", "timers", "encoding": // webapitest's
		default:
			exts = append(exts, e)
		}
	}
	for _, c := range []struct{ name, code, want string }{
		{"FormData first", `const f = new FormData(); f.append("a", new Blob(["xy"])); return [f.get("a") instanceof Blob, f.get("a").size]`, `[true,2]`},
		{"structuredClone before Blob", `structuredClone(1); const b = structuredClone(new Blob(["abc"])); return [b instanceof Blob, await b.text()]`, `[true,"abc"]`},
		{"Response.blob", `const b = await new Response("hey").blob(); return [b.constructor.name, await b.text()]`, `["Blob","hey"]`},
		{"Response.formData", `const f = await new Response("a=1&b=2", { headers: { "content-type": "application/x-www-form-urlencoded" } }).formData(); return [f.constructor.name, f.get("b")]`, `["FormData","2"]`},
		{"a body stream", `const r = new Response("abc").body.getReader(); const { value } = await r.read(); return [value.length, typeof ReadableStream]`, `[3,"function"]`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := webapitest.Run(t, c.code, exts...); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}
