package devserver

import (
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestPortFromConfig: with no --port, [dev] port in verge.toml applies.
func TestPortFromConfig(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "verge.toml"), []byte("name = \"p\"\nmain = \"w.js\"\n[dev]\nport = "+strconv.Itoa(port)+"\nhost = \"127.0.0.1\"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "w.js"), []byte(`export default { fetch: () => new Response("configured") }`), 0o644)
	s, err := New(Options{Entry: dir, Port: -1, Out: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if want := "http://127.0.0.1:" + strconv.Itoa(port); s.URL() != want {
		t.Fatalf("URL %s, want %s", s.URL(), want)
	}
	res, err := http.Get(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), "configured") {
		t.Errorf("body %q", b)
	}
}

func TestMissingEntry(t *testing.T) {
	if _, err := New(Options{Entry: filepath.Join(t.TempDir(), "nope.js"), Out: io.Discard}); err == nil {
		t.Error("a missing entry was accepted")
	}
}
