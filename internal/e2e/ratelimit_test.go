package e2e

import (
	"fmt"
	"testing"

	"github.com/verge-edge/verge/devserver"
)

// limitWorker uses a rate limiting binding the way Cloudflare's docs do,
// and probes its errors.
const limitWorker = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/edges") {
      const out = { tag: Object.prototype.toString.call(env.LIMITER) };
      for (const [name, f] of [
        ["noArg", () => env.LIMITER.limit()],
        ["numberKey", () => env.LIMITER.limit({ key: 1 })],
        ["construct", () => new env.LIMITER.constructor()],
      ]) {
        try { await f(); out[name] = "no error"; } catch (e) { out[name] = e.constructor.name; }
      }
      return Response.json(out);
    }
    const { success } = await env.LIMITER.limit({ key: url.searchParams.get("user") });
    if (!success) return new Response("429 Failure – rate limit exceeded", { status: 429 });
    return new Response("ok");
  },
};`

func TestRateLimitBinding(t *testing.T) {
	dir := writeWorker(t, map[string]string{
		"worker.js": limitWorker,
		"verge.toml": `name = "limited"
main = "worker.js"
[[ratelimits]]
name = "LIMITER"
namespace_id = "1001"
simple = { limit = 3, period = 60 }
`,
	})
	d := start(t, devserver.Options{Entry: dir})
	var got []int
	for _, user := range []string{"a", "a", "a", "a", "b"} {
		got = append(got, get(t, d.URL()+"/?user="+user).status)
	}
	if fmt.Sprint(got) != "[200 200 200 429 200]" {
		t.Errorf("statuses %v, want three for a, then a refused, then b through", got)
	}
	m := get(t, d.URL()+"/edges").json(t)
	for k, want := range map[string]string{"tag": "[object RateLimit]", "noArg": "TypeError", "numberKey": "TypeError", "construct": "TypeError"} {
		if m[k] != want {
			t.Errorf("%s = %v, want %s", k, m[k], want)
		}
	}
}
