package waf

import (
	"cmp"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/verge-edge/verge/policy/ratelimit"
)

// request is one test request and whether the WAF must block it.
type request struct {
	method  string // default GET
	target  string
	headers []string
	blocked bool
}

// check sends each request to e and compares the outcome.
func check(t *testing.T, e *edge, reqs []request) {
	t.Helper()
	for _, rq := range reqs {
		resp := e.do(t, cmp.Or(rq.method, http.MethodGet), rq.target, rq.headers...)
		switch {
		case rq.blocked && resp.status != http.StatusForbidden:
			t.Errorf("%s %s %q: status %d %q, want blocked", rq.method, rq.target, rq.headers, resp.status, resp.body)
		case !rq.blocked && !resp.passed():
			t.Errorf("%s %s %q: status %d %q, want it to reach the origin", rq.method, rq.target, rq.headers, resp.status, resp.body)
		}
	}
}

func TestFields(t *testing.T) {
	const v6 = hdrClientIP + ": 2001:db8::1"
	for _, tc := range []struct {
		name, expr string
		reqs       []request
	}{
		{"method", `method == "DELETE"`, []request{
			{method: "DELETE", target: "/", blocked: true},
			{target: "/"},
		}},
		{"path", `path.startsWith("/admin")`, []request{
			{target: "/admin/users", blocked: true},
			{target: "/public/admin"},
		}},
		{"path is decoded", `path == "/a b/ü"`, []request{
			{target: "/a%20b/%C3%BC", blocked: true},
			{target: "/a%2520b/%C3%BC"},
		}},
		{"query", `query["debug"] == "1"`, []request{
			{target: "/?debug=1", blocked: true},
			{target: "/?debug=%31", blocked: true}, // decoded
			{target: "/?debug=1&debug=0", blocked: true},
			{target: "/?debug=0&debug=1"}, // the first value counts
			{target: "/"},
		}},
		{"query presence", `!("token" in query)`, []request{
			{target: "/", blocked: true},
			{target: "/?token="},
		}},
		{"url", `url == "http://example.com/p%20q?x=%2F"`, []request{
			{target: "/p%20q?x=%2F", blocked: true},
			{target: "/p%20q?x=/"},
		}},
		{"host", `host == "example.com"`, []request{
			{target: "/", headers: []string{"Host: Example.COM:8080"}, blocked: true},
			{target: "/", headers: []string{"Host: www.example.com"}},
		}},
		{"absent header reads empty", `headers["x-api-key"] != "secret"`, []request{
			{target: "/", blocked: true},
			{target: "/", headers: []string{"X-Api-Key: wrong"}, blocked: true},
			{target: "/", headers: []string{"X-Api-Key: secret"}},
		}},
		{"header names are case-insensitive, repeats joined", `headers["X-Forwarded-For"] == "198.51.100.1, 198.51.100.2"`, []request{
			{target: "/", headers: []string{"X-Forwarded-For: 198.51.100.1", "x-forwarded-for: 198.51.100.2"}, blocked: true},
			{target: "/", headers: []string{"X-Forwarded-For: 198.51.100.1"}},
		}},
		{"header presence", `has(headers.origin) && headers.origin == ""`, []request{
			{target: "/", headers: []string{"Origin:"}, blocked: true},
			{target: "/"},
		}},
		{"header iteration", `headers.exists(k, k.startsWith("x-evil-"))`, []request{
			{target: "/", headers: []string{"X-Evil-Thing: 1"}, blocked: true},
			{target: "/", headers: []string{"X-Good: 1"}},
		}},
		{"host header", `headers["host"] == "example.com"`, []request{
			{target: "/", blocked: true},
			{target: "/", headers: []string{"Host: example.org"}},
		}},
		{"cookies", `cookies["session"] == "bad"`, []request{
			{target: "/", headers: []string{"Cookie: a=1; session=bad"}, blocked: true},
			{target: "/", headers: []string{"Cookie: session=good; session=bad"}}, // the first counts
			{target: "/"},
		}},
		{"user_agent", `user_agent.lowerAscii().startsWith("curl/")`, []request{
			{target: "/", headers: []string{"User-Agent: curl/8.5.0"}, blocked: true},
			{target: "/", headers: []string{"User-Agent: Mozilla/5.0"}},
			{target: "/"},
		}},
		{"ip", `ip == "2001:db8::1"`, []request{
			{target: "/", headers: []string{v6}, blocked: true},
			{target: "/"},
		}},
		{"ip_in IPv4", `ip_in(ip, "192.0.2.0/31")`, []request{
			{target: "/", blocked: true}, // 192.0.2.1
			{target: "/", headers: []string{hdrClientIP + ": ::ffff:192.0.2.1"}, blocked: true},
			{target: "/", headers: []string{hdrClientIP + ": 192.0.2.2"}},
			{target: "/", headers: []string{v6}},
		}},
		{"ip_in IPv6 and a list", `ip_in(ip, ["10.0.0.0/8", "2001:db8::/32", "192.0.2.2"])`, []request{
			{target: "/", headers: []string{v6}, blocked: true},
			{target: "/", headers: []string{hdrClientIP + ": 192.0.2.2"}, blocked: true},
			{target: "/", headers: []string{hdrClientIP + ": 2001:db9::1"}},
			{target: "/"},
		}},
		{"ip_in ranges from a claim", `has(claims.nets) && ip_in(ip, claims.nets)`, []request{
			{target: "/", headers: []string{hdrClaims + `: {"nets": ["192.0.2.0/24"]}`}, blocked: true},
			{target: "/", headers: []string{hdrClaims + `: {"nets": ["198.51.100.0/24", "2001:db8::/32"]}`}},
			{target: "/", headers: []string{hdrClaims + `: {"nets": "192.0.2.1"}`}, blocked: true},
		}},
		{"location", `country == "DE" && continent == "EU" && city == "Berlin" && region == "Berlin" && region_code == "BE" && asn == 64501`, []request{
			{target: "/", headers: []string{hdrClientIP + ": 192.0.2.2"}, blocked: true},
			{target: "/"},
		}},
		{"unknown location", `country == "" && continent == "" && asn == 0`, []request{
			{target: "/", headers: []string{hdrClientIP + ": 203.0.113.9"}, blocked: true},
			{target: "/"},
		}},
		{"asn of IPv6", `asn in [64502, 64503]`, []request{
			{target: "/", headers: []string{v6}, blocked: true},
			{target: "/"},
		}},
		{"claims", `has(claims.role) && claims.role == "admin" && claims.level >= 3 && "ops" in claims.groups`, []request{
			{target: "/", headers: []string{hdrClaims + `: {"role": "admin", "level": 3, "groups": ["dev", "ops"]}`}, blocked: true},
			{target: "/", headers: []string{hdrClaims + `: {"role": "admin", "level": 2, "groups": ["ops"]}`}},
			{target: "/", headers: []string{hdrClaims + `: {"role": "user"}`}},
			{target: "/"},
		}},
		{"no claims", `size(claims) == 0`, []request{
			{target: "/", blocked: true},
			{target: "/", headers: []string{hdrClaims + `: {"sub": "u1"}`}},
		}},
		{"string extensions and matches", `path.matches("^/v[0-9]+/") && path.split("/").size() == 4 && query["q"].trim() == "x"`, []request{
			{target: "/v2/a/b?q=+x+", blocked: true},
			{target: "/v2/a?q=x"},
			{target: "/va/a/b?q=x"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check(t, newEdge(t, blockIf(tc.expr)), tc.reqs)
		})
	}
}

// TestNoEdgeinfo runs the WAF where no front placed the client: every
// client field is unknown, and nothing fails.
func TestNoEdgeinfo(t *testing.T) {
	w, err := New(blockIf(`ip == "" && !ip_in(ip, ["0.0.0.0/0", "::/0"]) && country == "" && asn == 0 && size(claims) == 0`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	w.Wrap(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusForbidden {
		t.Errorf("status %d, want 403", rec.Code)
	}
}

func TestBlock(t *testing.T) {
	e := newEdge(t, blockIf(`true`))
	resp := e.get(t, "/")
	if resp.status != http.StatusForbidden || resp.body != "Forbidden\n" {
		t.Errorf("got %d %q", resp.status, resp.body)
	}
	for k, v := range map[string]string{
		"Content-Type":           "text/plain; charset=utf-8",
		"Content-Length":         strconv.Itoa(len("Forbidden\n")),
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
	} {
		if got := resp.header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if n := e.reached.Load(); n != 0 {
		t.Errorf("origin reached %d times", n)
	}
	if logs := e.logs.String(); !strings.Contains(logs, `msg="waf: request blocked" rule=test action=block method=GET path=/ ip=192.0.2.1`) {
		t.Errorf("log: %s", logs)
	}

	e = newEdge(t, Config{Rules: []Rule{{Name: "slow", Expr: "true", Action: "block", Status: 429, Body: "slow down\n"}}})
	if resp := e.get(t, "/"); resp.status != http.StatusTooManyRequests || resp.body != "slow down\n" {
		t.Errorf("custom block: got %d %q", resp.status, resp.body)
	}
}

func TestAllow(t *testing.T) {
	e := newEdge(t, Config{Rules: []Rule{
		{Name: "health", Expr: `path == "/healthz"`, Action: "allow"},
		{Name: "everything", Expr: `true`, Action: "block"},
	}})
	check(t, e, []request{
		{target: "/healthz"},
		{target: "/other", blocked: true},
	})
}

// TestAllowSkipsManaged shows how to exempt clients from a managed set.
func TestAllowSkipsManaged(t *testing.T) {
	e := newEdge(t, Config{
		Rules:   []Rule{{Name: "office", Expr: `ip_in(ip, "192.0.2.2/32")`, Action: "allow"}},
		Managed: []string{"bad-bots"},
	})
	const sqlmap = "User-Agent: sqlmap/1.8"
	check(t, e, []request{
		{target: "/", headers: []string{sqlmap, hdrClientIP + ": 192.0.2.2"}},
		{target: "/", headers: []string{sqlmap}, blocked: true},
	})
}

func TestLog(t *testing.T) {
	e := newEdge(t, Config{Rules: []Rule{
		{Name: "watch-uploads", Expr: `method == "POST" && path.startsWith("/upload/")`, Action: "log"},
	}})
	check(t, e, []request{
		{method: "POST", target: "/upload/a"},
		{method: "GET", target: "/upload/b"},
	})
	logs := e.logs.String()
	if !strings.Contains(logs, `level=INFO msg="waf: rule matched" rule=watch-uploads action=log method=POST path=/upload/a ip=192.0.2.1`) {
		t.Errorf("no log line for the match: %s", logs)
	}
	if strings.Contains(logs, "/upload/b") {
		t.Errorf("a log line for a request that did not match: %s", logs)
	}
}

// TestRateLimit: a rate_limit rule counts only the requests it matches,
// refuses those over its limit with 429, and lets the others go on to
// later rules.
func TestRateLimit(t *testing.T) {
	e := newEdge(t, Config{Rules: []Rule{
		{Name: "login", Expr: `path == "/login"`, Action: "rate_limit",
			RateLimit: &ratelimit.Config{Requests: 2, Period: ratelimit.Duration(time.Hour)}},
		{Name: "after", Expr: `path == "/login"`, Action: "set_header", Header: "X-Seen", Value: "1"},
	}})
	for i := range 2 {
		r := e.get(t, "/login")
		if !r.passed() || r.header.Get("Echo-X-Seen") != "1" {
			t.Fatalf("request %d: %d %q, later rule header %q", i, r.status, r.body, r.header.Get("Echo-X-Seen"))
		}
	}
	r := e.get(t, "/login")
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("third login: %d %v", r.status, r.header)
	}
	if e.reached.Load() != 2 {
		t.Errorf("origin reached %d times, want 2", e.reached.Load())
	}
	// Other paths are not counted, and another client has its own count.
	if r := e.get(t, "/home"); !r.passed() {
		t.Errorf("/home: %d", r.status)
	}
	if r := e.get(t, "/login", hdrClientIP+": 192.0.2.9"); !r.passed() {
		t.Errorf("another client: %d", r.status)
	}
	if !strings.Contains(e.logs.String(), `msg="waf: request rate limited" rule=login action=rate_limit`) {
		t.Errorf("no log line for the refusal: %s", e.logs.String())
	}
}

// TestUsesClaims: the server orders the JWT policy before a WAF whose
// rules read claims.
func TestUsesClaims(t *testing.T) {
	for expr, want := range map[string]bool{
		`path == "/x"`: false,
		`has(claims.role) && claims.role == "admin"`: true,
		`"claims" in headers`:                        false,
	} {
		w, err := New(Config{Rules: []Rule{{Name: "r", Expr: expr, Action: "log"}}}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if w.UsesClaims() != want {
			t.Errorf("%s: UsesClaims = %v", expr, !want)
		}
	}
	w, err := New(Config{Rules: []Rule{{Name: "r", Expr: "true", Action: "rate_limit",
		RateLimit: &ratelimit.Config{Key: "claim:sub", Requests: 1, Period: ratelimit.Duration(time.Second)}}}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !w.UsesClaims() {
		t.Error("a limiter keyed by a claim: UsesClaims = false")
	}
}

func TestRedirect(t *testing.T) {
	e := newEdge(t, Config{Rules: []Rule{
		{Name: "old", Expr: `path == "/old"`, Action: "redirect", Location: "/new"},
		{Name: "moved", Expr: `host == "old.example.com"`, Action: "redirect", Location: "https://example.com/", Status: 308},
	}})
	resp := e.get(t, "/old")
	if resp.status != http.StatusFound || resp.header.Get("Location") != "/new" {
		t.Errorf("default redirect: %d to %q", resp.status, resp.header.Get("Location"))
	}
	resp = e.get(t, "/x", "Host: old.example.com")
	if resp.status != http.StatusPermanentRedirect || resp.header.Get("Location") != "https://example.com/" {
		t.Errorf("308 redirect: %d to %q", resp.status, resp.header.Get("Location"))
	}
	if n := e.reached.Load(); n != 0 {
		t.Errorf("origin reached %d times", n)
	}
	check(t, e, []request{{target: "/new"}})
}

func TestSetHeader(t *testing.T) {
	e := newEdge(t, Config{Rules: []Rule{
		{Name: "tag-eu", Expr: `continent == "EU"`, Action: "set_header", Header: "x-region", Value: "eu"},
		{Name: "sees-it", Expr: `headers["x-region"] == "eu"`, Action: "log"},
	}})
	resp := e.get(t, "/", hdrClientIP+": 192.0.2.2", "X-Region: forged-by-client")
	if !resp.passed() || resp.header.Get("Echo-X-Region") != "eu" || len(resp.header.Values("Echo-X-Region")) != 1 {
		t.Errorf("got %d, origin saw X-Region %q", resp.status, resp.header.Values("Echo-X-Region"))
	}
	if !strings.Contains(e.logs.String(), "rule=sees-it") {
		t.Errorf("the rule after set_header did not see the header: %s", e.logs)
	}
	resp = e.get(t, "/", "X-Region: from-client")
	if got := resp.header.Get("Echo-X-Region"); got != "from-client" {
		t.Errorf("no match: origin saw X-Region %q", got)
	}
}

// TestSetHeaderCopies checks that set_header leaves the request the WAF
// was given alone, as net/http asks of handlers.
func TestSetHeaderCopies(t *testing.T) {
	w, err := New(Config{Rules: []Rule{{Name: "s", Expr: "true", Action: "set_header", Header: "X-A", Value: "1"}}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	var seen string
	w.Wrap(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		seen = r.Header.Get("X-A")
	})).ServeHTTP(httptest.NewRecorder(), r)
	if seen != "1" || r.Header.Get("X-A") != "" {
		t.Errorf("next saw %q; the original request has %q", seen, r.Header.Get("X-A"))
	}
}

func TestOrder(t *testing.T) {
	e := newEdge(t, Config{Rules: []Rule{
		{Name: "l1", Expr: `true`, Action: "log"},
		{Name: "s1", Expr: `true`, Action: "set_header", Header: "X-Step", Value: "1"},
		{Name: "r1", Expr: `path == "/r"`, Action: "redirect", Location: "/elsewhere"},
		{Name: "b1", Expr: `path == "/b" && headers["x-step"] == "1"`, Action: "block", Status: 401},
		{Name: "b2", Expr: `path == "/b" || path == "/r"`, Action: "block"},
		{Name: "a1", Expr: `path != "/deny"`, Action: "allow"},
		{Name: "l2", Expr: `true`, Action: "log"},
		{Name: "b3", Expr: `true`, Action: "block"},
	}})
	if resp := e.get(t, "/r"); resp.status != http.StatusFound {
		t.Errorf("/r: %d, want the redirect, which comes before the block", resp.status)
	}
	if resp := e.get(t, "/b"); resp.status != http.StatusUnauthorized {
		t.Errorf("/b: %d, want 401 from the first block that matches", resp.status)
	}
	resp := e.get(t, "/x")
	if !resp.passed() || resp.header.Get("Echo-X-Step") != "1" {
		t.Errorf("/x: %d, X-Step %q; want allowed with the header set", resp.status, resp.header.Get("Echo-X-Step"))
	}
	if resp := e.get(t, "/deny"); resp.status != http.StatusForbidden {
		t.Errorf("/deny: %d, want the last rule's block", resp.status)
	}
	logs := e.logs.String()
	if n := strings.Count(logs, "rule=l1"); n != 4 {
		t.Errorf("l1 logged %d times, want once for each request: %s", n, logs)
	}
	if n := strings.Count(logs, "rule=l2"); n != 1 {
		t.Errorf("l2 logged %d times, want only for /deny, as allow stops the rules: %s", n, logs)
	}
}

// TestEvalErrors checks that a rule that fails on a request is skipped
// and logged, and the rules after it still run.
func TestEvalErrors(t *testing.T) {
	e := newEdge(t, Config{Rules: []Rule{
		{Name: "needs-role", Expr: `claims.role == "admin"`, Action: "block"},
		{Name: "bad-claim-range", Expr: `has(claims.net) && ip_in(ip, claims.net)`, Action: "block"},
		{Name: "not-a-number", Expr: `int(headers["x-n"]) > 5`, Action: "block"},
		{Name: "after", Expr: `path == "/after"`, Action: "block"},
	}})
	check(t, e, []request{
		{target: "/"}, // no role claim: needs-role fails
		{target: "/", headers: []string{hdrClaims + `: {"role": "admin"}`}, blocked: true},
		{target: "/", headers: []string{hdrClaims + `: {"net": "192.0.2.0/33"}`}},
		{target: "/", headers: []string{hdrClaims + `: {"net": "192.0.2.0/24"}`}, blocked: true},
		{target: "/", headers: []string{"X-N: many"}},
		{target: "/", headers: []string{"X-N: 6"}, blocked: true},
		{target: "/after", blocked: true},
	})
	logs := e.logs.String()
	for _, want := range []string{
		`level=WARN msg="waf: rule failed" rule=needs-role`,
		`level=WARN msg="waf: rule failed" rule=bad-claim-range`,
		`level=WARN msg="waf: rule failed" rule=not-a-number`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("no %q in the log: %s", want, logs)
		}
	}
}

// TestHugeHeader sends a 64 KiB header through rules and managed sets
// that read it.
func TestHugeHeader(t *testing.T) {
	big := strings.Repeat("A", 64<<10)
	e := newEdge(t, Config{
		Rules: []Rule{
			{Name: "scan", Expr: `headers.exists(k, headers[k].contains("<script"))`, Action: "log"},
			{Name: "regex", Expr: `user_agent.matches("^(A|B)+$") && cookies["c"].size() > 1000`, Action: "log"},
			{Name: "big", Expr: `size(headers["x-big"]) == 65536 && headers["x-big"].lowerAscii().endsWith("aaa")`, Action: "block"},
		},
		Managed: []string{"path-traversal", "injection", "bad-bots"},
	})
	check(t, e, []request{
		{target: "/?q=" + big[:8<<10], headers: []string{"X-Big: " + big}, blocked: true},
		{target: "/", headers: []string{"X-Other: " + big, "User-Agent: " + big, "Cookie: c=" + big}},
	})
	if !strings.Contains(e.logs.String(), "rule=regex") {
		t.Errorf("the regex rule did not match the 64 KiB User-Agent")
	}
}

func TestConfigFromTOML(t *testing.T) {
	var cfg struct {
		WAF Config `toml:"waf"`
	}
	_, err := toml.Decode(`
[waf]
managed = ["path-traversal", "injection", "bad-bots"]

[[waf.rules]]
name = "office"
expr = 'ip_in(ip, ["203.0.113.0/24", "2001:db8:1::/48"])'
action = "allow"

[[waf.rules]]
name = "admin"
expr = 'path.startsWith("/admin") && !(has(claims.role) && claims.role == "staff")'
action = "block"
status = 404
body = "Not found\n"

[[waf.rules]]
name = "old-app"
expr = 'host == "old.example.com"'
action = "redirect"
location = "https://app.example.com/"
status = 301

[[waf.rules]]
name = "tag-eu"
expr = 'continent == "EU"'
action = "set_header"
header = "X-Region"
value = "eu"
`, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Managed: []string{"path-traversal", "injection", "bad-bots"},
		Rules: []Rule{
			{Name: "office", Expr: `ip_in(ip, ["203.0.113.0/24", "2001:db8:1::/48"])`, Action: "allow"},
			{Name: "admin", Expr: `path.startsWith("/admin") && !(has(claims.role) && claims.role == "staff")`,
				Action: "block", Status: 404, Body: "Not found\n"},
			{Name: "old-app", Expr: `host == "old.example.com"`, Action: "redirect", Location: "https://app.example.com/", Status: 301},
			{Name: "tag-eu", Expr: `continent == "EU"`, Action: "set_header", Header: "X-Region", Value: "eu"},
		},
	}
	if !reflect.DeepEqual(cfg.WAF, want) {
		t.Fatalf("decoded %+v\nwant %+v", cfg.WAF, want)
	}
	if _, err := New(cfg.WAF, Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestConfigErrors(t *testing.T) {
	rule := func(r Rule) Config {
		r.Name = cmp.Or(r.Name, "r")
		r.Expr = cmp.Or(r.Expr, "true")
		r.Action = cmp.Or(r.Action, "block")
		return Config{Rules: []Rule{r}}
	}
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{rule(Rule{Expr: `path ==`}), `waf rule "r": ERROR: <input>:1:8: Syntax error`},
		{rule(Rule{Expr: `nope == 1`}), `waf rule "r": ERROR: <input>:1:1: undeclared reference to 'nope'`},
		{rule(Rule{Expr: `path + 1 == "x"`}), `waf rule "r": ERROR: <input>:1:6: found no matching overload for '_+_'`},
		{rule(Rule{Expr: `path`}), `waf rule "r": must return bool, returns string`},
		{rule(Rule{Expr: `asn + 1`}), `waf rule "r": must return bool, returns int`},
		{rule(Rule{Expr: `claims.admin`}), `waf rule "r": must return bool, returns dyn`},
		{rule(Rule{Expr: " "}), `waf rule "r": expr is missing`},
		{rule(Rule{Expr: `path.matches("(")`}), `waf rule "r": `},
		{rule(Rule{Expr: `ip_in(ip, "10.0.0.0/33")`}), `waf rule "r": ip_in: "10.0.0.0/33" is not a CIDR range`},
		{rule(Rule{Expr: `ip_in(ip, ["10.0.0.0/8", "ten"])`}), `waf rule "r": ip_in: "ten" is neither a CIDR range nor an address`},
		{rule(Rule{Action: "deny"}), `waf rule "r": unknown action "deny"`},
		{rule(Rule{Action: "rate_limit"}), `waf rule "r": a rate_limit rule needs a [rate_limit] table`},
		{rule(Rule{Action: "rate_limit", RateLimit: &ratelimit.Config{Requests: 0, Period: ratelimit.Duration(time.Second)}}), `waf rule "r": rate_limit.requests`},
		{rule(Rule{RateLimit: &ratelimit.Config{Requests: 1, Period: ratelimit.Duration(time.Second)}}), `waf rule "r": rate_limit is not used by action "block"`},
		{Config{Rules: []Rule{{Name: "r", Expr: "true"}}}, `waf rule "r": action is missing`},
		{Config{Rules: []Rule{{Expr: "true", Action: "block"}}}, `waf rule 1: name is missing`},
		{Config{Rules: []Rule{{Name: "a", Expr: "true", Action: "log"}, {Name: "a", Expr: "false", Action: "block"}}},
			`waf rule "a": another rule has this name`},
		{rule(Rule{Action: "redirect"}), `waf rule "r": a redirect needs a location`},
		{rule(Rule{Action: "redirect", Location: "/x", Status: 200}), `waf rule "r": status 200: a redirect's status must be`},
		{rule(Rule{Action: "redirect", Location: "/x\r\nSet-Cookie: a=b"}), `waf rule "r": location`},
		{rule(Rule{Status: 500}), `waf rule "r": status 500: a block's status must be a 4xx`},
		{rule(Rule{Location: "/x"}), `waf rule "r": location is not used by action "block"`},
		{rule(Rule{Action: "allow", Status: 403}), `waf rule "r": status is not used by action "allow"`},
		{rule(Rule{Action: "log", Body: "x"}), `waf rule "r": body is not used by action "log"`},
		{rule(Rule{Action: "set_header"}), `waf rule "r": a set_header rule needs a header`},
		{rule(Rule{Action: "set_header", Header: "X Y"}), `waf rule "r": header "X Y" is not a valid header name`},
		{rule(Rule{Action: "set_header", Header: "host", Value: "x"}), `waf rule "r": header Host cannot be set`},
		{rule(Rule{Action: "set_header", Header: "X-A", Value: "a\nb"}), `waf rule "r": value of header X-A`},
		{Config{Managed: []string{"sqli"}}, `waf managed: unknown managed set "sqli"`},
		{Config{Managed: []string{"bad-bots", "bad-bots"}}, `waf managed: "bad-bots" is listed twice`},
	} {
		_, err := New(tc.cfg, Options{})
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%+v:\nerror %v\nwant prefix %q", tc.cfg, err, tc.want)
		}
	}
	if _, err := New(Config{}, Options{}); err != nil {
		t.Errorf("empty config: %v", err)
	}
}

// TestConcurrent runs one WAF on many requests at once, for the race
// detector: compiled rules are shared, activations are not.
func TestConcurrent(t *testing.T) {
	w, err := New(Config{
		Rules: []Rule{
			{Name: "tag", Expr: `true`, Action: "set_header", Header: "X-Tag", Value: "1"},
			{Name: "odd", Expr: `query["n"].endsWith("1") && headers["x-tag"] == "1" && ip_in(ip, "0.0.0.0/0")`, Action: "block"},
		},
		Managed: []string{"injection"},
	}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := front(w.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				n := strconv.Itoa(g*100 + i)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?n="+n, nil))
				if want := map[bool]int{true: 403, false: 200}[strings.HasSuffix(n, "1")]; rec.Code != want {
					t.Errorf("n=%s: status %d, want %d", n, rec.Code, want)
				}
			}
		})
	}
	wg.Wait()
}
