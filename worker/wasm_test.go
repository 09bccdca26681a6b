package worker

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/verge-edge/verge/bundle"
	"github.com/verge-edge/verge/webapi/webassembly/wasmtest"
)

// wasmWorker bundles src (worker.js) with the given .wasm files beside it.
func wasmWorker(t *testing.T, src string, files map[string][]byte, lim Limits) (*Worker, error) {
	t.Helper()
	dir := t.TempDir()
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "worker.js"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := bundle.Build(bundle.Options{Entry: filepath.Join(dir, "worker.js")})
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPrelude()
	if err != nil {
		t.Fatal(err)
	}
	return New(Config{Name: "t", Code: res.Code, Wasm: res.Wasm, Prelude: p, Limits: lim, MaxVMs: 2, Log: discardLog()})
}

// TestWasmMemoryLimit: a guest growing its memory without bound stops at
// the worker's memory limit (memory.grow returns -1) and the worker keeps
// serving.
func TestWasmMemoryLimit(t *testing.T) {
	const limit = 32 << 20
	w, err := wasmWorker(t, `import hog from "./hog.wasm";
export default { fetch() {
	const e = new WebAssembly.Instance(hog).exports;
	return new Response(String(e.hog(16) * 65536));
} }`, map[string][]byte{"hog.wasm": wasmtest.Memory(1, -1)}, Limits{Memory: limit})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for i := 0; i < 3; i++ { // instances of earlier requests may still hold memory
		rec := serve(w, "/")
		if rec.Code != 200 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		got, err := strconv.Atoi(rec.Body.String())
		if err != nil || got <= 0 || got > limit {
			t.Errorf("the guest grew to %q bytes; the limit is %d", rec.Body.String(), limit)
		}
	}
}

// TestWasmInvalidModule: a .wasm that does not compile fails the load,
// naming the file.
func TestWasmInvalidModule(t *testing.T) {
	_, err := wasmWorker(t, `import m from "./broken.wasm"; export default { fetch: () => new Response(String(m)) };`,
		map[string][]byte{"broken.wasm": []byte("\x00asm\x01\x00\x00\x00\xff\xff")}, Limits{CPU: time.Second})
	var le *LoadError
	if !errors.As(err, &le) || !strings.Contains(le.Message, "broken.wasm") {
		t.Fatalf("err = %v, want a LoadError naming broken.wasm", err)
	}
}
