package server

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/verge-edge/verge/wasm/wasmtest"
)

// newNode is startNode for a node that may fail to load: it returns New's
// error, or closes the server at the end of the test.
func newNode(t *testing.T, files map[string]string) error {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, files)
	cfg, err := LoadNode(filepath.Join(dir, "node.toml"))
	if err != nil {
		return err
	}
	cfg.Hosts.Count = 1
	cfg.Hosts.User = "root"
	srv, err := New(cfg, Options{HostCommand: []string{os.Args[0]}, HostEnv: []string{"VERGE_TEST_HOST=1"},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), ConfigPath: filepath.Join(dir, "node.toml")})
	if err != nil {
		return err
	}
	t.Cleanup(func() { srv.Shutdown(t.Context()) })
	return nil
}

// TestWasmLoadErrors: a module that cannot be served fails the load with
// an error naming the file and the reason, instead of failing every
// request or hanging the node's start.
func TestWasmLoadErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		toml string
		wasm []byte
		want []string
	}{
		"not wasm":  {wasm: []byte("#!/bin/sh\necho hello\n"), want: []string{"app.wasm", "not a WebAssembly module"}},
		"truncated": {wasm: wasmtest.CGI("Status: 200\n\nhi")[:40], want: []string{"app.wasm", "truncated"}},
		"reactor start never returns": {toml: "[limits]\nstartup_ms = 200\n", wasm: wasmtest.Hanging(true, true),
			want: []string{"app.wasm", "verge-1106", "did not start within 200ms"}},
		"failing build": {toml: "build = \"echo 'main.go:3:1: syntax error' >&2; exit 2\"\n",
			want: []string{`w: build "echo`, "exit status 2", "main.go:3:1: syntax error"}},
	} {
		t.Run(name, func(t *testing.T) {
			files := map[string]string{
				"node.toml":    "projects = [\"w\"]\n[listen]\nhttp = \"127.0.0.1:0\"\n",
				"w/verge.toml": "name = \"w\"\nmain = \"app.wasm\"\n" + tc.toml,
			}
			if tc.wasm != nil {
				files["w/app.wasm"] = string(tc.wasm)
			}
			err := newNode(t, files)
			for _, want := range tc.want {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("error %v lacks %q", err, want)
				}
			}
		})
	}
}

// TestWasmBuildOnLoadAndReload: verge.toml's build runs at every load; a
// failing one fails the reload with its output, and the previous version
// keeps serving.
func TestWasmBuildOnLoadAndReload(t *testing.T) {
	n := startNode(t, map[string]string{
		"node.toml":    "projects = [\"w\"]\n[listen]\nhttp = \"127.0.0.1:0\"\n",
		"w/verge.toml": "name = \"w\"\nmain = \"out/app.wasm\"\nbuild = \"mkdir -p out && cp $(cat current) out/app.wasm\"\n",
		"w/current":    "v1.wasm",
		"w/v1.wasm":    string(wasmtest.CGI("Content-Type: text/plain\n\nv1\n")),
		"w/v2.wasm":    string(wasmtest.CGI("Content-Type: text/plain\n\nv2\n")),
	})
	check := func(want string) {
		t.Helper()
		if r := n.do("GET", n.http+"/", nil); r.status != 200 || r.body != want {
			t.Errorf("%d %q, want %q", r.status, r.body, want)
		}
	}
	check("v1\n")
	writeFiles(t, n.dir, map[string]string{"w/current": "v2.wasm"})
	if err := n.srv.Reload(); err != nil {
		t.Fatal(err)
	}
	check("v2\n")
	writeFiles(t, n.dir, map[string]string{"w/current": "v3.wasm"})
	if err := n.srv.Reload(); err == nil || !strings.Contains(err.Error(), "v3.wasm") || !strings.Contains(err.Error(), "exit status 1") {
		t.Errorf("reload with a failing build: %v", err)
	}
	check("v2\n")
}

// TestWasmHostileRequests: a guest that writes to stdout forever and one
// whose start function never returns each end their own request (cut at
// the response body limit, 503 at the wall time), and the node keeps
// serving.
func TestWasmHostileRequests(t *testing.T) {
	project := func(name, limits string, code []byte) map[string]string {
		return map[string]string{
			name + "/verge.toml": "name = \"" + name + "\"\nmain = \"app.wasm\"\nroutes = [\"" + name + ".test/*\"]\n[limits]\n" + limits,
			name + "/app.wasm":   string(code),
		}
	}
	files := map[string]string{"node.toml": "projects = [\"flood\", \"hang\", \"ok\"]\n[listen]\nhttp = \"127.0.0.1:0\"\n"}
	for _, p := range []map[string]string{
		project("flood", "response_body_mb = 1\n", wasmtest.Flood()),
		project("hang", "wall_ms = 300\n", wasmtest.Hanging(true, false)),
		project("ok", "", wasmtest.CGI("Content-Type: text/plain\n\nstill serving\n")),
	} {
		for k, v := range p {
			files[k] = v
		}
	}
	n := startNode(t, files)
	for range 2 {
		if r := n.do("GET", n.http+"/", map[string]string{"Host": "flood.test"}); r.status != 200 || len(r.body) != 1<<20 {
			t.Errorf("flood: %d with %d bytes, want 200 cut at 1 MiB", r.status, len(r.body))
		}
		if r := n.do("GET", n.http+"/", map[string]string{"Host": "hang.test"}); r.status != 503 || !strings.HasPrefix(r.body, "verge-1104") {
			t.Errorf("hang: %d %q", r.status, r.body)
		}
		if r := n.do("GET", n.http+"/", map[string]string{"Host": "ok.test"}); r.status != 200 || r.body != "still serving\n" {
			t.Errorf("ok: %d %q", r.status, r.body)
		}
	}
}
