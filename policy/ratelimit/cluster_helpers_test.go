package ratelimit

import (
	"testing"
	"time"
)

// testSecret is the cluster secret of the tests' PoPs.
var testSecret = []byte("0123456789abcdef0123456789abcdef")

// simPoP is one PoP of a simulated cluster: a cluster-scoped Limiter on
// a Sync without a connection. The test moves batches between PoPs by
// hand (deliver), on its own clock.
type simPoP struct {
	sync *Sync
	lim  *Limiter
}

func newSimSync(t testing.TB, cfg SyncConfig) *Sync {
	t.Helper()
	if cfg.Secret == nil {
		cfg.Secret = testSecret
	}
	s, err := newSync(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newSim(t testing.TB, pops int, cfg Config, opts Options) []*simPoP {
	t.Helper()
	cfg.Scope = ScopeCluster
	if opts.ID == "" {
		opts.ID = "route:example.com/*"
	}
	var sim []*simPoP
	for range pops {
		s := newSimSync(t, SyncConfig{})
		o := opts
		o.Sync = s
		l, err := NewLimiter(cfg, o)
		if err != nil {
			t.Fatal(err)
		}
		sim = append(sim, &simPoP{s, l})
	}
	return sim
}

// deliver flushes every PoP and hands each batch to every PoP, the
// sender included (which must ignore it), as NATS would, at now.
func deliver(t testing.TB, sim []*simPoP, now time.Time) (batches int) {
	t.Helper()
	for _, from := range sim {
		err := from.lim.cl.flush(from.sync.maxBatch, func(b []byte) error {
			batches++
			for _, to := range sim {
				if _, err := to.lim.cl.apply(b, now.UnixNano()); err != nil {
					t.Fatalf("apply: %v", err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return batches
}

// known returns the counts a cluster-scoped limiter holds for key: its
// window index, that window's count and the previous one's.
func (l *Limiter) known(key string, now time.Time) (window int64, cur, prev int32) {
	sh, s := l.store.lock(stringHash(key, l.cl.key), now.UnixNano())
	defer sh.mu.Unlock()
	return s.t, s.n, s.p
}
