package e2e

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/verge-edge/verge/devserver"
	"github.com/verge-edge/verge/wasm"
)

// debianRustc is Debian's rustc, whose wasm32-wasi standard library
// (libstd-rust-dev-wasm32) scripts/test installs.
const debianRustc = "/usr/bin/rustc"

// buildRust compiles examples/rust-wagi into dir/app.wasm.
func buildRust(t testing.TB, dir string) {
	t.Helper()
	if _, err := os.Stat("/usr/lib/rustlib/wasm32-wasi"); err != nil {
		t.Skip("Rust's wasm32-wasi target is not installed (Debian packages rustc, libstd-rust-dev-wasm32 and lld; scripts/test installs them when run as root)")
	}
	for _, f := range []string{"main.rs", "verge.toml"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "examples", "rust-wagi", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(debianRustc, "--edition", "2021", "--target", "wasm32-wasi", "-C", "opt-level=3", "-C", "strip=symbols", "-o", "app.wasm", "main.rs")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("rustc: %v\n%s", err, out)
	}
}

// BenchmarkRustWAGI is the per-request cost (instantiate + run) of the Rust
// WAGI example, served in process.
//
//	go test -run '^$' -bench RustWAGI ./internal/e2e/
func BenchmarkRustWAGI(b *testing.B) {
	dir := b.TempDir()
	buildRust(b, dir)
	code, err := os.ReadFile(filepath.Join(dir, "app.wasm"))
	if err != nil {
		b.Fatal(err)
	}
	m, err := wasm.Compile(context.Background(), code, wasm.Options{Name: "rust"})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close(context.Background())
	var took []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, httptest.NewRequest("GET", "/hi", nil))
		took = append(took, time.Since(start))
		if rec.Code != 200 {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
}

// TestRustWasmHandler builds examples/rust-wagi with rustc and serves it
// with verge dev.
func TestRustWasmHandler(t *testing.T) {
	dir := t.TempDir()
	buildRust(t, dir)
	d := start(t, devserver.Options{Entry: dir, CF: `{"country":"AR"}`})
	r := do(t, "POST", d.URL()+"/hi", strings.NewReader("12345"), nil)
	if r.status != 200 || r.header.Get("X-Handler") != "rust" || r.body != "POST /hi from AR greeting=hola body=5\n" {
		t.Fatalf("%d %v %q", r.status, r.header, r.body)
	}
}
