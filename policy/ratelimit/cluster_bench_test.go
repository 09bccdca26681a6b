package ratelimit

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/verge-edge/verge/cluster"
	"github.com/verge-edge/verge/edgeinfo"
)

// BenchmarkScope compares the cost per request of scope "pop" and
// "cluster" on the same traffic. The cluster limiters run on a real Sync
// (an embedded hub and leaf), publishing every 100 ms meanwhile, as on a
// PoP. Every request is admitted (the limit is out of reach), which is
// the cluster scope's costlier path: each admission is noted for the
// next batch. The cost is mostly SipHash in place of maphash. In
// AllowParallel the 64Ki keys outgrow the caches, and there the longer
// hash also keeps the CPU from overlapping one call's cache misses with
// the next call's, which inflates the difference: a real request, with
// microseconds of other work between two limiter calls, gets no such
// overlap in either scope.
func BenchmarkScope(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	local, err := cluster.StartLocal(ctx, b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer local.Close()
	s, err := StartSync(context.Background(), local.Leaf.Conn(), SyncConfig{Secret: testSecret})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	newPolicy := func(b *testing.B, scope, key string) *Policy {
		p, err := New(Config{Key: key, Requests: 1 << 30, Period: Duration(time.Minute), Scope: scope},
			Options{Sync: s, ID: b.Name()})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { p.Close() })
		return p
	}
	for _, scope := range []string{ScopePoP, ScopeCluster} {
		b.Run("AllowOneKey/"+scope, func(b *testing.B) {
			l := newPolicy(b, scope, "ip").Limiter()
			now := time.Now()
			b.ReportAllocs()
			for b.Loop() {
				l.Allow("203.0.113.7", now)
			}
		})
	}
	for _, scope := range []string{ScopePoP, ScopeCluster} {
		b.Run("AllowParallel/"+scope, func(b *testing.B) {
			l := newPolicy(b, scope, "ip").Limiter()
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
	for _, scope := range []string{ScopePoP, ScopeCluster} {
		b.Run("Wrap/"+scope, func(b *testing.B) {
			h := newPolicy(b, scope, "ip+path").Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			r := httptest.NewRequest(http.MethodGet, "/api/items", nil)
			r = r.WithContext(edgeinfo.With(r.Context(), &edgeinfo.Info{ClientIP: netip.MustParseAddr("2001:db8::1")}))
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				clear(w.Header())
				h.ServeHTTP(w, r)
			}
		})
	}
}

// BenchmarkApplyBatch is the receiving side: adding another PoP's batch
// of 1000 keys, per key.
func BenchmarkApplyBatch(b *testing.B) {
	l := newSim(b, 1, Config{Requests: 1 << 30, Period: Duration(time.Minute)}, Options{})[0].lim
	now := time.Now().UnixNano()
	cur := floorDiv(now, l.period)
	rng := rand.New(rand.NewPCG(1, 2))
	entries := make([]countEntry, 1000)
	for i := range entries {
		entries[i] = countEntry{rng.Uint64(), cur, 1}
	}
	var batches [][]byte
	encodeBatches(nil, 5, entries, DefaultSyncBatch, func(p []byte) { batches = append(batches, append([]byte(nil), p...)) })
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range batches {
			if _, err := l.cl.apply(p, now); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(entries)), "ns/key")
}
