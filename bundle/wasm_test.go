package bundle_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/verge-edge/verge/bundle"
	"github.com/verge-edge/verge/webapi/webassembly/wasmtest"
)

// TestWasmImports: a .wasm import ships beside the code and becomes a call
// of the runtime's WasmGlobal with its name and hash; both spellings of
// the import are one module.
func TestWasmImports(t *testing.T) {
	dir := t.TempDir()
	add := wasmtest.Add()
	write(t, dir, "lib/add.wasm", string(add))
	write(t, dir, "worker.js", `import a from "./lib/add.wasm";
import b from "./lib/add.wasm?module";
export const same = a === b;
export const got = a;`)
	res, err := bundle.Build(bundle.Options{Entry: filepath.Join(dir, "worker.js")})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Wasm) != 1 || string(res.Wasm["lib/add.wasm"]) != string(add) {
		t.Fatalf("Wasm = %v", res.Wasm)
	}
	if !slices.Contains(res.Inputs, filepath.Join(dir, "lib", "add.wasm")) {
		t.Errorf("Inputs %v lack the .wasm file", res.Inputs)
	}
	sum := sha256.Sum256(add)
	pre := `var calls = []; function ` + bundle.WasmGlobal + `(name, hash) { calls.push(name + " " + hash); return { name }; }`
	got := evalBundle(t, res.Code, pre, []string{bundle.EntryGlobal + ".same", bundle.EntryGlobal + ".got.name", "calls"})
	want := []string{"true", "lib/add.wasm", "lib/add.wasm " + hex.EncodeToString(sum[:])}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}

	// Without .wasm imports there is nothing to ship.
	res, err = bundle.Build(bundle.Options{Source: `export default 1`})
	if err != nil || res.Wasm != nil {
		t.Errorf("Wasm = %v, %v; want nil", res.Wasm, err)
	}
}

func TestWasmImportNotWasm(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "fake.wasm", "hello")
	write(t, dir, "worker.js", `import m from "./fake.wasm"; export default m;`)
	_, err := bundle.Build(bundle.Options{Entry: filepath.Join(dir, "worker.js")})
	var be *bundle.BuildError
	if !errors.As(err, &be) {
		t.Fatalf("err = %v, want a BuildError", err)
	}
}
