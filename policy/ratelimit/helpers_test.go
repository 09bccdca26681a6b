package ratelimit

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/verge-edge/verge/edgeinfo"
)

// t0 is aligned to every window the tests use (ms, s, min, h, day), so a
// window starts at t0.
var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// clock is an injected time source a test moves by hand.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time          { return c.now }
func (c *clock) set(d time.Duration)     { c.now = t0.Add(d) }
func (c *clock) advance(d time.Duration) { c.now = c.now.Add(d) }

func mustLimiter(t testing.TB, cfg Config) *Limiter {
	t.Helper()
	l, err := NewLimiter(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// edge is a Policy in front of a handler that answers 200, with a clock.
type edge struct {
	h     http.Handler
	clock *clock
	calls int // requests that reached the handler
}

func newEdge(t testing.TB, cfg Config) *edge {
	t.Helper()
	e := &edge{clock: &clock{now: t0}}
	p, err := New(cfg, Options{Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	e.h = p.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.calls++
		w.WriteHeader(http.StatusOK)
	}))
	return e
}

// req describes one request: the client's address (set in edgeinfo, as
// the front does), its path, headers and JWT claims.
type req struct {
	ip     string
	path   string
	header http.Header
	claims map[string]any
}

func (e *edge) do(r req) *httptest.ResponseRecorder {
	if r.path == "" {
		r.path = "/"
	}
	hr := httptest.NewRequest(http.MethodGet, "http://example.com"+r.path, nil)
	for k, v := range r.header {
		hr.Header[k] = v
	}
	info := &edgeinfo.Info{Claims: r.claims}
	if r.ip != "" {
		info.ClientIP = netip.MustParseAddr(r.ip)
	}
	hr = hr.WithContext(edgeinfo.With(hr.Context(), info))
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, hr)
	return w
}

// allowed sends r n times and returns how many were answered 200.
func (e *edge) allowed(r req, n int) int {
	ok := 0
	for range n {
		if e.do(r).Code == http.StatusOK {
			ok++
		}
	}
	return ok
}

// wantResult compares the fields of a Result.
func wantResult(t *testing.T, step string, got, want Result) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %+v, want %+v", step, got, want)
	}
}
