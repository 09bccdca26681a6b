package waf

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/verge-edge/verge/edgeinfo"
	"github.com/verge-edge/verge/geo"
)

// benchRules are 20 rules of the kinds routes write. None matches the
// benchmark's request, so every one of them runs.
var benchRules = []Rule{
	{Name: "office", Expr: `ip_in(ip, ["203.0.113.0/24", "198.51.100.0/24", "2001:db8:1::/48"])`, Action: "allow"},
	{Name: "countries", Expr: `country in ["RU", "KP", "IR"]`, Action: "block"},
	{Name: "antarctica", Expr: `continent == "AN"`, Action: "block"},
	{Name: "networks", Expr: `asn in [64496, 64497, 64498]`, Action: "block"},
	{Name: "trace", Expr: `method == "TRACE" || method == "TRACK"`, Action: "block"},
	{Name: "admin", Expr: `path.startsWith("/admin") && !(has(claims.role) && claims.role == "admin")`, Action: "block"},
	{Name: "wordpress", Expr: `path.matches("^/wp-(admin|login|content)")`, Action: "block"},
	{Name: "php", Expr: `path.endsWith(".php")`, Action: "block"},
	{Name: "leaked-key", Expr: `headers["x-api-key"] == "leaked-key-123"`, Action: "block"},
	{Name: "scripts", Expr: `user_agent.lowerAscii().contains("python-requests")`, Action: "log"},
	{Name: "cookie-size", Expr: `size(headers["cookie"]) > 8192`, Action: "block"},
	{Name: "debug", Expr: `query["debug"] == "true" && !ip_in(ip, "10.0.0.0/8")`, Action: "block"},
	{Name: "forwarded-host", Expr: `"x-forwarded-host" in headers && headers["x-forwarded-host"] != host`, Action: "block"},
	{Name: "old-host", Expr: `host == "old.example.com"`, Action: "redirect", Location: "https://example.com/"},
	{Name: "session", Expr: `cookies["session"].startsWith("deleted")`, Action: "block"},
	{Name: "nul", Expr: `url.contains("%00")`, Action: "block"},
	{Name: "spam", Expr: `headers["referer"].matches("(?i)casino|viagra")`, Action: "block"},
	{Name: "post-type", Expr: `method == "POST" && headers["content-type"] == ""`, Action: "block"},
	{Name: "place", Expr: `city == "Nowhere" && region == "Nowhere"`, Action: "block"},
	{Name: "banned", Expr: `has(claims.sub) && claims.sub in ["banned-1", "banned-2"]`, Action: "block"},
}

// benchRequest is a browser's API call, as the front leaves it.
func benchRequest() *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://example.com/api/v1/items?page=2&sort=name", nil)
	for k, v := range map[string]string{
		"User-Agent":      "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0",
		"Accept":          "application/json",
		"Accept-Language": "en-US,en;q=0.5",
		"Accept-Encoding": "gzip, deflate, br",
		"Cookie":          "session=abc123; theme=dark",
		"Referer":         "https://example.com/items",
		"X-Request-Id":    "5f0c6f1e-8a7b-4c1d-9e2f-3a4b5c6d7e8f",
	} {
		r.Header.Set(k, v)
	}
	return r.WithContext(edgeinfo.With(r.Context(), &edgeinfo.Info{
		ClientIP: netip.MustParseAddr("192.0.2.1"),
		Location: geo.Location{Country: "US", Continent: "NA", City: "San Francisco", Region: "California", ASN: 64500},
		Claims:   map[string]any{"sub": "user-1", "role": "user"},
	}))
}

// nopWriter is a ResponseWriter that costs nothing.
type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *nopWriter) WriteHeader(int)             {}

func benchWAF(b *testing.B, cfg Config) {
	w, err := New(cfg, Options{})
	if err != nil {
		b.Fatal(err)
	}
	reached := 0
	h := w.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached++ }))
	r, rw := benchRequest(), &nopWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(rw, r)
	}
	if reached == 0 {
		b.Fatal("the request never reached next")
	}
}

func BenchmarkWAF20Rules(b *testing.B) {
	if len(benchRules) != 20 {
		b.Fatalf("%d rules", len(benchRules))
	}
	benchWAF(b, Config{Rules: benchRules})
}

func BenchmarkWAFManaged(b *testing.B) {
	benchWAF(b, Config{Managed: []string{"path-traversal", "injection", "bad-bots"}})
}

func BenchmarkWAF20RulesAndManaged(b *testing.B) {
	benchWAF(b, Config{Rules: benchRules, Managed: []string{"path-traversal", "injection", "bad-bots"}})
}
