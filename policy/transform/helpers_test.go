package transform

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/verge-edge/verge/edgeinfo"
	"github.com/verge-edge/verge/geo"
)

// seen is what the echo handler reports about the request it received.
type seen struct {
	Path       string      `json:"path"`
	RawPath    string      `json:"raw_path"`
	Query      string      `json:"query"`
	RequestURI string      `json:"request_uri"`
	Header     http.Header `json:"header"`
}

// echo answers with the request it saw, as JSON.
func echo() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(seen{
			Path: r.URL.Path, RawPath: r.URL.EscapedPath(), Query: r.URL.RawQuery,
			RequestURI: r.RequestURI, Header: r.Header,
		})
	})
}

// testInfo is the edgeinfo the test front gives every request.
func testInfo() *edgeinfo.Info {
	return &edgeinfo.Info{
		ClientIP: netip.MustParseAddr("203.0.113.7"),
		Location: geo.Location{Country: "AR"},
		Colo:     "EZE",
		Claims:   map[string]any{"sub": "user-1", "n": 42.0, "evil": "a\r\nX-Injected: 1", "roles": []any{"a", "b"}},
	}
}

// serve starts a 127.0.0.1 server running cfg in front of next, behind a
// stand-in for the front that sets edgeinfo.
func serve(t *testing.T, cfg Config, next http.Handler) *httptest.Server {
	t.Helper()
	tr, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h := tr.Wrap(next)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(edgeinfo.With(r.Context(), testInfo())))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// noRedirects is a client that reports redirects instead of following
// them.
func noRedirects() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// do sends a request with the given headers ("Name: value" lines) and
// returns the response with its body read.
func do(t *testing.T, srv *httptest.Server, method, target string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		req.Header.Add(name, strings.TrimSpace(value))
	}
	resp, err := noRedirects().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// get sends a GET through the echo handler and decodes what it saw.
func get(t *testing.T, srv *httptest.Server, target string, headers ...string) (*http.Response, seen) {
	t.Helper()
	resp, body := do(t, srv, http.MethodGet, target, headers...)
	var s seen
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal([]byte(body), &s); err != nil {
			t.Fatalf("GET %s: %v in %q", target, err, body)
		}
	}
	return resp, s
}

func wantHeader(t *testing.T, what string, h http.Header, name string, want ...string) {
	t.Helper()
	got := h.Values(name)
	if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("%s: %s = %q, want %q", what, name, got, want)
	}
}

// serveHandler starts a 127.0.0.1 server for h.
func serveHandler(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}
