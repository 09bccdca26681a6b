package wasm

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/verge-edge/verge/wasm/wasmtest"
)

func TestIsReactor(t *testing.T) {
	reactor, wagi := guest(t, "reactor-hello"), guest(t, "hello")
	for name, tc := range map[string]struct {
		code []byte
		want bool
		err  string
	}{
		"reactor":           {code: reactor, want: true},
		"WAGI command":      {code: wagi, want: false},
		"minimal":           {code: minimalModule(1, true), want: false},
		"hand-made reactor": {code: wasmtest.Hanging(false, true), want: true},
		"empty":             {code: nil, err: "truncated"},
		"text":              {code: []byte("GOOS=wasip1 go build"), err: "no \\0asm magic number"},
		"header only":       {code: reactor[:6], err: "truncated"},
		"truncated":         {code: reactor[:len(reactor)/2], err: "truncated"},
		"last byte missing": {code: reactor[:len(reactor)-1], err: "truncated"},
		"component":         {code: []byte("\x00asm\x0d\x00\x01\x00"), err: "version 0d000100 is not 1"},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := IsReactor(tc.code)
			switch {
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("error %v, want one with %q", err, tc.err)
			case tc.err == "" && (err != nil || got != tc.want):
				t.Errorf("IsReactor = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// FuzzIsReactor: the section walker reads untrusted files; it must not
// panic, and whatever it accepts as a reactor has the export it looks for.
func FuzzIsReactor(f *testing.F) {
	f.Add(minimalModule(1, true))
	f.Add(wasmtest.Hanging(true, true))
	f.Add([]byte("\x00asm\x01\x00\x00\x00\x07\x80"))
	f.Fuzz(func(t *testing.T, code []byte) {
		if ok, err := IsReactor(code); ok && (err != nil || !strings.Contains(string(code), "verge_handle")) {
			t.Fatalf("reactor without verge_handle (err %v)", err)
		}
	})
}

func TestCompileHandler(t *testing.T) {
	ctx := context.Background()
	for name, tc := range map[string]struct {
		code []byte
		kind string
		body string
	}{
		"Go reactor":        {guest(t, "reactor-hello"), "*wasm.Reactor", "hello, verge\n"},
		"Go WAGI":           {guest(t, "hello"), "*wasm.Module", ""},
		"hand-made WAGI":    {wasmtest.CGI("Content-Type: text/plain\n\nhand-made\n"), "*wasm.Module", "hand-made\n"},
		"hand-made reactor": {wasmtest.Reactor(202, "hand-made reactor\n"), "*wasm.Reactor", "hand-made reactor\n"},
	} {
		h, err := CompileHandler(ctx, tc.code, Options{CacheDir: cacheDir})
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		if got := typeName(h); got != tc.kind || w.Code/100 != 2 || !strings.HasSuffix(w.Body.String(), tc.body) {
			t.Errorf("%s: %s answered %d %q, want %s", name, got, w.Code, w.Body, tc.kind)
		}
		if err := h.Close(ctx); err != nil {
			t.Error(err)
		}
	}
	h, err := CompileHandler(ctx, []byte("\x00asm\x01\x00\x00\x00\x01\x05"), Options{})
	if h != nil || err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("truncated module: %v, %v", h, err)
	}
}

func typeName(h http.Handler) string {
	switch h.(type) {
	case *Reactor:
		return "*wasm.Reactor"
	case *Module:
		return "*wasm.Module"
	}
	return "?"
}

func TestBuild(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := Build(ctx, dir, "printf built > out.txt"); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "out.txt")); string(b) != "built" {
		t.Errorf("the command did not run in dir: %q, %v", b, err)
	}
	err := Build(ctx, dir, "echo compiling; echo 'main.go:3: syntax error' >&2; exit 3")
	for _, want := range []string{`build "echo compiling;`, "in " + dir, "exit status 3", "compiling\nmain.go:3: syntax error"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	// A chatty build keeps the end of its output.
	err = Build(ctx, dir, "yes line | head -c 200000; echo the end; exit 1")
	if err == nil || len(err.Error()) > maxBuildOutput+1000 || !strings.Contains(err.Error(), "[earlier output dropped]") || !strings.HasSuffix(err.Error(), "the end") {
		t.Errorf("long output: %d bytes, ends %q", len(err.Error()), err.Error()[max(0, len(err.Error())-40):])
	}
}
