package worker

import (
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func newTestWorker(t *testing.T, src string, lim Limits, maxVMs int) *Worker {
	t.Helper()
	return newWorkerWith(t, src, Config{Name: "t", Limits: lim, MaxVMs: maxVMs})
}

// newWorkerWith loads the module src with cfg, which gets the prelude and
// a log that discards.
func newWorkerWith(t *testing.T, src string, cfg Config) *Worker {
	t.Helper()
	p, err := NewPrelude()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Code, err = buildSource(src); err != nil {
		t.Fatal(err)
	}
	cfg.Prelude, cfg.Log = p, discardLog()
	w, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func serve(w *Worker, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	w.Serve(rec, httptest.NewRequest("GET", "http://example.com"+path, nil), RequestInfo{URL: "http://example.com" + path})
	return rec
}

// TestConcurrentRequestsShareAPool runs many requests at once through a
// pool of 3 VMs: every request is served, and global state persists per VM
// (so the counters sum to the number of requests).
func TestConcurrentRequestsShareAPool(t *testing.T) {
	w := newTestWorker(t, `let n = 0; const id = Math.random();
		export default { async fetch() { n++; await new Promise(r => setTimeout(r, 2)); return Response.json({ id, n }) } }`,
		Limits{CPU: 5 * time.Second}, 3)
	defer w.Close()
	var mu sync.Mutex
	maxN := map[float64]float64{}
	var wg sync.WaitGroup
	for g := 0; g < 12; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				rec := serve(w, "/")
				if rec.Code != 200 {
					t.Errorf("status %d: %s", rec.Code, rec.Body)
					return
				}
				var id, n float64
				body := rec.Body.String()
				if _, err := fmtSscan(body, &id, &n); err != nil {
					t.Errorf("body %q", body)
					return
				}
				mu.Lock()
				if n > maxN[id] {
					maxN[id] = n
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	total := 0.0
	for _, n := range maxN {
		total += n
	}
	if len(maxN) > 3 || total != 120 {
		t.Errorf("%d VMs served %v requests, want at most 3 VMs and 120", len(maxN), total)
	}
}

// fmtSscan reads {"id":X,"n":Y}.
func fmtSscan(s string, id, n *float64) (int, error) {
	r := strings.NewReplacer(`{"id":`, "", `,"n":`, " ", "}", "")
	return fmtSscanf(r.Replace(s), id, n)
}

// TestLimitDiscardsTheVM: after a CPU limit stop, the VM (with its
// possibly half-updated state) is replaced; the next request is served.
func TestLimitDiscardsTheVM(t *testing.T) {
	w := newTestWorker(t, `let hits = 0;
		export default { fetch(req) {
			hits++;
			if (new URL(req.url).pathname === "/spin") { for (;;) {} }
			if (new URL(req.url).pathname === "/bomb") { const a = []; for (;;) a.push(new ArrayBuffer(8 << 20)); }
			return new Response(String(hits)) } }`, Limits{CPU: 30 * time.Millisecond, Memory: 32 << 20}, 1)
	defer w.Close()
	if got := serve(w, "/").Body.String(); got != "1" {
		t.Fatalf("first: %q", got)
	}
	if rec := serve(w, "/spin"); rec.Code != 503 || !strings.Contains(rec.Body.String(), "verge-1102") {
		t.Fatalf("spin: %d %s", rec.Code, rec.Body)
	}
	if got := serve(w, "/").Body.String(); got != "1" {
		t.Errorf("after the CPU limit the VM should be fresh: hits %q", got)
	}
	if rec := serve(w, "/bomb"); rec.Code != 503 || !strings.Contains(rec.Body.String(), "verge-1103") {
		t.Fatalf("bomb: %d %s", rec.Code, rec.Body)
	}
	if got := serve(w, "/").Body.String(); got != "1" {
		t.Errorf("after the memory limit: hits %q", got)
	}
}

// TestNoGoroutineLeaks: serving, waitUntil work and Close leave no
// goroutines behind.
func TestNoGoroutineLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	w := newTestWorker(t, `export default { fetch(req, env, ctx) {
		ctx.waitUntil(new Promise(r => setTimeout(r, 5)));
		return new Response(new ReadableStream({ start(c) { c.enqueue(new Uint8Array([1])); c.close() } })) } }`, Limits{CPU: time.Second}, 2)
	for i := 0; i < 20; i++ {
		if rec := serve(w, "/"); rec.Code != 200 {
			t.Fatalf("status %d", rec.Code)
		}
	}
	w.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

func TestStartupLimitAndLoadErrors(t *testing.T) {
	p, err := NewPrelude()
	if err != nil {
		t.Fatal(err)
	}
	for name, tt := range map[string]struct{ src, want string }{
		"startup loop":    {`for (;;) {} export default { fetch() {} }`, "verge-1106"},
		"top-level throw": {`throw new Error("at load"); export default {}`, "at load"},
		"no handler":      {`export const x = 1`, "No fetch handler found"},
	} {
		code, err := buildSource(tt.src)
		if err != nil {
			t.Fatal(err)
		}
		_, err = New(Config{Name: name, Code: code, Prelude: p, Limits: Limits{Startup: 50 * time.Millisecond}, Log: discardLog()})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", name, err, tt.want)
		}
	}
}
