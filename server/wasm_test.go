package server

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestWasmProject: a project whose main is a WAGI module is served by
// verge serve, with its vars and the client's location.
func TestWasmProject(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "app.wasm"), ".")
	cmd.Dir = filepath.Join("..", "internal", "e2e", "testdata", "wasm", "hello")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the guest: %v\n%s", err, b)
	}
	wasmCode, err := os.ReadFile(filepath.Join(dir, "app.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	n := startNode(t, map[string]string{
		"node.toml": `projects = ["w"]
[listen]
http = "127.0.0.1:0"
[geo]
db = ["` + writeCityDB(t) + `"]
trusted_proxies = ["127.0.0.0/8"]
`,
		"w/verge.toml": "name = \"w\"\nmain = \"app.wasm\"\nroutes = [\"wasm.test/*\"]\n[vars]\nGREETING = \"hola\"\n",
		"w/app.wasm":   string(wasmCode),
	})
	r := n.do("GET", n.http+"/x", map[string]string{"Host": "wasm.test", "X-Forwarded-For": clientAR})
	if r.status != 200 || !strings.HasPrefix(r.body, `GET /x from AR (`+clientAR+`) greeting=hola`) {
		t.Fatalf("%d %q", r.status, r.body)
	}
	// The compiled machine code is kept next to node.toml ([wasm]
	// cache_dir), so a restart does not compile the module again.
	var cached int
	filepath.WalkDir(filepath.Join(n.dir, ".verge", "wasm-cache"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			cached++
		}
		return nil
	})
	if cached == 0 {
		t.Error("nothing in .verge/wasm-cache after loading the module")
	}
}
