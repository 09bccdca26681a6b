package wasm

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/verge-edge/verge/wasm/wasmtest"
)

// Hostile modules: each must be contained (a clear error, bounded time and
// memory) and leave the module, or the reactor, serving.

// TestWAGIStartNeverReturns: WAGI instantiates per request, so a start
// function that never returns fails each request at the wall time, and the
// module keeps answering.
func TestWAGIStartNeverReturns(t *testing.T) {
	var logs logBuffer
	m := compileBytes(t, wasmtest.Hanging(true, false), Options{WallTime: 200 * time.Millisecond, Logger: logs.logger()})
	for range 2 {
		assertError(t, serve(m, httptest.NewRequest("GET", "/", nil)), http.StatusServiceUnavailable, "verge-1104")
	}
	logs.mustContain(t, "wall time limit of 200ms")
}

// TestReactorStartNeverReturns: a reactor whose start function or
// _initialize never returns fails CompileReactor after Options.Startup,
// with an error that says so, instead of hanging the load.
func TestReactorStartNeverReturns(t *testing.T) {
	for name, code := range map[string][]byte{
		"start function": wasmtest.Hanging(true, true),
		"_initialize":    wasmtest.Hanging(false, true, "_initialize"),
	} {
		t.Run(name, func(t *testing.T) {
			x, err := CompileReactor(context.Background(), code, Options{Startup: 200 * time.Millisecond, Logger: new(logBuffer).logger()})
			if err == nil {
				x.Close(context.Background())
				t.Fatal("compiled")
			}
			for _, want := range []string{"verge-1106", "did not start within 200ms"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}

// TestReactorReplacementNeverStarts: an instance that replaces a failed
// one, and never finishes starting, fails its request with 503 verge-1106
// after Options.Startup instead of holding it until the wall time.
func TestReactorReplacementNeverStarts(t *testing.T) {
	var logs logBuffer
	x := compileReactor(t, "app", Options{
		Env:          map[string]string{"HANG_ON_RESTART": "1"},
		KV:           &memKV{},
		KVNamespaces: map[string]string{"STATE": "state"},
		Startup:      300 * time.Millisecond,
		Logger:       logs.logger(),
		Reactor:      ReactorOptions{Instances: 1},
	})
	assertError(t, serveReactor(x, httptest.NewRequest("GET", "/exit", nil)), http.StatusInternalServerError, "verge-1101")
	for range 2 {
		assertError(t, serveReactor(x, httptest.NewRequest("GET", "/count", nil)), http.StatusServiceUnavailable, "verge-1106")
	}
	logs.mustContain(t, "did not start within 300ms")
}

// floodOver reads a response that must be cut at limit bytes of body.
func floodOver(t *testing.T, url string, limit int) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK || err == nil || n != int64(limit) {
		t.Errorf("status %d, read %d bytes, %v; want 200 cut after %d bytes", resp.StatusCode, n, err, limit)
	}
}

// TestWAGIResponseBodyLimit: a guest that writes 10 GB to stdout (a Go
// one), or never stops (a hand-made one), ignoring write errors, is
// stopped at the response body limit, its response cut there, and the
// module serves the next request.
func TestWAGIResponseBodyLimit(t *testing.T) {
	for name, tc := range map[string]struct {
		code  []byte
		query string
	}{
		"Go, 10 GB": {guest(t, "edge"), "flood"},
		"endless":   {wasmtest.Flood(), ""},
	} {
		t.Run(name, func(t *testing.T) {
			var logs logBuffer
			m := compileBytes(t, tc.code, Options{ResponseBody: 1 << 20, Logger: logs.logger()})
			srv := httptest.NewServer(m)
			defer srv.Close()
			floodOver(t, srv.URL+"/?"+tc.query, 1<<20)
			logs.mustContain(t, "verge-1112", "over the limit of 1048576 bytes")
			floodOver(t, srv.URL+"/?"+tc.query, 1<<20) // and again
		})
	}
}

// TestReactorResponseBodyLimit: the same through resp_write; the instance
// that overflowed is replaced.
func TestReactorResponseBodyLimit(t *testing.T) {
	var logs logBuffer
	x := compileReactor(t, "app", Options{ResponseBody: 1 << 20, Logger: logs.logger(), Reactor: ReactorOptions{Instances: 1}})
	srv := httptest.NewServer(x)
	defer srv.Close()
	_, before := count(t, x)
	floodOver(t, srv.URL+"/flood", 1<<20)
	logs.mustContain(t, "verge-1112", "over the limit of 1048576 bytes")
	if n, after := count(t, x); n != 1 || after == before {
		t.Errorf("count %d on instance %s after %s: want a fresh instance", n, after, before)
	}
}

// TestRecursionContained: a guest that recurses without end traps once it
// has used its bounded call stack (internal/wasmstack), without allocating
// on the Go heap; the request gets 500 verge-1101 and the module, or the
// reactor, keeps serving.
func TestRecursionContained(t *testing.T) {
	var logs logBuffer
	m := compileBytes(t, wasmtest.Recursing(false), Options{Logger: logs.logger()})
	runtime.GC()
	before := allocated()
	for range 2 {
		assertError(t, serve(m, httptest.NewRequest("GET", "/", nil)), http.StatusInternalServerError, "verge-1101")
	}
	// Unguarded, wazero grows a stack to 84 MB and allocates ~160 MB of Go
	// heap per request.
	if n := allocated() - before; n > 8<<20 {
		t.Errorf("two runaway WAGI recursions allocated %d MB of Go heap", n>>20)
	}
	logs.mustContain(t, "stack overflow")

	x, err := CompileReactor(context.Background(), wasmtest.Recursing(true), Options{Logger: logs.logger()})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close(context.Background())
	runtime.GC()
	before = allocated()
	for range 2 {
		w := httptest.NewRecorder()
		x.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		assertError(t, w, http.StatusInternalServerError, "verge-1101")
	}
	if n := allocated() - before; n > 8<<20 {
		t.Errorf("two runaway reactor recursions allocated %d MB of Go heap", n>>20)
	}
}

// TestRecursionAtStartContained: a reactor whose _initialize recurses
// without end fails to load with the stack overflow named, within the
// bounded stack, not wazero's own that grows to 84 MB.
func TestRecursionAtStartContained(t *testing.T) {
	runtime.GC()
	before := allocated()
	for range 2 {
		x, err := CompileReactor(context.Background(), wasmtest.RecursingAtStart(), Options{})
		if err == nil {
			x.Close(context.Background())
			t.Fatal("a reactor whose _initialize never returns loaded")
		}
		if !strings.Contains(err.Error(), "stack overflow") {
			t.Fatalf("load error %q does not name the stack overflow", err)
		}
	}
	if n := allocated() - before; n > 8<<20 {
		t.Errorf("two runaway _initialize recursions allocated %d MB of Go heap", n>>20)
	}
}
