package ratelimit

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

func TestKeyCapBoundsMemory(t *testing.T) {
	l, err := NewLimiter(Config{Requests: 5, Period: Duration(time.Hour)}, Options{MaxKeys: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100_000 {
		l.Allow("client-"+strconv.Itoa(i), t0)
		if i%10_000 == 0 && l.Len() > 10_000 {
			t.Fatalf("after %d keys: %d held, cap 10000", i+1, l.Len())
		}
	}
	n := l.Len()
	if n > 10_000 {
		t.Fatalf("%d keys held, cap 10000", n)
	}
	// Shares are rounded down per shard; the table must still be used
	// almost to the cap, not thrashing a small part of it.
	if n < 9_900 {
		t.Errorf("%d keys held, want close to the cap 10000", n)
	}
	var slots int
	for i := range l.store.shards {
		slots += len(l.store.shards[i].slots)
	}
	if slots > 10_000 {
		t.Errorf("%d slots allocated for a cap of 10000", slots)
	}
}

func TestIdleKeysAreSwept(t *testing.T) {
	l := mustLimiter(t, Config{Requests: 5, Period: Duration(time.Second)})
	for i := range 1000 {
		l.Allow("old-"+strconv.Itoa(i), t0)
	}
	// Still within two periods: nothing is dropped.
	for i := range 1000 {
		l.Allow("new-"+strconv.Itoa(i), t0.Add(2*time.Second))
	}
	if n := l.Len(); n != 2000 {
		t.Fatalf("%d keys after 2 periods, want 2000", n)
	}
	// Past two periods of idleness, and the sixteenth of slack, the old
	// keys go as the shards are used.
	for i := range 1000 {
		l.Allow("new-"+strconv.Itoa(i), t0.Add(2*time.Second+2*time.Second/16+time.Millisecond))
	}
	if n := l.Len(); n != 1000 {
		t.Errorf("%d keys after the old ones idled 2 periods, want 1000", n)
	}
}

func TestTokenBucketIdleIsRefillTime(t *testing.T) {
	// A bucket of 100 refilled at 1/s needs 100 s, more than 2 periods.
	l := mustLimiter(t, Config{Algorithm: TokenBucket, Requests: 1, Period: Duration(time.Second), Burst: 100})
	for range 100 {
		l.Allow("k", t0)
	}
	// Traffic on other keys at 50 s must not drop "k" with an empty-ish
	// bucket, which would hand it a full one.
	for i := range 2000 {
		l.Allow(strconv.Itoa(i), t0.Add(50*time.Second))
	}
	ok := 0
	for range 100 {
		if l.Allow("k", t0.Add(50*time.Second)).Allowed {
			ok++
		}
	}
	if ok != 50 {
		t.Errorf("%d allowed after 50 s, want 50 tokens", ok)
	}
}

// TestLRUEviction fills one shard and checks which key a new one evicts.
func TestLRUEviction(t *testing.T) {
	st := newStore(3*maxShards, int64(24*time.Hour)) // 64 shards of 3
	if len(st.shards) != maxShards || st.shards[0].max != 3 {
		t.Fatalf("%d shards of %d", len(st.shards), st.shards[0].max)
	}
	now := t0
	touch := func(h uint64) {
		// Uses further apart than store.touch, so each one moves the key.
		now = now.Add(2 * time.Hour)
		sh, _ := st.lock(h, now.UnixNano())
		sh.mu.Unlock()
	}
	// Small hashes all fall in shard 0.
	touch(1)
	touch(2)
	touch(3)
	touch(1) // 2 is now the least recently used
	touch(4)
	idx := st.shards[0].index
	if _, ok := idx[2]; ok || len(idx) != 3 {
		t.Errorf("keys %v: want 1, 3, 4", idx)
	}
	for _, h := range []uint64{1, 3, 4} {
		if _, ok := idx[h]; !ok {
			t.Errorf("key %d evicted; want key 2 evicted", h)
		}
	}
}

// TestEvictedKeyStartsAfresh documents the cost of the cap: a key pushed
// out by others gets a new quota.
func TestEvictedKeyStartsAfresh(t *testing.T) {
	l, err := NewLimiter(Config{Requests: 1, Period: Duration(time.Hour)}, Options{MaxKeys: 1})
	if err != nil {
		t.Fatal(err)
	}
	l.Allow("a", t0)
	if l.Allow("a", t0).Allowed {
		t.Fatal("second request allowed")
	}
	l.Allow("b", t0)
	if l.Len() != 1 {
		t.Fatalf("%d keys, cap 1", l.Len())
	}
	if !l.Allow("a", t0).Allowed {
		t.Error("an evicted key should start afresh")
	}
}

func TestMaxKeysNegative(t *testing.T) {
	if _, err := NewLimiter(Config{Requests: 1, Period: Duration(time.Second)}, Options{MaxKeys: -1}); err == nil {
		t.Error("negative MaxKeys accepted")
	}
}

// TestIdleEvictionChangesNoAnswer compares a key's answers in a limiter
// busy with other keys, whose sweeps drop idle keys, with its answers in
// a limiter that never drops a key: they must be the same.
func TestIdleEvictionChangesNoAnswer(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		idle time.Duration
	}{
		{Config{Requests: 100, Period: Duration(time.Second)}, 2 * time.Second},
		{Config{Algorithm: TokenBucket, Requests: 50, Period: Duration(time.Second), Burst: 150}, 3 * time.Second},
	} {
		cfg := tc.cfg
		busy, alone := mustLimiter(t, cfg), mustLimiter(t, cfg)
		alone.store.idle = 1 << 62
		rng := rand.New(rand.NewPCG(3, 4))
		now := t0
		for i := range 2000 {
			// Short gaps, and gaps just under the idle bound (two
			// periods; for this bucket, its refill time), where a key
			// dropped too early would lose state that still counts.
			gap := time.Duration(rng.Int64N(int64(300 * time.Millisecond)))
			if rng.IntN(2) == 0 {
				gap += tc.idle - 300*time.Millisecond
			}
			now = now.Add(gap)
			for j := range 100 {
				busy.Allow("noise-"+strconv.Itoa(i*100+j), now)
			}
			for range 1 + rng.IntN(150) {
				if a, b := busy.Allow("k", now), alone.Allow("k", now); a != b {
					t.Fatalf("%+v step %d: with other keys %+v, alone %+v", cfg, i, a, b)
				}
			}
		}
	}
}
