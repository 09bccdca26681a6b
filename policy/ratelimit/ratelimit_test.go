package ratelimit

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

func newRecorder() *recorder { return &recorder{httptest.NewRecorder()} }

type recorder struct{ *httptest.ResponseRecorder }

func (r *recorder) code() string { return strconv.Itoa(r.Code) }

func wantHeaders(t *testing.T, w *httptest.ResponseRecorder, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := w.Header().Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
}

func TestHeadersSlidingWindow(t *testing.T) {
	e := newEdge(t, Config{Requests: 3, Period: Duration(time.Minute)})
	e.clock.set(17*time.Second + 500*time.Millisecond)
	c := req{ip: "192.0.2.1"}
	w := e.do(c)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	// 42.5 s left in the window: 43 rounded up.
	wantHeaders(t, w, map[string]string{
		"RateLimit-Policy":    `"default";q=3;w=60`,
		"RateLimit":           `"default";r=2;t=43`,
		"RateLimit-Limit":     "3",
		"RateLimit-Remaining": "2",
		"RateLimit-Reset":     "43",
	})
	if w.Header().Get("Retry-After") != "" {
		t.Error("Retry-After on an allowed request")
	}
	e.do(c)
	wantHeaders(t, e.do(c), map[string]string{"RateLimit": `"default";r=0;t=43`})

	calls := e.calls
	w = e.do(c)
	if w.Code != http.StatusTooManyRequests || e.calls != calls {
		t.Fatalf("over the limit: status %d, reached next: %v", w.Code, e.calls != calls)
	}
	// The window is full until it ends, 42.5 s from now.
	wantHeaders(t, w, map[string]string{
		"RateLimit-Policy":       `"default";q=3;w=60`,
		"RateLimit":              `"default";r=0;t=43`,
		"RateLimit-Remaining":    "0",
		"RateLimit-Reset":        "43",
		"Retry-After":            "43",
		"Content-Type":           "text/plain; charset=utf-8",
		"Content-Length":         strconv.Itoa(len(defaultBody)),
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
	})
	if w.Body.String() != defaultBody {
		t.Errorf("body %q", w.Body)
	}
}

func TestHeadersTokenBucket(t *testing.T) {
	e := newEdge(t, Config{Algorithm: TokenBucket, Requests: 1, Period: Duration(2 * time.Second), Burst: 5})
	c := req{ip: "192.0.2.1"}
	w := e.do(c)
	// The bucket is full again 2 s after one token is taken.
	wantHeaders(t, w, map[string]string{
		"RateLimit-Policy":    `"default";q=1;w=2`,
		"RateLimit":           `"default";r=4;t=2`,
		"RateLimit-Limit":     "5",
		"RateLimit-Remaining": "4",
	})
	for range 4 {
		e.do(c)
	}
	e.clock.advance(500 * time.Millisecond)
	w = e.do(c)
	wantHeaders(t, w, map[string]string{"RateLimit": `"default";r=0;t=10`, "Retry-After": "2"})
	if w.Code != http.StatusTooManyRequests {
		t.Errorf("status %d", w.Code)
	}
}

func TestHeadersSubSecond(t *testing.T) {
	e := newEdge(t, Config{Requests: 1, Period: Duration(250 * time.Millisecond)})
	e.do(req{ip: "192.0.2.1"})
	w := e.do(req{ip: "192.0.2.1"})
	// "w" cannot express 250 ms and is left out; Retry-After is at
	// least a second, as a delay-seconds of 0 would invite a retry loop.
	wantHeaders(t, w, map[string]string{
		"RateLimit-Policy": `"default";q=1`,
		"RateLimit":        `"default";r=0;t=1`,
		"Retry-After":      "1",
	})
}

func TestCustomRefusal(t *testing.T) {
	e := newEdge(t, Config{
		Requests: 1, Period: Duration(time.Second),
		Status: http.StatusServiceUnavailable, Body: `{"error":"slow down"}`, ContentType: "application/json",
	})
	e.clock.set(300 * time.Millisecond)
	e.do(req{ip: "192.0.2.1"})
	w := e.do(req{ip: "192.0.2.1"})
	if w.Code != http.StatusServiceUnavailable || w.Body.String() != `{"error":"slow down"}` {
		t.Errorf("got %d %q", w.Code, w.Body)
	}
	wantHeaders(t, w, map[string]string{"Content-Type": "application/json", "Retry-After": "1"})
}

func TestPolicyLimiterIsShared(t *testing.T) {
	p, err := New(Config{Requests: 1, Period: Duration(time.Hour)}, Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	if p.Limiter().Allow("binding-key", t0).Remaining != 0 {
		t.Error("Limiter() does not apply the policy's rate")
	}
}
