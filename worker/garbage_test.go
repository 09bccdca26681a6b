package worker

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/verge-edge/verge/webapi/fetch"
)

// TestNoCyclicGarbage checks that warm requests leave no garbage that only
// QuickJS's cycle collector frees: such garbage makes every VM run a full
// collection (a walk of its whole heap) every few hundred requests. Before
// Request and Response kept their state in private fields instead of a
// WeakMap, a hello-world request left 2.9 KB of it; a URL and its
// searchParams pointed at each other (1 KB).
func TestNoCyclicGarbage(t *testing.T) {
	p, err := NewPrelude()
	if err != nil {
		t.Fatal(err)
	}
	workers := map[string]string{
		"modules":        `export default { fetch() { return new Response("Hello from the Edge") } }`,
		"service-worker": `addEventListener("fetch", e => e.respondWith(new Response("hi")))`,
		"json+headers+cf": `export default { async fetch(r) {
			return Response.json({ u: new URL(r.url).pathname, h: Object.fromEntries(r.headers), c: r.cf }) } }`,
		"stream": `export default { fetch() {
			let n = 0;
			return new Response(new ReadableStream({ pull(c) { if (n++ < 3) c.enqueue(new Uint8Array(10)); else c.close(); } })) } }`,
		"waitUntil+crypto": `export default { async fetch(r, env, ctx) {
			ctx.waitUntil(new Promise((r) => setTimeout(r, 1)));
			return new Response(await crypto.subtle.digest("SHA-256", new TextEncoder().encode("x"))) } }`,
		"bodies": `export default { async fetch(r) {
			return new Response((await r.text()) + (await new Response("x").arrayBuffer()).byteLength) } }`,
		"url+searchParams": `export default { fetch(r) {
			const u = new URL(r.url); u.searchParams.set("a", "b"); return new Response(u.href + u.searchParams.get("a")) } }`,
		"subrequest": `export default { async fetch() {
			const r = await fetch("ORIGIN/a"); return new Response((await r.text()) + (await fetch("ORIGIN/b")).status) } }`,
		"subrequest passed through": `export default { fetch(r) { return fetch(new Request("ORIGIN/c", r)) } }`,
	}
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("from the origin")) }))
	defer origin.Close()
	for name, src := range workers {
		t.Run(name, func(t *testing.T) {
			code, err := buildSource(strings.ReplaceAll(src, "ORIGIN", origin.URL))
			if err != nil {
				t.Fatal(err)
			}
			w, err := New(Config{Name: "gc", Prelude: p, Code: code, Log: discardLog(), MaxVMs: 1,
				Fetch: fetch.Policy{AllowHost: func(string) bool { return true }}})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			req := httptest.NewRequest("GET", "http://example.com/", nil)
			req.Header.Set("X-A", "1")
			info := RequestInfo{URL: "http://example.com/", CFJSON: `{"country":"US"}`}
			serve := func() {
				rec := httptest.NewRecorder()
				w.Serve(rec, req, info)
				if rec.Code != 200 {
					t.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
			serve() // first use fills caches and loads lazy areas
			// Taking the VM from the pool waits for its waitUntil work.
			iso := takeIdle(w)
			iso.vm.RunGC()
			// No collection may run in between and hide what is left.
			iso.vm.SetGCThreshold(1 << 30)
			putIdle(w, iso)
			const n = 50
			for i := 0; i < n; i++ {
				serve()
			}
			iso = takeIdle(w)
			defer func() { putIdle(w, iso) }()
			before := iso.vm.MemoryUsage()
			iso.vm.RunGC()
			if cyclic := (before - iso.vm.MemoryUsage()) / n; cyclic > 64 {
				t.Errorf("each request left %d bytes that only the cycle collector frees", cyclic)
			}
		})
	}
}
