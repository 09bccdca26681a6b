package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/verge-edge/verge/devserver"
)

// buildWAGI compiles a Go guest in testdata/wasm to a WASI command.
func buildWAGI(t *testing.T, name, out string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Dir = filepath.Join("testdata", "wasm", name)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the %s guest: %v\n%s", name, err, b)
	}
}

// TestWasmHandlerInDev: verge dev serves a WAGI module named by verge.toml's
// main, with vars and the client's location in its environment.
func TestWasmHandlerInDev(t *testing.T) {
	dir := writeWorker(t, map[string]string{
		"verge.toml": "name = \"wasm-hello\"\nmain = \"app.wasm\"\n[vars]\nGREETING = \"hola\"\n",
	})
	buildWAGI(t, "hello", filepath.Join(dir, "app.wasm"))
	d := start(t, devserver.Options{Entry: dir, CF: `{"country":"AR"}`})
	r := do(t, "POST", d.URL()+"/path", strings.NewReader("hi"), nil)
	if r.status != 200 || r.header.Get("X-Handler") != "wasm" ||
		!strings.HasPrefix(r.body, `POST /path from AR (127.0.0.1) greeting=hola body="hi"`) {
		t.Fatalf("%d %v %q", r.status, r.header, r.body)
	}
}
