package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestWorkerAwaitingOriginServesOthers: through verge serve (at most 4 VMs
// per worker in a host), 24 requests whose worker awaits a slow origin are
// all at the origin at once: a VM awaiting I/O serves other requests.
// (Without that, 8 got there.)
func TestWorkerAwaitingOriginServesOthers(t *testing.T) {
	const n = 24
	open := make(chan struct{})
	arrived := make(chan struct{}, n)
	var mu sync.Mutex
	inFlight, most := 0, 0
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		arrived <- struct{}{}
		select {
		case <-open:
		case <-r.Context().Done():
		}
		mu.Lock()
		inFlight--
		mu.Unlock()
		w.Write([]byte("origin " + r.URL.Path))
	}))
	defer origin.Close()
	nd := startNode(t, map[string]string{
		"node.toml": "projects = [\"app\"]\n[listen]\nhttp = \"127.0.0.1:0\"\n",
		// A generous CPU limit: -race slows JavaScript ~10x, and a short
		// entry into it is charged wall time (engine's interruptState),
		// which 24 requests on one core stretch.
		"app/verge.toml": "name = \"app\"\nmain = \"worker.js\"\nroutes = [\"app.test/*\"]\norigin = \"" + origin.URL + "\"\n[limits]\ncpu_ms = 2000\n",
		"app/worker.js": `export default { async fetch(req) {
			const r = await fetch(req);
			return new Response((await r.text()).toUpperCase());
		} }`,
	})
	bodies := make(chan string, n)
	for i := 0; i < n; i++ {
		go func() {
			req, _ := http.NewRequest("GET", nd.http+"/wait", nil)
			req.Host = "app.test"
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				bodies <- err.Error()
				return
			}
			defer resp.Body.Close()
			var b strings.Builder
			buf := make([]byte, 64)
			for {
				k, err := resp.Body.Read(buf)
				b.Write(buf[:k])
				if err != nil {
					break
				}
			}
			bodies <- b.String()
		}()
	}
	for i := 0; i < n; i++ {
		select {
		case <-arrived:
		case <-time.After(30 * time.Second):
			close(open)
			t.Fatalf("only %d of %d requests reached the origin at once", i, n)
		}
	}
	close(open)
	for i := 0; i < n; i++ {
		if b := <-bodies; b != "ORIGIN /WAIT" {
			t.Errorf("body %q", b)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if most != n {
		t.Errorf("the origin held %d requests at most, want %d", most, n)
	}
}
