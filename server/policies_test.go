package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// recordingOrigin is a test origin that counts hits per path and echoes
// what the edge sent it.
type recordingOrigin struct {
	*httptest.Server
	hits atomic.Int64
	mu   sync.Mutex
	last *http.Request
}

func newRecordingOrigin(t *testing.T, name string) *recordingOrigin {
	o := &recordingOrigin{}
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.hits.Add(1)
		io.Copy(io.Discard, r.Body)
		o.mu.Lock()
		o.last = r.Clone(r.Context())
		o.mu.Unlock()
		w.Header().Set("Server", "test-origin")
		w.Header().Set("Cache-Control", "max-age=60")
		fmt.Fprintf(w, "%s %s", name, r.URL.RequestURI())
	}))
	t.Cleanup(o.Close)
	return o
}

func (o *recordingOrigin) lastHeader(name string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.last == nil {
		return ""
	}
	return o.last.Header.Get(name)
}

// The client addresses, as a trusted proxy (the test's 127.0.0.1) says.
const (
	clientAR = "181.1.2.3"
	clientDE = "2.16.0.1"
)

func TestGeoAccessAndWAFRoutes(t *testing.T) {
	o := newRecordingOrigin(t, "origin")
	const secret = "0123456789abcdef0123456789abcdef"
	n := startNode(t, map[string]string{"node.toml": `[listen]
http = "127.0.0.1:0"
[geo]
db = ["` + writeCityDB(t) + `", "` + writeASNDB(t) + `"]
trusted_proxies = ["127.0.0.0/8"]
[origins.o]
url = "` + o.URL + `"

[[routes]]
pattern = "geo.test/*"
origin = "o"
[routes.geo_access]
deny_countries = ["DE"]
status = 451
body = "not here\n"

[[routes]]
pattern = "waf.test/*"
origin = "o"
[routes.waf]
managed = ["path-traversal", "bad-bots"]
[[routes.waf.rules]]
name = "admin-from-ar-only"
expr = 'path.startsWith("/admin") && country != "AR"'
action = "block"
[[routes.waf.rules]]
name = "tag-continent"
expr = 'continent == "SA" && ip_in(ip, "181.0.0.0/12") && headers["x-probe"] == "1" && method == "GET" && query["q"] == "x" && cookies["c"] == "v" && host == "waf.test" && user_agent.startsWith("test")'
action = "set_header"
header = "X-Edge-Tag"
value = "sa"

[[routes]]
pattern = "claims.test/*"
origin = "o"
[routes.jwt]
secret = "` + secret + `"
algorithms = ["HS256"]
[[routes.waf.rules]]
name = "the-rest"
expr = 'url == "http://claims.test/p?x=1" && city == "Buenos Aires" && region == "Buenos Aires region" && region_code == "A" && asn == 7303 && has(claims.role) && claims.role == "staff"'
action = "set_header"
header = "X-Edge-Tag"
value = "all"
`})
	get := func(host, path, client string, hdr map[string]string) result {
		h := map[string]string{"Host": host, "X-Forwarded-For": client, "User-Agent": "test-client"}
		for k, v := range hdr {
			h[k] = v
		}
		return n.do("GET", n.http+path, h)
	}

	// Geo access: a German client is refused with the configured answer
	// and never reaches the origin.
	if r := get("geo.test", "/", clientAR, nil); r.status != 200 {
		t.Fatalf("AR client: %d %q", r.status, r.body)
	}
	before := o.hits.Load()
	if r := get("geo.test", "/", clientDE, nil); r.status != 451 || r.body != "not here\n" {
		t.Fatalf("DE client: %d %q", r.status, r.body)
	}
	if o.hits.Load() != before {
		t.Error("a refused request reached the origin")
	}

	// WAF: managed sets and CEL rules over geo, path and the request.
	for _, c := range []struct {
		name, path, client string
		hdr                map[string]string
		status             int
	}{
		{"clean", "/page", clientDE, nil, 200},
		{"traversal", "/static/..%2f..%2fetc/passwd", clientAR, nil, 403},
		{"no user agent", "/page", clientAR, map[string]string{"User-Agent": ""}, 403},
		{"scanner", "/page", clientAR, map[string]string{"User-Agent": "sqlmap/1.7"}, 403},
		{"admin from DE", "/admin", clientDE, nil, 403},
		{"admin from AR", "/admin", clientAR, nil, 200},
	} {
		before := o.hits.Load()
		r := get("waf.test", c.path, c.client, c.hdr)
		if r.status != c.status {
			t.Errorf("%s: %d %q, want %d", c.name, r.status, r.body, c.status)
		}
		if c.status == 403 && o.hits.Load() != before {
			t.Errorf("%s: a blocked request reached the origin", c.name)
		}
	}
	r := get("waf.test", "/t?q=x", clientAR, map[string]string{"X-Probe": "1", "Cookie": "c=v"})
	if r.status != 200 || o.lastHeader("X-Edge-Tag") != "sa" {
		t.Errorf("set_header rule over every field: %d, origin saw X-Edge-Tag %q", r.status, o.lastHeader("X-Edge-Tag"))
	}
	get("waf.test", "/t?q=y", clientAR, map[string]string{"X-Probe": "1", "Cookie": "c=v"})
	if o.lastHeader("X-Edge-Tag") != "" {
		t.Error("set_header rule matched a request it should not")
	}
	// The remaining fields: url, city, region, region_code, asn and JWT
	// claims (the JWT check runs first because the rule reads claims).
	tok, err := jws.Sign([]byte(fmt.Sprintf(`{"role":"staff","exp":%d}`, time.Now().Add(time.Hour).Unix())), jws.WithKey(jwa.HS256(), []byte(secret)))
	if err != nil {
		t.Fatal(err)
	}
	r = get("claims.test", "/p?x=1", clientAR, map[string]string{"Authorization": "Bearer " + string(tok)})
	if r.status != 200 || o.lastHeader("X-Edge-Tag") != "all" {
		t.Errorf("rule over url, city, region, region_code, asn, claims: %d, origin saw %q", r.status, o.lastHeader("X-Edge-Tag"))
	}
	if r := get("claims.test", "/p?x=1", clientAR, nil); r.status != 401 {
		t.Errorf("without a token: %d", r.status)
	}
	// A 20 KiB header value goes through every rule without harm.
	if r := get("waf.test", "/page", clientAR, map[string]string{"X-Big": strings.Repeat("x", 20<<10)}); r.status != 200 {
		t.Errorf("20 KiB header: %d", r.status)
	}
}

// TestRateLimitRoute puts concurrent load from two clients on a limited
// route: each gets exactly its quota through, the rest are refused with
// 429 and never reach the origin. The limit runs before authentication,
// so a flood without tokens is counted too.
func TestRateLimitRoute(t *testing.T) {
	o := newRecordingOrigin(t, "origin")
	const secret = "0123456789abcdef0123456789abcdef"
	n := startNode(t, map[string]string{"node.toml": `[listen]
http = "127.0.0.1:0"
[geo]
trusted_proxies = ["127.0.0.0/8"]
[origins.o]
url = "` + o.URL + `"

[[routes]]
pattern = "rl.test/*"
origin = "o"
[routes.rate_limit]
requests = 5
period = "1h"

[[routes]]
pattern = "auth.test/*"
origin = "o"
[routes.rate_limit]
requests = 3
period = "1h"
[routes.jwt]
secret = "` + secret + `"
algorithms = ["HS256"]

[[routes]]
pattern = "user.test/*"
origin = "o"
[routes.rate_limit]
key = "claim:sub"
requests = 2
period = "1h"
[routes.jwt]
secret = "` + secret + `"
algorithms = ["HS256"]
`})
	var wg sync.WaitGroup
	var mu sync.Mutex
	// Filled before any request goroutine reads it.
	got := map[string]map[int]int{"192.0.2.1": {}, "192.0.2.2": {}}
	var retryAfter atomic.Value
	for _, client := range []string{"192.0.2.1", "192.0.2.2"} {
		for range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := n.do("GET", n.http+"/", map[string]string{"Host": "rl.test", "X-Forwarded-For": client})
				mu.Lock()
				got[client][r.status]++
				mu.Unlock()
				if r.status == 429 {
					retryAfter.Store(r.header.Get("Retry-After") + "|" + r.header.Get("RateLimit-Policy"))
				}
			}()
		}
	}
	wg.Wait()
	for client, statuses := range got {
		if statuses[200] != 5 || statuses[429] != 35 {
			t.Errorf("client %s: %v, want 5 OK and 35 refused", client, statuses)
		}
	}
	if o.hits.Load() != 10 {
		t.Errorf("origin reached %d times, want 10", o.hits.Load())
	}
	if v, _ := retryAfter.Load().(string); strings.HasPrefix(v, "|") || strings.HasPrefix(v, "0") || !strings.Contains(v, `"default";q=5;w=3600`) {
		t.Errorf("429 fields Retry-After|RateLimit-Policy = %q", v)
	}

	// Requests without a token count against the route's limit: the
	// limiter runs before the JWT check.
	var statuses []int
	for range 4 {
		statuses = append(statuses, n.do("GET", n.http+"/", map[string]string{"Host": "auth.test"}).status)
	}
	if fmt.Sprint(statuses) != "[401 401 401 429]" {
		t.Errorf("unauthenticated flood: %v, want three 401 then 429", statuses)
	}

	// A limiter keyed by a claim runs after the JWT check, per user.
	sign := func(sub string) string {
		tok, err := jws.Sign([]byte(fmt.Sprintf(`{"sub":%q,"exp":%d}`, sub, time.Now().Add(time.Hour).Unix())), jws.WithKey(jwa.HS256(), []byte(secret)))
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + string(tok)
	}
	statuses = nil
	for _, sub := range []string{"u1", "u1", "u1", "u2"} {
		statuses = append(statuses, n.do("GET", n.http+"/", map[string]string{"Host": "user.test", "Authorization": sign(sub)}).status)
	}
	if fmt.Sprint(statuses) != "[200 200 429 200]" {
		t.Errorf("per-user limit: %v, want u1 twice, u1 refused, u2 through", statuses)
	}
}

// TestExperimentsAndFlags: variants are sticky by cookie, pick their
// origin and path prefix without code, are cached apart, and reach workers
// as request.cf.experiments; flags follow their targeting rules.
func TestExperimentsAndFlags(t *testing.T) {
	v1 := newRecordingOrigin(t, "v1")
	v2 := newRecordingOrigin(t, "v2")
	n := startNode(t, map[string]string{
		"node.toml": `projects = ["echo"]
[listen]
http = "127.0.0.1:0"
[geo]
db = ["` + writeCityDB(t) + `"]
trusted_proxies = ["127.0.0.0/8"]
[origins.v1]
url = "` + v1.URL + `"
[origins.v2]
url = "` + v2.URL + `"

[[routes]]
pattern = "shop.test/*"
origin = "v1"
[routes.cache]
[[routes.experiments]]
name = "checkout"
[[routes.experiments.variants]]
name = "control"
weight = 50
[[routes.experiments.variants]]
name = "new"
weight = 50
origin = "v2"
path_prefix = "/v2"
[[routes.flags]]
name = "new_search"
default = false
[[routes.flags.rules]]
countries = ["AR"]
value = true

[[routes]]
pattern = "app.test/*"
worker = "echo"
[[routes.experiments]]
name = "hero"
sticky = "ip"
[[routes.experiments.variants]]
name = "a"
weight = 1
[[routes.flags]]
name = "banner"
default = "none"
`,
		"echo/verge.toml": "name = \"echo\"\nmain = \"worker.js\"\nroutes = [\"echo.test/*\"]\n",
		"echo/worker.js":  echoWorker,
	})
	// Visitors without a cookie are split between the variants, each
	// given a cookie naming its variant.
	cookies := map[string]string{}
	for i := 0; i < 60 && len(cookies) < 2; i++ {
		r := n.do("GET", n.http+"/cart", map[string]string{"Host": "shop.test", "X-Forwarded-For": clientAR})
		c := r.header.Get("Set-Cookie")
		name, value, _ := strings.Cut(strings.Split(c, ";")[0], "=")
		_, variant, _ := strings.Cut(value, ".")
		if name != "verge-exp-checkout" || (variant != "control" && variant != "new") {
			t.Fatalf("Set-Cookie %q", c)
		}
		cookies[variant] = name + "=" + value
	}
	if len(cookies) != 2 {
		t.Fatalf("60 visitors all got the same variant: %v", cookies)
	}
	want := map[string]string{"control": "v1 /cart", "new": "v2 /v2/cart"}
	for _, round := range []string{"MISS", "HIT"} {
		for variant, cookie := range cookies {
			r := n.do("GET", n.http+"/cart", map[string]string{"Host": "shop.test", "Cookie": cookie, "X-Forwarded-For": clientAR})
			// The first round may already be a HIT from the visits above.
			if r.body != want[variant] || (round == "HIT" && r.header.Get("CF-Cache-Status") != "HIT") {
				t.Errorf("%s round, variant %s: %q %s", round, variant, r.body, r.header.Get("CF-Cache-Status"))
			}
			if r.header.Get("Set-Cookie") != "" {
				t.Errorf("a sticky visitor got a new cookie: %s", r.header.Get("Set-Cookie"))
			}
		}
	}
	n.do("GET", n.http+"/fresh", map[string]string{"Host": "shop.test", "Cookie": cookies["new"], "X-Forwarded-For": clientAR})
	if got := v2.lastHeader("X-Verge-Experiment-checkout"); got != "new" {
		t.Errorf("origin saw variant header %q", got)
	}
	if got := v2.lastHeader("X-Verge-Flags"); got != `{"new_search":true}` {
		t.Errorf("origin saw flags %q for an AR client", got)
	}
	n.do("GET", n.http+"/fresh2", map[string]string{"Host": "shop.test", "Cookie": cookies["new"], "X-Forwarded-For": clientDE, "X-Verge-Flags": `{"new_search":true}`})
	if got := v2.lastHeader("X-Verge-Flags"); got != `{"new_search":false}` {
		t.Errorf("origin saw flags %q for a DE client forging the header", got)
	}

	// Workers read the variants and flags in request.cf.
	r := n.do("GET", n.http+"/", map[string]string{"Host": "app.test", "X-Forwarded-For": clientAR})
	cf := decode(t, r.body)["cf"].(map[string]any)
	if fmt.Sprint(cf["experiments"]) != "map[hero:a]" || fmt.Sprint(cf["flags"]) != "map[banner:none]" {
		t.Errorf("request.cf experiments %v, flags %v", cf["experiments"], cf["flags"])
	}
	// A route without experiments leaves them undefined.
	r = n.do("GET", n.http+"/", map[string]string{"Host": "echo.test"})
	if cf := decode(t, r.body)["cf"].(map[string]any); cf["experiments"] != nil || cf["flags"] != nil {
		t.Errorf("request.cf on a route without experiments: %v %v", cf["experiments"], cf["flags"])
	}
}

func TestTransformRoute(t *testing.T) {
	o := newRecordingOrigin(t, "origin")
	n := startNode(t, map[string]string{"node.toml": `colo = "EZE"
[listen]
http = "127.0.0.1:0"
[origins.o]
url = "` + o.URL + `"

[[routes]]
pattern = "tx.test/*"
origin = "o"
[routes.transform.request_headers]
remove = ["X-Debug"]
set = { "X-Edge" = "{colo}" }
[routes.transform.response_headers]
remove = ["Server"]
set = { "X-Frame-Options" = "DENY" }
[[routes.transform.redirects]]
from = '^/old/(.*)$'
to = "/new/$1"
status = 308
[[routes.transform.rewrites]]
from = '^/api/v1/(.*)$'
to = "/v1/$1"
[routes.transform.cors]
allow_origins = ["https://app.example.com"]
allow_methods = ["GET", "PUT"]
`})
	r := n.do("GET", n.http+"/old/a/b", map[string]string{"Host": "tx.test"})
	if r.status != 308 || r.header.Get("Location") != "/new/a/b" {
		t.Errorf("redirect: %d %q", r.status, r.header.Get("Location"))
	}
	r = n.do("GET", n.http+"/api/v1/users?x=1", map[string]string{"Host": "tx.test", "X-Debug": "1", "Origin": "https://app.example.com"})
	if r.body != "origin /v1/users?x=1" || o.lastHeader("X-Edge") != "EZE" || o.lastHeader("X-Debug") != "" {
		t.Errorf("rewrite: %q, origin saw X-Edge %q X-Debug %q", r.body, o.lastHeader("X-Edge"), o.lastHeader("X-Debug"))
	}
	if r.header.Get("Server") != "" || r.header.Get("X-Frame-Options") != "DENY" ||
		r.header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("response headers: %v", r.header)
	}
	before := o.hits.Load()
	r = n.do("OPTIONS", n.http+"/api/v1/users", map[string]string{"Host": "tx.test", "Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT"})
	if r.status != 204 || !strings.Contains(r.header.Get("Access-Control-Allow-Methods"), "PUT") || o.hits.Load() != before {
		t.Errorf("preflight: %d %v (origin hits %d -> %d)", r.status, r.header, before, o.hits.Load())
	}
}

func TestPolicyConfigErrors(t *testing.T) {
	base := "[listen]\nhttp = \"127.0.0.1:0\"\n[origins.o]\nurl = \"http://127.0.0.1:1\"\n[[routes]]\npattern = \"*/*\"\norigin = \"o\"\n"
	for table, want := range map[string]string{
		"[[routes.waf.rules]]\nname = \"bad\"\nexpr = \"path ==\"\naction = \"block\"\n":                                       `routes[0]: waf rule "bad": ERROR`,
		"[routes.rate_limit]\nkey = \"claim:sub\"\nrequests = 1\nperiod = \"1s\"\n":                                            "routes[0]: waf or rate_limit reads JWT claims: add a [routes.jwt] table",
		"[routes.rate_limit]\nrequests = 1\nperiod = \"fortnight\"\n":                                                          "period",
		"[routes.geo_access]\nstatus = 403\n":                                                                                  "routes[0]: geo_access: give at least one",
		"[[routes.experiments]]\nname = \"x\"\n[[routes.experiments.variants]]\nname = \"a\"\nweight = 1\norigin = \"nope\"\n": `routes[0]: experiments[0].variants[0].origin: no origin named "nope"`,
		"[[routes.transform.rewrites]]\nfrom = \"(\"\nto = \"/x\"\n":                                                           "routes[0]: transform",
	} {
		_, err := buildNode(t, base+table)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s\nerror %v\nwant %q", table, err, want)
		}
	}
}

// buildNode parses src and builds a server from it, as verge serve does
// before it listens.
func buildNode(t *testing.T, src string) (*Server, error) {
	t.Helper()
	cfg, err := ParseNode([]byte(src), t.TempDir(), "node.toml")
	if err != nil {
		return nil, err
	}
	cfg.Hosts.Count, cfg.Hosts.User = 1, "root"
	srv, err := New(cfg, Options{HostCommand: []string{os.Args[0]}, HostEnv: []string{"VERGE_TEST_HOST=1"},
		Log: slog.New(slog.DiscardHandler)})
	if err == nil {
		t.Cleanup(func() { srv.Shutdown(context.Background()) })
	}
	return srv, err
}

// TestRateLimitBindingThroughHosts: env.LIMITER.limit({ key }) in an
// isolate host counts in the front, over the services connection. Two
// workers naming the same namespace id count apart: a tenant cannot spend
// another's quota.
func TestRateLimitBindingThroughHosts(t *testing.T) {
	const code = `export default { async fetch(req, env) {
		const { success } = await env.LIMITER.limit({ key: new URL(req.url).searchParams.get("user") });
		return new Response(success ? "ok" : "limited", { status: success ? 200 : 429 });
	} }`
	project := func(name string) string {
		return "name = \"" + name + "\"\nmain = \"worker.js\"\nroutes = [\"" + name + ".test/*\"]\n" +
			"[[ratelimits]]\nname = \"LIMITER\"\nnamespace_id = \"1001\"\nsimple = { limit = 2, period = 60 }\n"
	}
	n := startNode(t, map[string]string{
		"node.toml":    "projects = [\"a\", \"b\"]\n[listen]\nhttp = \"127.0.0.1:0\"\n",
		"a/verge.toml": project("a"),
		"a/worker.js":  code,
		"b/verge.toml": project("b"),
		"b/worker.js":  code,
	})
	var got []int
	for _, host := range []string{"a", "a", "a", "b", "b", "b"} {
		got = append(got, n.do("GET", n.http+"/?user=u1", map[string]string{"Host": host + ".test"}).status)
	}
	if fmt.Sprint(got) != "[200 200 429 200 200 429]" {
		t.Errorf("statuses %v, want two through per worker", got)
	}
}

// TestKVThroughHosts: a worker in an isolate host reads and writes Workers
// KV kept by the node (embedded NATS), over the services connection; two
// workers binding one namespace id share it.
func TestKVThroughHosts(t *testing.T) {
	const writer = `export default { async fetch(req, env) {
		const key = new URL(req.url).searchParams.get("k");
		await env.STORE.put(key, "v-" + key, { metadata: { by: "writer" } });
		return new Response("ok");
	} }`
	const reader = `export default { async fetch(req, env) {
		const { value, metadata } = await env.STORE.getWithMetadata(new URL(req.url).searchParams.get("k"));
		const list = await env.STORE.list();
		return Response.json({ value, metadata, keys: list.keys.map((k) => k.name) });
	} }`
	project := func(name string) string {
		return "name = \"" + name + "\"\nmain = \"worker.js\"\nroutes = [\"" + name + ".test/*\"]\nkv_namespaces = [{ binding = \"STORE\", id = \"shared\" }]\n"
	}
	n := startNode(t, map[string]string{
		"node.toml":    "projects = [\"w\", \"r\"]\n[listen]\nhttp = \"127.0.0.1:0\"\n",
		"w/verge.toml": project("w"),
		"w/worker.js":  writer,
		"r/verge.toml": project("r"),
		"r/worker.js":  reader,
	})
	for _, k := range []string{"b", "a"} {
		if r := n.do("GET", n.http+"/?k="+k, map[string]string{"Host": "w.test"}); r.status != 200 {
			t.Fatalf("put %s: %d %q", k, r.status, r.body)
		}
	}
	r := n.do("GET", n.http+"/?k=a", map[string]string{"Host": "r.test"})
	m := decode(t, r.body)
	if fmt.Sprintf("%v %v %v", m["value"], m["metadata"], m["keys"]) != "v-a map[by:writer] [a b]" {
		t.Errorf("reader got %s", r.body)
	}
}
