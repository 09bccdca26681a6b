package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/verge-edge/verge/devserver"
)

// kvWorker exercises the Workers KV API as Cloudflare documents it.
const kvWorker = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/read") return new Response(await env.KV.get("kept") ?? "missing");
    const out = {};
    await env.KV.put("greeting", "hello");
    out.text = await env.KV.get("greeting");
    await env.KV.put("obj", JSON.stringify({ a: 1 }), { metadata: { v: 2 }, expirationTtl: 120 });
    out.json = await env.KV.get("obj", "json");
    out.meta = (await env.KV.getWithMetadata("obj", { type: "json" })).metadata;
    out.buf = new Uint8Array(await env.KV.get("greeting", "arrayBuffer")).length;
    out.stream = await new Response(await env.KV.get("greeting", { type: "stream" })).text();
    out.missing = await env.KV.get("nope");
    for (const k of ["a/1", "a/2", "b/1"]) await env.KV.put(k, new TextEncoder().encode(k));
    const l = await env.KV.list({ prefix: "a/" });
    out.list = l.keys.map((k) => k.name);
    out.complete = l.list_complete;
    const p1 = await env.KV.list({ limit: 2 });
    const p2 = await env.KV.list({ limit: 2, cursor: p1.cursor });
    out.pages = [p1.keys.map((k) => k.name), p2.keys.map((k) => k.name), p1.list_complete];
    const o = (await env.KV.list({ prefix: "obj" })).keys[0];
    out.listMeta = o.metadata;
    out.expires = o.expiration > Date.now() / 1000;
    await env.KV.delete("greeting");
    out.deleted = await env.KV.get("greeting");
    for (const [name, f] of [
      ["emptyKey", () => env.KV.put("", "x")],
      ["shortTtl", () => env.KV.put("k", "x", { expirationTtl: 10 })],
      ["badType", () => env.KV.get("k", "xml")],
    ]) {
      try { await f(); out[name] = "no error"; } catch (e) { out[name] = e.constructor.name + ": " + e.message; }
    }
    await env.KV.put("kept", "across restarts");
    return Response.json(out);
  },
};`

func TestKVBinding(t *testing.T) {
	dir := writeWorker(t, map[string]string{
		"worker.js":  kvWorker,
		"verge.toml": "name = \"kv-test\"\nmain = \"worker.js\"\nkv_namespaces = [{ binding = \"KV\", id = \"test-ns\" }]\n",
	})
	d := start(t, devserver.Options{Entry: dir})
	m := get(t, d.URL()+"/").json(t)
	want := map[string]string{
		"text":     "hello",
		"json":     "map[a:1]",
		"meta":     "map[v:2]",
		"buf":      "5",
		"stream":   "hello",
		"missing":  "<nil>",
		"list":     "[a/1 a/2]",
		"complete": "true",
		"pages":    "[[a/1 a/2] [b/1 greeting] false]",
		"listMeta": "map[v:2]",
		"expires":  "true",
		"deleted":  "<nil>",
		"badType":  "TypeError: Unknown response type.",
	}
	for k, v := range want {
		if got := fmt.Sprint(m[k]); !strings.HasPrefix(got, v) {
			t.Errorf("%s = %s, want %s", k, got, v)
		}
	}
	for _, k := range []string{"emptyKey", "shortTtl"} {
		if s, _ := m[k].(string); !strings.HasPrefix(s, "Error: KV PUT failed") {
			t.Errorf("%s = %v, want a KV PUT error", k, m[k])
		}
	}
	// The data is kept in the project's .verge/kv across restarts.
	d.Close()
	d2 := start(t, devserver.Options{Entry: dir})
	if r := get(t, d2.URL()+"/read"); r.body != "across restarts" {
		t.Errorf("after a restart: %q", r.body)
	}
}
