package devserver

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/verge-edge/verge/wasm/wasmtest"
)

// syncBuffer collects the dev server's output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startDev runs verge dev on entry on a free loopback port.
func startDev(t *testing.T, entry string, watch bool) (*Server, *syncBuffer) {
	t.Helper()
	out := &syncBuffer{}
	s, err := New(Options{Entry: entry, Host: "127.0.0.1", Port: 0, Out: out, Watch: watch})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, out
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond while the watcher rebuilds: builds take as long as
// the machine makes them, so the bound is only against a hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestWasmInvalidFile: verge dev on a file that is not a complete module
// says which file and why, on the console and in the error page.
func TestWasmInvalidFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.wasm")
	writeFile(t, path, string(wasmtest.CGI("Status: 200\n\nhi")[:30]))
	s, out := startDev(t, path, false)
	status, body := get(t, s.URL())
	for _, text := range []string{out.String(), body} {
		if !strings.Contains(text, path+": wasm: ") || !strings.Contains(text, "truncated") {
			t.Errorf("%q lacks the file and the reason", text)
		}
	}
	if status != http.StatusInternalServerError {
		t.Errorf("status %d", status)
	}
}

// TestWasmReactorInDev: a module that exports verge_handle is served as a
// reactor.
func TestWasmReactorInDev(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.wasm")
	writeFile(t, path, string(wasmtest.Reactor(202, "from the reactor\n")))
	s, _ := startDev(t, path, false)
	if status, body := get(t, s.URL()); status != http.StatusAccepted || body != "from the reactor\n" {
		t.Errorf("%d %q", status, body)
	}
	if style := s.current.Load().style(); style != "wasm reactor" {
		t.Errorf("style %q", style)
	}
}

// TestWasmBuildCommand: with build in verge.toml, verge dev builds at
// start and on changes in the project's folder, but not on the build's
// own output; a failing build is printed with its output and the last
// good version keeps serving.
func TestWasmBuildCommand(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"verge.toml": "name = \"b\"\nmain = \"out/app.wasm\"\nbuild = \"mkdir -p out && cp src/$(cat src/current) out/app.wasm\"\n",
		"v1.wasm":    string(wasmtest.CGI("Content-Type: text/plain\n\nv1\n")),
		"v2.wasm":    string(wasmtest.Reactor(200, "v2\n")),
		"current":    "v1.wasm",
	}
	os.Mkdir(filepath.Join(dir, "src"), 0o755)
	for name, content := range files {
		p := filepath.Join(dir, "src", name)
		if name == "verge.toml" {
			p = filepath.Join(dir, name)
		}
		writeFile(t, p, content)
	}
	s, out := startDev(t, dir, true)
	if _, body := get(t, s.URL()); body != "v1\n" {
		t.Fatalf("first build: %q\n%s", body, out)
	}

	// A change in a subfolder rebuilds and reloads.
	writeFile(t, filepath.Join(dir, "src", "current"), "v2.wasm")
	waitFor(t, "the rebuild", func() bool { return s.Builds() >= 2 })
	if _, body := get(t, s.URL()); body != "v2\n" {
		t.Errorf("after the change: %q", body)
	}

	writeFile(t, filepath.Join(dir, "src", "current"), "missing.wasm")
	waitFor(t, "the failed build", func() bool { return strings.Contains(out.String(), "still serving the last good version") })
	if o := out.String(); !strings.Contains(o, "✘ build \"mkdir -p out") || !strings.Contains(o, "missing.wasm") {
		t.Errorf("the failure is not shown with the command's output:\n%s", o)
	}
	if _, body := get(t, s.URL()); body != "v2\n" {
		t.Errorf("after a failed build: %q", body)
	}

	// Files in a new folder count too; the build's own writes to out/
	// never start a build: exactly one build per change.
	writeFile(t, filepath.Join(dir, "src", "current"), "v1.wasm")
	waitFor(t, "the fixed build", func() bool { return s.Builds() >= 3 })
	os.Mkdir(filepath.Join(dir, "src", "more"), 0o755)
	writeFile(t, filepath.Join(dir, "src", "more", "notes"), "new")
	waitFor(t, "the build for a file in the new folder", func() bool { return s.Builds() >= 4 })
	if _, body := get(t, s.URL()); body != "v1\n" || s.Builds() != 4 {
		t.Errorf("body %q after %d builds, want v1 after 4\n%s", body, s.Builds(), out)
	}
}

// TestWatchTreeContent: in a watched tree, a file rewritten with the same
// bytes has not changed (a build that regenerates files must not start
// another); the build's output, hidden folders and the file verge dev
// writes its output to are not watched.
func TestWatchTreeContent(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"main.go", "out/app.wasm", ".verge/kv/data", "node_modules/x/a.js", "log.txt"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755)
		writeFile(t, filepath.Join(dir, f), "one")
	}
	log, err := os.OpenFile(filepath.Join(dir, "log.txt"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	w, err := newWatcher("", func() {}, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	w.watchTree(dir, buildOutput(dir, filepath.Join(dir, "out/app.wasm"), log))

	main := filepath.Join(dir, "main.go")
	writeFile(t, main, "one")
	if w.changed(main) {
		t.Error("the same bytes count as a change")
	}
	writeFile(t, main, "two")
	if !w.changed(main) || w.changed(main) {
		t.Error("new bytes count once")
	}
	os.Remove(main)
	if !w.changed(main) {
		t.Error("a removal is not a change")
	}
	for _, f := range []string{"out/app.wasm", "out", ".verge/kv/data", "node_modules/x/a.js", "log.txt"} {
		if w.watched(filepath.Join(dir, f)) {
			t.Errorf("%s is watched", f)
		}
	}
	if !w.watched(filepath.Join(dir, "verge.toml")) || !w.watched(filepath.Join(dir, "src", "new.go")) {
		t.Error("sources are not watched")
	}
}
