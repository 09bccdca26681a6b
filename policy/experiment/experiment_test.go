package experiment

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// withinWeights checks counts against weights, within ±3% of the total.
func withinWeights(t *testing.T, counts map[string]int, weights map[string]int) {
	t.Helper()
	n, sum := 0, 0
	for _, c := range counts {
		n += c
	}
	for _, w := range weights {
		sum += w
	}
	for name, w := range weights {
		got := float64(counts[name]) / float64(n)
		want := float64(w) / float64(sum)
		if math.Abs(got-want) > 0.03 {
			t.Errorf("%s: %.2f%% of %d, want %.2f%% ± 3%%", name, got*100, n, want*100)
		}
	}
	for name := range counts {
		if _, ok := weights[name]; !ok {
			t.Errorf("unexpected variant %q", name)
		}
	}
}

func TestSplitOverHTTP(t *testing.T) {
	srv, _ := serve(t, Config{Experiments: []Experiment{threeWay("header:X-User")}})
	client := srv.Client()
	counts := map[string]int{}
	for i := range 10000 {
		_, s := get(t, client, srv, fmt.Sprintf("X-User: user-%d", i))
		v := s.Variants["checkout"]
		if h := s.Header.Get("X-Verge-Experiment-Checkout"); h != v {
			t.Fatalf("header %q, edgeinfo %q", h, v)
		}
		counts[v]++
	}
	withinWeights(t, counts, map[string]int{"control": 50, "blue": 30, "green": 20})
}

func TestPickDistribution(t *testing.T) {
	for _, weights := range [][]int{{1, 1}, {1, 99}, {99, 1}, {10, 0, 90}, {1, 2, 3, 4, 5}, {333, 333, 334}} {
		x := &experiment{name: "exp", first: 0}
		want := map[string]int{}
		for i, w := range weights {
			name := fmt.Sprint("v", i)
			x.variants = append(x.variants, Variant{Name: name, Weight: w})
			x.total += uint64(w)
			want[name] = w
		}
		counts := map[string]int{}
		for i := range 10000 {
			counts[x.variants[x.pick(fmt.Sprint("key-", i))].Name]++
		}
		if weights[1] == 0 && counts["v1"] != 0 {
			t.Errorf("%v: weight 0 variant got %d", weights, counts["v1"])
		}
		delete(want, "v1")
		if weights[1] != 0 {
			want["v1"] = weights[1]
		}
		withinWeights(t, counts, want)
	}
}

// TestSplitIndependent checks that two experiments split the same keys
// independently: the hash is salted with the experiment's name.
func TestSplitIndependent(t *testing.T) {
	a := &experiment{name: "a", variants: []Variant{{Name: "x", Weight: 1}, {Name: "y", Weight: 1}}, total: 2}
	b := &experiment{name: "b", variants: a.variants, total: 2}
	same := 0
	for i := range 10000 {
		k := fmt.Sprint("key-", i)
		if a.pick(k) == b.pick(k) {
			same++
		}
	}
	if same < 4700 || same > 5300 {
		t.Errorf("%d of 10000 keys in the same arm of both experiments, want about 5000", same)
	}
}

func TestCookieSticky(t *testing.T) {
	srv, _ := serve(t, Config{Experiments: []Experiment{threeWay("")}})
	client := srv.Client()

	resp, first := get(t, client, srv)
	cookies := resp.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("first visit: %d cookies, want 1: %v", len(cookies), resp.Header["Set-Cookie"])
	}
	c := cookies[0]
	id, variant, _ := strings.Cut(c.Value, ".")
	if c.Name != "verge-exp-checkout" || !validID(id) || variant != first.Variants["checkout"] {
		t.Errorf("cookie %s=%s for variant %q", c.Name, c.Value, first.Variants["checkout"])
	}
	if c.MaxAge != 30*24*3600 || c.Path != "/" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
		t.Errorf("cookie attributes: %+v", c)
	}

	for range 5 {
		resp, s := get(t, client, srv, "Cookie: "+c.Name+"="+c.Value)
		if s.Variants["checkout"] != variant || s.Header.Get("X-Verge-Experiment-Checkout") != variant {
			t.Errorf("returning client: variant %q, want %q", s.Variants["checkout"], variant)
		}
		if sc := resp.Header["Set-Cookie"]; len(sc) != 0 {
			t.Errorf("returning client got Set-Cookie %v", sc)
		}
	}
}

// TestCookieHonoredOverHash checks that a cookie naming a variant in
// rotation wins over what the id hashes to, as after a weight change.
func TestCookieHonoredOverHash(t *testing.T) {
	srv, e := serve(t, Config{Experiments: []Experiment{threeWay("")}})
	x := e.byName["checkout"]
	id := "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	hashed := x.variants[x.pick(id)].Name
	for _, v := range []string{"control", "blue", "green"} {
		resp, s := get(t, srv.Client(), srv, "Cookie: verge-exp-checkout="+id+"."+v)
		if s.Variants["checkout"] != v {
			t.Errorf("cookie for %s (hash says %s): got %s", v, hashed, s.Variants["checkout"])
		}
		if len(resp.Cookies()) != 0 {
			t.Errorf("cookie for %s renewed", v)
		}
	}
}

func TestForgedCookieReassigned(t *testing.T) {
	exp := threeWay("")
	exp.Variants = append(exp.Variants, Variant{Name: "retired", Weight: 0})
	srv, e := serve(t, Config{Experiments: []Experiment{exp}})
	x := e.byName["checkout"]
	id := "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	hashed := x.variants[x.pick(id)].Name

	tests := []struct {
		cookie string
		sameID bool // the id is kept, so the assignment is the hash's
	}{
		{id + ".admin", true},   // unknown variant
		{id + ".retired", true}, // out of rotation
		{id, true},              // no variant
		{"not-an-id.control", false},
		{"abcdefghijklmnopqrstuvwxyz.control", false}, // lower case: not ours
		{"", false},
	}
	for _, tt := range tests {
		resp, s := get(t, srv.Client(), srv, "Cookie: verge-exp-checkout="+tt.cookie)
		v := s.Variants["checkout"]
		cs := resp.Cookies()
		if len(cs) != 1 {
			t.Errorf("cookie %q: %d cookies set, want 1", tt.cookie, len(cs))
			continue
		}
		newID, newVariant, _ := strings.Cut(cs[0].Value, ".")
		if newVariant != v || v == "retired" || !validID(newID) {
			t.Errorf("cookie %q: set %q for variant %q", tt.cookie, cs[0].Value, v)
		}
		if tt.sameID && (newID != id || v != hashed) {
			t.Errorf("cookie %q: got %s.%s, want the id kept and %s", tt.cookie, newID, v, hashed)
		}
		if !tt.sameID && newID == id {
			t.Errorf("cookie %q: id reused", tt.cookie)
		}
	}
}

// TestCookieSplit checks that new clients, whose ids are random, split by
// weight. It calls the handler directly: 10,000 loopback round trips
// would add nothing.
func TestCookieSplit(t *testing.T) {
	e, err := New(Config{Experiments: []Experiment{threeWay("cookie")}})
	if err != nil {
		t.Fatal(err)
	}
	h := front(e.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	counts := map[string]int{}
	for range 10000 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		_, v, _ := strings.Cut(rec.Result().Cookies()[0].Value, ".")
		counts[v]++
	}
	withinWeights(t, counts, map[string]int{"control": 50, "blue": 30, "green": 20})
}

func TestStickyIP(t *testing.T) {
	srv, _ := serve(t, Config{Experiments: []Experiment{threeWay("ip")}})
	client := srv.Client()
	variantOf := func(ip string) string {
		resp, s := get(t, client, srv, "X-Test-Ip: "+ip)
		if len(resp.Cookies()) != 0 {
			t.Errorf("ip stickiness set a cookie")
		}
		return s.Variants["checkout"]
	}
	counts := map[string]int{}
	for i := range 200 {
		ip := fmt.Sprintf("198.51.%d.%d", i/100, i%100)
		v := variantOf(ip)
		counts[v]++
		if again := variantOf(ip); again != v {
			t.Errorf("%s: %s then %s", ip, v, again)
		}
	}
	if len(counts) != 3 {
		t.Errorf("200 addresses in %d variants: %v", len(counts), counts)
	}
	// One IPv6 /64 is one client.
	want := variantOf("2001:db8:1:2::1")
	for _, ip := range []string{"2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2:ffff::9"} {
		if got := variantOf(ip); got != want {
			t.Errorf("%s: %s, want %s as for the rest of its /64", ip, got, want)
		}
	}
}

func TestStickyClaim(t *testing.T) {
	srv, _ := serve(t, Config{Experiments: []Experiment{threeWay("claim:sub")}})
	client := srv.Client()
	counts := map[string]int{}
	for i := range 300 {
		claims := fmt.Sprintf(`X-Test-Claims: {"sub":"user-%d"}`, i)
		_, a := get(t, client, srv, claims)
		_, b := get(t, client, srv, claims, "X-Test-Ip: 203.0.113.9") // another address
		if a.Variants["checkout"] != b.Variants["checkout"] {
			t.Errorf("user-%d: %s then %s", i, a.Variants["checkout"], b.Variants["checkout"])
		}
		counts[a.Variants["checkout"]]++
	}
	if len(counts) != 3 {
		t.Errorf("300 users in %d variants", len(counts))
	}
	// Numeric claims work too; no claim means the first variant.
	_, s := get(t, client, srv, `X-Test-Claims: {"sub":12345}`)
	if s.Variants["checkout"] == "" {
		t.Error("numeric claim: no variant")
	}
	for range 20 {
		if _, s := get(t, client, srv); s.Variants["checkout"] != "control" {
			t.Errorf("no claim: %q, want the first variant", s.Variants["checkout"])
		}
	}
}

func TestStickyHeader(t *testing.T) {
	srv, _ := serve(t, Config{Experiments: []Experiment{threeWay("header:x-user")}})
	client := srv.Client()
	for i := range 50 {
		u := fmt.Sprintf("X-User: u%d", i)
		_, a := get(t, client, srv, u)
		_, b := get(t, client, srv, u)
		if a.Variants["checkout"] != b.Variants["checkout"] {
			t.Errorf("u%d: %s then %s", i, a.Variants["checkout"], b.Variants["checkout"])
		}
	}
}

func TestForgedHeadersRemoved(t *testing.T) {
	exp := threeWay("header:X-User")
	exp.Header = "X-Checkout"
	srv, _ := serve(t, Config{
		Experiments: []Experiment{exp},
		Flags:       []Flag{{Name: "beta", Default: false}},
	})
	_, s := get(t, srv.Client(), srv,
		"X-User: someone", "X-Checkout: green", "X-Checkout: blue",
		`X-Verge-Flags: {"beta":true,"admin":true}`, "X-Verge-Experiment-Checkout: kept")
	if got := s.Header.Values("X-Checkout"); len(got) != 1 || got[0] != s.Variants["checkout"] {
		t.Errorf("experiment header %q, variant %q", got, s.Variants["checkout"])
	}
	if got := s.Header.Values("X-Verge-Flags"); len(got) != 1 || got[0] != `{"beta":false}` {
		t.Errorf("flags header %q", got)
	}
	// Not an experiment header here (header was renamed): untouched.
	if s.Header.Get("X-Verge-Experiment-Checkout") != "kept" {
		t.Errorf("an unrelated header was removed")
	}

	// With no flags configured, a client's flags header still goes.
	srv, _ = serve(t, Config{})
	_, s = get(t, srv.Client(), srv, `X-Verge-Flags: {"admin":true}`)
	if got := s.Header.Values("X-Verge-Flags"); len(got) != 0 {
		t.Errorf("forged flags header passed: %q", got)
	}
}

func TestVariantLookup(t *testing.T) {
	srv, e := serve(t, Config{Experiments: []Experiment{threeWay("header:X-User")}})
	seenVariants := map[string]Variant{}
	for i := range 100 {
		_, s := get(t, srv.Client(), srv, fmt.Sprintf("X-User: %d", i))
		v := s.Chosen["checkout"]
		if v.Name != s.Variants["checkout"] {
			t.Fatalf("Variant %+v, edgeinfo %q", v, s.Variants["checkout"])
		}
		seenVariants[v.Name] = v
	}
	if seenVariants["blue"].Origin != "blue-origin" || seenVariants["green"].PathPrefix != "/green" {
		t.Errorf("variants: %+v", seenVariants)
	}
	if v, ok := e.Lookup("checkout", "green"); !ok || v.PathPrefix != "/green" {
		t.Errorf("Lookup green: %+v %v", v, ok)
	}
	if _, ok := e.Lookup("checkout", "nope"); ok {
		t.Error("Lookup of an unknown variant succeeded")
	}
	if _, ok := e.Lookup("nope", "green"); ok {
		t.Error("Lookup in an unknown experiment succeeded")
	}
	if _, ok := e.Variant(httptest.NewRequest(http.MethodGet, "/", nil), "checkout"); ok {
		t.Error("Variant of a request Wrap never saw succeeded")
	}
}

// TestWithoutFront checks that Wrap works for a request without edgeinfo,
// and that Variant then still reads the choice.
func TestWithoutFront(t *testing.T) {
	e, err := New(Config{Experiments: []Experiment{threeWay("ip")}})
	if err != nil {
		t.Fatal(err)
	}
	var got Variant
	h := e.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = e.Variant(r, "checkout")
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got.Name == "" {
		t.Error("no variant without edgeinfo")
	}
}
