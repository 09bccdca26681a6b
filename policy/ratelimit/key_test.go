package ratelimit

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func keyConfig(key string) Config {
	return Config{Key: key, Requests: 2, Period: Duration(time.Minute)}
}

func TestKeyIP(t *testing.T) {
	e := newEdge(t, keyConfig(""))
	a, b := req{ip: "192.0.2.1"}, req{ip: "192.0.2.2"}
	if n := e.allowed(a, 5); n != 2 {
		t.Errorf("client a: %d allowed, want 2", n)
	}
	if n := e.allowed(b, 5); n != 2 {
		t.Errorf("client b: %d allowed, want its own 2", n)
	}
	if n := e.allowed(req{ip: "::ffff:192.0.2.1"}, 1); n != 0 {
		t.Error("an IPv4-mapped IPv6 address is a different client")
	}
}

func TestKeyIPv6By64(t *testing.T) {
	e := newEdge(t, keyConfig("ip"))
	if n := e.allowed(req{ip: "2001:db8:1:2::1"}, 1) + e.allowed(req{ip: "2001:db8:1:2:ffff::9"}, 5); n != 2 {
		t.Errorf("one /64: %d allowed, want 2 in all", n)
	}
	if n := e.allowed(req{ip: "2001:db8:1:3::1"}, 5); n != 2 {
		t.Errorf("another /64: %d allowed, want 2", n)
	}
}

func TestKeyIPWithoutEdgeinfo(t *testing.T) {
	p, err := New(keyConfig("ip"), Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	h := p.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	codes := ""
	for _, addr := range []string{"192.0.2.1:1000", "192.0.2.1:2000", "192.0.2.1:3000", "192.0.2.2:1000"} {
		r, _ := http.NewRequest(http.MethodGet, "http://example.com/", nil)
		r.RemoteAddr = addr
		w := newRecorder()
		h.ServeHTTP(w, r)
		codes += " " + w.code()
	}
	// The peer's address, without its port, is the key.
	if codes != " 200 200 429 200" {
		t.Errorf("codes%s, want 200 200 429 200", codes)
	}
}

func TestKeyHeader(t *testing.T) {
	e := newEdge(t, keyConfig("header:x-api-key"))
	k1 := http.Header{"X-Api-Key": {"k1"}}
	// One key from two addresses shares a quota.
	if n := e.allowed(req{ip: "192.0.2.1", header: k1}, 1) + e.allowed(req{ip: "192.0.2.2", header: k1}, 5); n != 2 {
		t.Errorf("key k1: %d allowed, want 2", n)
	}
	if n := e.allowed(req{ip: "192.0.2.1", header: http.Header{"X-Api-Key": {"k2"}}}, 5); n != 2 {
		t.Errorf("key k2: %d allowed, want 2", n)
	}
	// Every value counts, so a second line is another key.
	if n := e.allowed(req{ip: "192.0.2.1", header: http.Header{"X-Api-Key": {"k1", "x"}}}, 5); n != 2 {
		t.Errorf("key k1+x: %d allowed, want 2", n)
	}
}

func TestKeyHeaderMissingFallsBackToIP(t *testing.T) {
	e := newEdge(t, keyConfig("header:X-Api-Key"))
	noKey := req{ip: "192.0.2.1"}
	if n := e.allowed(noKey, 5); n != 2 {
		t.Errorf("without the header: %d allowed, want 2 (by address)", n)
	}
	if n := e.allowed(req{ip: "192.0.2.1", header: http.Header{"X-Api-Key": {""}}}, 1); n != 0 {
		t.Error("an empty header should count as missing, under the same address")
	}
	if n := e.allowed(req{ip: "192.0.2.2"}, 5); n != 2 {
		t.Errorf("another address without the header: %d allowed, want 2", n)
	}
	// Naming the exhausted client's address in the header is a key of
	// its own, not that client's fallback bucket.
	if n := e.allowed(req{ip: "192.0.2.9", header: http.Header{"X-Api-Key": {"192.0.2.1"}}}, 5); n != 2 {
		t.Errorf("header naming an address: %d allowed, want 2", n)
	}
}

func TestKeyClaim(t *testing.T) {
	e := newEdge(t, keyConfig("claim:sub"))
	u1 := map[string]any{"sub": "user-1"}
	if n := e.allowed(req{ip: "192.0.2.1", claims: u1}, 1) + e.allowed(req{ip: "192.0.2.2", claims: u1}, 5); n != 2 {
		t.Errorf("user-1: %d allowed, want 2", n)
	}
	if n := e.allowed(req{ip: "192.0.2.1", claims: map[string]any{"sub": "user-2"}}, 5); n != 2 {
		t.Errorf("user-2: %d allowed, want 2", n)
	}
	if n := e.allowed(req{ip: "192.0.2.1", claims: map[string]any{"sub": float64(42)}}, 5); n != 2 {
		t.Errorf("numeric sub: %d allowed, want 2", n)
	}
	// No claims (no JWT policy ran), or an object claim: by address.
	if n := e.allowed(req{ip: "192.0.2.3"}, 1) + e.allowed(req{ip: "192.0.2.3", claims: map[string]any{"sub": map[string]any{}}}, 5); n != 2 {
		t.Errorf("without the claim: %d allowed, want 2 by address", n)
	}
}

func TestKeyPath(t *testing.T) {
	e := newEdge(t, keyConfig("path"))
	if n := e.allowed(req{ip: "192.0.2.1", path: "/a?x=1"}, 1) + e.allowed(req{ip: "192.0.2.2", path: "/a?x=2"}, 5); n != 2 {
		t.Errorf("/a: %d allowed, want 2 (query ignored)", n)
	}
	if n := e.allowed(req{ip: "192.0.2.1", path: "/b"}, 5); n != 2 {
		t.Errorf("/b: %d allowed, want 2", n)
	}
}

func TestKeyCombination(t *testing.T) {
	e := newEdge(t, keyConfig("ip+path"))
	for _, r := range []req{
		{ip: "192.0.2.1", path: "/a"},
		{ip: "192.0.2.1", path: "/b"},
		{ip: "192.0.2.2", path: "/a"},
	} {
		if n := e.allowed(r, 5); n != 2 {
			t.Errorf("%s %s: %d allowed, want 2", r.ip, r.path, n)
		}
	}

	e = newEdge(t, keyConfig(" claim:sub + header:X-Tenant "))
	r := req{ip: "192.0.2.1", claims: map[string]any{"sub": "u"}, header: http.Header{"X-Tenant": {"t1"}}}
	if n := e.allowed(r, 5); n != 2 {
		t.Errorf("u/t1: %d allowed, want 2", n)
	}
	r.header = http.Header{"X-Tenant": {"t2"}}
	if n := e.allowed(r, 5); n != 2 {
		t.Errorf("u/t2: %d allowed, want 2", n)
	}
	// A part missing sends the whole request to the address fallback.
	r.header = nil
	if n := e.allowed(r, 5); n != 2 {
		t.Errorf("u without tenant: %d allowed, want 2 by address", n)
	}
}

func TestKeyPartsAreDelimited(t *testing.T) {
	e := newEdge(t, keyConfig("header:A+header:B"))
	ab := req{ip: "192.0.2.1", header: http.Header{"A": {"x"}, "B": {"yz"}}}
	if n := e.allowed(ab, 5); n != 2 {
		t.Fatalf("%d allowed, want 2", n)
	}
	ab.header = http.Header{"A": {"xy"}, "B": {"z"}}
	if n := e.allowed(ab, 5); n != 2 {
		t.Errorf("x|yz and xy|z share a key: %d allowed", n)
	}
}

func TestParseKeyErrors(t *testing.T) {
	for _, key := range []string{"ipp", "header:", "header:bad name", "claim:", "ip+", "+path", "ip+ip", "header:a+header:A", "cookie:x"} {
		_, err := New(keyConfig(key), Options{})
		if err == nil {
			t.Errorf("key %q accepted", key)
			continue
		}
		if !strings.HasPrefix(err.Error(), "rate_limit.key: ") {
			t.Errorf("key %q: error %q does not name rate_limit.key", key, err)
		}
	}
}
