package server

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestEdgeCacheAndPurge(t *testing.T) {
	var hits atomic.Int64
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Header().Set("ETag", `"e1"`)
		w.Header().Set("Cache-Tag", "product-"+strings.TrimPrefix(r.URL.Path, "/p/"))
		if r.Header.Get("If-None-Match") == `"e1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprintf(w, "%s #%d", r.URL.Path, n)
	}))
	defer origin.Close()
	n := startNode(t, map[string]string{
		"node.toml": `projects = ["w"]
[listen]
http = "127.0.0.1:0"
[admin]
listen = "127.0.0.1:0"
token = "s3cret"
[origins.shop]
url = "` + origin.URL + `"
[[routes]]
pattern = "shop.test/p/*"
origin = "shop"
[routes.cache]
[[routes]]
pattern = "shop.test/nocache/*"
origin = "shop"
[[routes]]
pattern = "shop.test/w/*"
worker = "w"
[routes.cache]
ttl = "1h"
`,
		"w/verge.toml": "name = \"w\"\nmain = \"worker.js\"\nroutes = [\"w.test/*\"]\n",
		"w/worker.js": `let n = 0; export default { fetch(req) {
			n++; return new Response("worker " + n, { headers: { "content-type": "text/plain" } });
		} }`,
	})
	host := map[string]string{"Host": "shop.test"}
	get := func(path string) result { return n.do("GET", n.http+path, host) }
	check := func(path, wantStatus, wantBody string) {
		t.Helper()
		r := get(path)
		if r.status != 200 || r.header.Get("CF-Cache-Status") != wantStatus || r.body != wantBody {
			t.Fatalf("%s: %d %s %q, want %s %q", path, r.status, r.header.Get("CF-Cache-Status"), r.body, wantStatus, wantBody)
		}
		if r.header.Get("Cache-Tag") != "" {
			t.Fatalf("%s: Cache-Tag reached the client", path)
		}
	}
	check("/p/1", "MISS", "/p/1 #1")
	check("/p/1", "HIT", "/p/1 #1")
	check("/p/2", "MISS", "/p/2 #2")
	// A route without [routes.cache] goes straight through.
	if r := get("/nocache/x"); r.header.Get("CF-Cache-Status") != "" || r.body != "/nocache/x #3" {
		t.Fatalf("uncached route: %q %q", r.header.Get("CF-Cache-Status"), r.body)
	}
	// Worker responses are cached under the route's TTL.
	check("/w/a", "MISS", "worker 1")
	check("/w/a", "HIT", "worker 1")

	admin := func(body, token string) (int, string) {
		req, _ := http.NewRequest("POST", n.admin+"/cache/purge", strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := admin(`{"tags":["product-1"]}`, ""); code != 401 {
		t.Fatalf("purge without token: %d", code)
	}
	if code, _ := admin(`{"tags":["product-1"]}`, "wrong"); code != 401 {
		t.Fatalf("purge with a wrong token: %d", code)
	}
	if code, body := admin(`{"tags":`, "s3cret"); code != 400 || !strings.Contains(body, "purge body") {
		t.Fatalf("malformed purge: %d %s", code, body)
	}
	if code, body := admin(`{"tagz":["x"]}`, "s3cret"); code != 400 || !strings.Contains(body, "tagz") {
		t.Fatalf("unknown field: %d %s", code, body)
	}
	if code, body := admin(`{"tags":["product-1"]}`, "s3cret"); code != 200 || !strings.Contains(body, `"purged":1`) {
		t.Fatalf("purge tag: %d %s", code, body)
	}
	check("/p/1", "MISS", "/p/1 #4")
	check("/p/2", "HIT", "/p/2 #2")
	if code, body := admin(`{"prefixes":["http://shop.test/w/"]}`, "s3cret"); code != 200 || !strings.Contains(body, `"purged":1`) {
		t.Fatalf("purge prefix: %d %s", code, body)
	}
	check("/w/a", "MISS", "worker 2")
	if code, body := admin(`{"files":["http://shop.test/p/2"]}`, "s3cret"); code != 200 || !strings.Contains(body, `"purged":1`) {
		t.Fatalf("purge file: %d %s", code, body)
	}
	check("/p/2", "MISS", "/p/2 #5")

	// The last miss is stored as its body finishes streaming, which can be
	// just after the client has it.
	deadline := time.Now().Add(5 * time.Second)
	for {
		req, _ := http.NewRequest("GET", n.admin+"/cache/stats", nil)
		req.Header.Set("Authorization", "Bearer s3cret")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if m := decode(t, string(b)); m["memory_entries"].(float64) == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stats: %s", b)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The HTTP/2 listener shares the cache.
	if r := n.do("GET", n.http+"/p/2", host); r.header.Get("CF-Cache-Status") != "HIT" {
		t.Fatalf("second read: %s", r.header.Get("CF-Cache-Status"))
	}
}

func TestAdminConfigErrors(t *testing.T) {
	for _, tc := range []struct{ toml, want string }{
		{"[listen]\nhttp = \"127.0.0.1:0\"\n[admin]\nlisten = \"0.0.0.0:9901\"\n", "admin.listen: 0.0.0.0:9901 is not loopback: set admin.token"},
		{"[listen]\nhttp = \"127.0.0.1:0\"\n[admin]\nlisten = \"nope\"\n", "admin.listen"},
		{"[listen]\nhttp = \"127.0.0.1:0\"\n[[routes]]\npattern = \"*/*\"\nworker = \"a\"\norigin = \"b\"\n", `routes[0].origin: no origin named "b"`},
		{"[listen]\nhttp = \"127.0.0.1:0\"\n[origins.o]\nurl = \"http://127.0.0.1:1\"\n[[routes]]\npattern = \"*/*\"\norigin = \"o\"\n[routes.cache]\nttl = \"soon\"\n", "node.toml:9: routes.cache.ttl: time: invalid duration"},
		{"[listen]\nhttp = \"127.0.0.1:0\"\n[cache]\nmemory_mb = -1\n", "cache: sizes must not be negative"},
	} {
		_, err := ParseNode([]byte(tc.toml), t.TempDir(), "node.toml")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.toml, err, tc.want)
		}
	}
}

// TestCacheAPIThroughHosts runs the Cache API in isolate hosts, whose
// store is the front's cache, reached over the services connection.
func TestCacheAPIThroughHosts(t *testing.T) {
	const w = `let n = 0; export default { async fetch(req, env, ctx) {
		const u = new URL(req.url);
		const key = "https://shared.test" + u.pathname;
		if (u.searchParams.has("delete")) return new Response(String(await caches.default.delete(key)));
		let r = await caches.default.match(key);
		if (r) return new Response(env.NAME + " cached " + await r.text());
		n++;
		await caches.default.put(key, new Response(env.NAME + " v" + n, { headers: { "cache-control": "max-age=60" } }));
		return new Response(env.NAME + " fresh v" + n);
	} }`
	// The first request loads the Cache API's scripts into the VM, on its
	// CPU time: under the race detector, more than the default 50 ms.
	const limits = "[limits]\ncpu_ms = 2000\n"
	n := startNode(t, map[string]string{
		"node.toml":    "projects = [\"a\", \"b\"]\n[hosts]\ncount = 2\n[listen]\nhttp = \"127.0.0.1:0\"\n",
		"a/verge.toml": "name = \"a\"\nmain = \"w.js\"\nroutes = [\"a.test/*\"]\n[vars]\nNAME = \"a\"\n" + limits,
		"a/w.js":       w,
		"b/verge.toml": "name = \"b\"\nmain = \"w.js\"\nroutes = [\"b.test/*\"]\n[vars]\nNAME = \"b\"\n" + limits,
		"b/w.js":       w,
	})
	get := func(host, path string) string {
		t.Helper()
		r := n.do("GET", n.http+path, map[string]string{"Host": host})
		if r.status != 200 {
			t.Fatalf("%s%s: %d %s", host, path, r.status, r.body)
		}
		return r.body
	}
	steps := []struct{ host, path, want string }{
		{"a.test", "/x", "a fresh v1"},
		{"a.test", "/x", "a cached a v1"},
		// The same key in another worker's caches.default is not shared.
		{"b.test", "/x", "b fresh v1"},
		{"b.test", "/x", "b cached b v1"},
		{"a.test", "/x?delete", "true"},
		{"a.test", "/x?delete", "false"},
		{"b.test", "/x", "b cached b v1"},
	}
	for _, s := range steps {
		if got := get(s.host, s.path); got != s.want {
			t.Fatalf("%s%s = %q, want %q", s.host, s.path, got, s.want)
		}
	}
	// a's VMs may be on either host: a miss now means the entry is gone.
	if got := get("a.test", "/x"); !strings.Contains(got, "fresh") {
		t.Fatalf("after delete: %q", got)
	}
}
