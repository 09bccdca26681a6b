package devserver

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/verge-edge/verge/webapi/webassembly/wasmtest"
)

// TestJSWorkerImportsWasm: verge dev serves a worker that imports a .wasm
// file beside it.
func TestJSWorkerImportsWasm(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "verge.toml"), []byte("name = \"w\"\nmain = \"w.js\"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "add.wasm"), wasmtest.Add(), 0o644)
	os.WriteFile(filepath.Join(dir, "w.js"), []byte(`import m from "./add.wasm";
const { add } = new WebAssembly.Instance(m).exports;
export default { fetch: () => new Response(String(add(40, 2))) }`), 0o644)
	s, err := New(Options{Entry: dir, Host: "127.0.0.1", Port: 0, Out: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	res, err := http.Get(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(b) != "42" {
		t.Errorf("%d %q", res.StatusCode, b)
	}
}
