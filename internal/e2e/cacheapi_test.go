package e2e

import (
	"strings"
	"testing"

	"github.com/verge-edge/verge/devserver"
)

// cacheWorker is the cache-aside pattern from Cloudflare's Cache API docs,
// plus probes of the API's edges.
const cacheWorker = `let computed = 0;
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const cache = caches.default;
    if (url.pathname === "/edges") {
      const out = {};
      const named = await caches.open("mine");
      out.same = named === await caches.open("mine");
      out.tag = Object.prototype.toString.call(cache);
      for (const [name, f] of [
        ["post", () => cache.put(new Request("https://x.test/a", { method: "POST" }), new Response("x"))],
        ["partial", () => cache.put("https://x.test/a", new Response("x", { status: 206 }))],
        ["varyStar", () => cache.put("https://x.test/a", new Response("x", { headers: { vary: "*" } }))],
        ["notResponse", () => cache.put("https://x.test/a", "x")],
      ]) {
        try { await f(); out[name] = "no error"; } catch (e) { out[name] = e.constructor.name + ": " + e.message; }
      }
      await named.put("https://x.test/n", new Response("named", { headers: { "cache-control": "max-age=60" } }));
      out.namedHit = await (await named.match("https://x.test/n")).text();
      out.defaultMiss = (await cache.match("https://x.test/n")) === undefined;
      await cache.put("https://x.test/nostore", new Response("x", { headers: { "cache-control": "no-store" } }));
      out.noStore = (await cache.match("https://x.test/nostore")) === undefined;
      await cache.put("https://x.test/etag", new Response("tagged", { headers: { "cache-control": "max-age=60", etag: '"t1"' } }));
      const cond = await cache.match(new Request("https://x.test/etag", { headers: { "if-none-match": '"t1"' } }));
      out.conditional = cond.status;
      const range = await cache.match(new Request("https://x.test/etag", { headers: { range: "bytes=0-2" } }));
      out.range = range.status + " " + await range.text();
      out.deleted = await named.delete("https://x.test/n");
      out.deletedAgain = await named.delete("https://x.test/n");
      out.afterDelete = (await named.match("https://x.test/n")) === undefined;
      return Response.json(out);
    }
    let response = await cache.match(request);
    if (!response) {
      computed++;
      response = new Response("computed " + url.pathname + " " + computed, {
        headers: { "cache-control": "s-maxage=60", "content-type": "text/plain" },
      });
      ctx.waitUntil(cache.put(request, response.clone()));
    }
    return response;
  },
};`

func TestCacheAPI(t *testing.T) {
	dir := writeWorker(t, map[string]string{"worker.js": cacheWorker})
	d := start(t, devserver.Options{Entry: dir + "/worker.js"})
	first := get(t, d.URL()+"/page")
	if first.body != "computed /page 1" {
		t.Fatalf("first: %q", first.body)
	}
	eventually(t, "the cached copy", func() bool {
		r := get(t, d.URL()+"/page")
		return r.body == "computed /page 1" && r.header.Get("Cf-Cache-Status") == "HIT"
	})
	// Another URL misses. (Its count depends on which VM of the pool
	// serves it, so only the path is checked.)
	if r := get(t, d.URL()+"/other"); !strings.HasPrefix(r.body, "computed /other ") {
		t.Fatalf("other URL: %q", r.body)
	}
	r := get(t, d.URL()+"/edges")
	m := r.json(t)
	want := map[string]any{
		"same":         true,
		"tag":          "[object Cache]",
		"post":         "TypeError: Cannot cache response to non-GET request.",
		"partial":      "TypeError: Cannot cache response to a range request (206 Partial Content).",
		"varyStar":     "TypeError: Cannot cache response with 'Vary: *' header.",
		"namedHit":     "named",
		"defaultMiss":  true,
		"noStore":      true,
		"conditional":  float64(304),
		"range":        "206 tag",
		"deleted":      true,
		"deletedAgain": false,
		"afterDelete":  true,
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	if s, _ := m["notResponse"].(string); !strings.HasPrefix(s, "TypeError") {
		t.Errorf("notResponse = %v", m["notResponse"])
	}
}
