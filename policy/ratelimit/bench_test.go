package ratelimit

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/verge-edge/verge/edgeinfo"
)

// benchKeys are distinct keys, built before timing.
func benchKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "203.0." + strconv.Itoa(i>>8&0xff) + "." + strconv.Itoa(i&0xff) + "/" + strconv.Itoa(i)
	}
	return keys
}

// BenchmarkAllowParallel is many clients at once: each goroutine walks
// 64Ki keys from its own offset, so the shards see mixed traffic.
func BenchmarkAllowParallel(b *testing.B) {
	for _, algo := range []string{SlidingWindow, TokenBucket} {
		b.Run(algo, func(b *testing.B) {
			l := mustLimiter(b, Config{Algorithm: algo, Requests: 100, Period: Duration(time.Minute)})
			keys := benchKeys(1 << 16)
			now := time.Now()
			var seq atomic.Uint32
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := int(seq.Add(1)) * 7919
				for pb.Next() {
					l.Allow(keys[i&(len(keys)-1)], now)
					i++
				}
			})
		})
	}
}

// BenchmarkAllowOneKey is one client's requests in sequence.
func BenchmarkAllowOneKey(b *testing.B) {
	for _, algo := range []string{SlidingWindow, TokenBucket} {
		b.Run(algo, func(b *testing.B) {
			l := mustLimiter(b, Config{Algorithm: algo, Requests: 100, Period: Duration(time.Minute)})
			now := time.Now()
			b.ReportAllocs()
			for b.Loop() {
				l.Allow("203.0.113.7", now)
			}
		})
	}
}

// BenchmarkAllowOneKeyParallel is one hot key from every CPU: the worst
// case for the shard mutex.
func BenchmarkAllowOneKeyParallel(b *testing.B) {
	l := mustLimiter(b, Config{Requests: 100, Period: Duration(time.Minute)})
	now := time.Now()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			l.Allow("203.0.113.7", now)
		}
	})
}

// BenchmarkWrap is the HTTP policy on an "ip+path" key, headers included.
func BenchmarkWrap(b *testing.B) {
	p, err := New(Config{Key: "ip+path", Requests: 1 << 30, Period: Duration(time.Minute)}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	h := p.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	r := httptest.NewRequest(http.MethodGet, "/api/items", nil)
	r = r.WithContext(edgeinfo.With(r.Context(), &edgeinfo.Info{ClientIP: netip.MustParseAddr("2001:db8::1")}))
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		clear(w.Header())
		h.ServeHTTP(w, r)
	}
}
