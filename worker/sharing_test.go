package worker

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/verge-edge/verge/webapi/fetch"
)

// gateOrigin answers every request once open is closed, and counts the
// requests it holds at most at once.
type gateOrigin struct {
	*httptest.Server
	open chan struct{}

	mu            sync.Mutex
	inFlight, max int
	arrived       chan struct{} // gets a value per request
}

func newGateOrigin(t *testing.T) *gateOrigin {
	g := &gateOrigin{open: make(chan struct{}), arrived: make(chan struct{}, 1000)}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		g.inFlight++
		g.max = max(g.max, g.inFlight)
		g.mu.Unlock()
		g.arrived <- struct{}{}
		select {
		case <-g.open:
		case <-r.Context().Done():
		}
		g.mu.Lock()
		g.inFlight--
		g.mu.Unlock()
		w.Write([]byte("origin" + r.URL.Path))
	}))
	t.Cleanup(g.Server.Close)
	return g
}

func (g *gateOrigin) waitArrivals(t *testing.T, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		select {
		case <-g.arrived:
		case <-time.After(20 * time.Second):
			t.Fatalf("only %d of %d requests reached the origin at once", i, n)
		}
	}
}

func sharingWorker(t *testing.T, src string, origin string, maxVMs int) *Worker {
	t.Helper()
	host := strings.TrimPrefix(origin, "http://")
	w := newWorkerWith(t, src, Config{Name: "share", MaxVMs: maxVMs,
		// CPU for 30 subrequests under -race, which slows JavaScript ~10x.
		Limits: Limits{CPU: time.Second, Subrequests: 50},
		Vars:   map[string]string{"ORIGIN": origin},
		Fetch:  fetch.Policy{AllowHost: func(h string) bool { return h == host }}})
	t.Cleanup(w.Close)
	return w
}

// TestVMServesOthersWhileAwaitingIO: one VM holds 20 requests at once, all
// awaiting their subrequest, and they share its global state.
func TestVMServesOthersWhileAwaitingIO(t *testing.T) {
	g := newGateOrigin(t)
	w := sharingWorker(t, `let seen = 0;
		export default { async fetch(req, env) {
			const n = ++seen;
			const r = await fetch(env.ORIGIN + new URL(req.url).pathname);
			return new Response(await r.text() + " " + n + "/" + seen);
		} }`, g.URL, 1)
	const n = 20
	bodies := make(chan string, n)
	for i := 0; i < n; i++ {
		go func() {
			rec := serve(w, "/x")
			bodies <- rec.Body.String()
		}()
	}
	g.waitArrivals(t, n)
	close(g.open)
	for i := 0; i < n; i++ {
		if b := <-bodies; !strings.HasPrefix(b, "origin/x ") || !strings.HasSuffix(b, "/20") {
			t.Errorf("body %q, want origin/x k/20 (20 requests seen by the one VM)", b)
		}
	}
	g.mu.Lock()
	most := g.max
	g.mu.Unlock()
	if most != n {
		t.Errorf("the origin held %d requests at most, want %d", most, n)
	}
}

// TestSharedVMKeepsLimitsPerRequest: requests sharing a VM each get their
// own subrequest count and CPU budget, and one that breaks its limit ends
// alone: the others on the VM finish, and the next request gets a fresh VM.
func TestSharedVMKeepsLimitsPerRequest(t *testing.T) {
	g := newGateOrigin(t)
	w := sharingWorker(t, `globalThis.vmID ??= Math.random();
		export default { async fetch(req, env) {
			const path = new URL(req.url).pathname;
			if (path === "/loop") for (;;) {}
			if (path === "/id") return new Response(String(vmID));
			// 30 subrequests each: two requests make 60, over the limit of
			// 50 if they were counted together.
			const rs = await Promise.all(Array.from({ length: 30 }, (_, i) => fetch(env.ORIGIN + "/" + i)));
			for (const r of rs) await r.text();
			return new Response("ok " + vmID);
		} }`, g.URL, 1)
	before := serve(w, "/id").Body.String()

	type res struct {
		code int
		body string
	}
	results := make(chan res, 2)
	for i := 0; i < 2; i++ {
		go func() {
			rec := serve(w, "/many")
			results <- res{rec.Code, rec.Body.String()}
		}()
	}
	g.waitArrivals(t, 60)
	// While both wait on the VM, a third request on it loops forever.
	if rec := serve(w, "/loop"); rec.Code != 503 || !strings.Contains(rec.Body.String(), "verge-1102") {
		t.Errorf("loop: %d %q, want 503 verge-1102", rec.Code, rec.Body)
	}
	close(g.open)
	for i := 0; i < 2; i++ {
		if r := <-results; r.code != 200 || r.body != "ok "+before {
			t.Errorf("a request sharing the VM: %d %q, want 200 %q", r.code, r.body, "ok "+before)
		}
	}
	// The VM that ran into the limit was retired once they finished.
	if after := serve(w, "/id").Body.String(); after == before {
		t.Errorf("the VM that hit the CPU limit still serves (id %s)", after)
	}
}

// TestSlowClientDoesNotHoldTheVM: a streamed response to a client that does
// not read leaves the VM free for other requests.
func TestSlowClientDoesNotHoldTheVM(t *testing.T) {
	w := sharingWorker(t, `export default { async fetch(req) {
			if (new URL(req.url).pathname === "/fast") return new Response("fast");
			const chunk = new Uint8Array(64 << 10);
			return new Response(new ReadableStream({
				pull(c) { c.enqueue(chunk) },
			}));
		} }`, "http://127.0.0.1:1", 1)
	stuck := &blockingWriter{ResponseRecorder: httptest.NewRecorder(), release: make(chan struct{}), writing: make(chan struct{}, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Serve(stuck, httptest.NewRequest("GET", "http://example.com/stream", nil), RequestInfo{URL: "http://example.com/stream"})
	}()
	<-stuck.writing
	if rec := serve(w, "/fast"); rec.Body.String() != "fast" {
		t.Errorf("fast request beside a stuck stream: %d %q", rec.Code, rec.Body)
	}
	close(stuck.release)
	<-done
}

// blockingWriter stands for a client that stops reading: its first body
// write blocks until release.
type blockingWriter struct {
	*httptest.ResponseRecorder
	release chan struct{}
	writing chan struct{}
	once    sync.Once
}

func (b *blockingWriter) Write(p []byte) (int, error) {
	b.once.Do(func() { b.writing <- struct{}{} })
	<-b.release
	return 0, http.ErrHandlerTimeout
}

// TestProxiedBodyStreamsFromGo: a body passed on untouched (the proxy
// pattern) is copied out by Go, chunk by chunk as the origin sends it, and
// the stream it came from can no longer be read.
func TestProxiedBodyStreamsFromGo(t *testing.T) {
	next := make(chan struct{})
	origin := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/event-stream")
		for i := 0; i < 3; i++ {
			fmt.Fprintf(rw, "data: %d\n\n", i)
			rw.(http.Flusher).Flush()
			select {
			case <-next:
			case <-r.Context().Done():
				return
			}
		}
	}))
	defer origin.Close()
	w := sharingWorker(t, `export default { async fetch(req, env) {
			const r = await fetch(env.ORIGIN);
			const out = new Response(r.body, r);
			let again;
			try { await r.body.getReader().read(); again = "read twice" } catch (e) { again = e.name }
			out.headers.set("x-again", again);
			return out;
		} }`, origin.URL, 1)
	front := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.Serve(rw, r, RequestInfo{URL: "http://example.com/"})
	}))
	defer front.Close()
	resp, err := http.Get(front.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if got := resp.Header.Get("X-Again"); got != "TypeError" {
		t.Errorf("reading the passed-on stream again: %q, want TypeError", got)
	}
	rd := bufio.NewReader(resp.Body)
	for i := 0; i < 3; i++ {
		// Each event arrives while the origin still holds the next.
		line, err := rd.ReadString('\n')
		if want := fmt.Sprintf("data: %d\n", i); line != want || err != nil {
			t.Fatalf("event %d: %q %v, want %q", i, line, err, want)
		}
		rd.ReadString('\n')
		next <- struct{}{}
	}
	if rest, _ := io.ReadAll(rd); len(rest) != 0 {
		t.Errorf("trailing bytes %q", rest)
	}
}
