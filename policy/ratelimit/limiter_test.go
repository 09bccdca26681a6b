package ratelimit

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestSlidingWindowCounts(t *testing.T) {
	l := mustLimiter(t, Config{Requests: 10, Period: Duration(time.Minute)})
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	for i := range 10 {
		wantResult(t, "fill", l.Allow("k", at(0)), Result{Allowed: true, Limit: 10, Remaining: 9 - i, Reset: time.Minute})
	}
	// Full until the window ends; 1ns into the next, its weight is just
	// under 1 and 9 of the 10 count.
	wantResult(t, "over", l.Allow("k", at(0)), Result{Limit: 10, Reset: time.Minute + 1, RetryAfter: time.Minute + 1})
	wantResult(t, "still over", l.Allow("k", at(time.Minute-1)), Result{Limit: 10, Reset: 2, RetryAfter: 2})
	wantResult(t, "retry", l.Allow("k", at(time.Minute+1)), Result{Allowed: true, Limit: 10, Remaining: 0, Reset: time.Minute - 1})
	// Now 1 + 9.99… = 10.99…; the share must fall under 9, which it does
	// at 6s + 1ns into the window: 10 × (54s − 1ns) / 60s < 9.
	wantResult(t, "over again", l.Allow("k", at(time.Minute+1)), Result{Limit: 10, Reset: time.Minute - 1, RetryAfter: 6 * time.Second})
	wantResult(t, "just before", l.Allow("k", at(time.Minute+6*time.Second)), Result{Limit: 10, Reset: 54 * time.Second, RetryAfter: 1})
	wantResult(t, "again", l.Allow("k", at(time.Minute+6*time.Second+1)), Result{Allowed: true, Limit: 10, Remaining: 0, Reset: 54*time.Second - 1})

	if got := l.Allow("other", at(0)); !got.Allowed || got.Remaining != 9 {
		t.Errorf("another key shares the count: %+v", got)
	}
}

func TestSlidingWindowSlides(t *testing.T) {
	l := mustLimiter(t, Config{Requests: 10, Period: Duration(time.Minute)})
	count := func(at time.Duration) int {
		n := 0
		for range 20 {
			if l.Allow("k", t0.Add(at)).Allowed {
				n++
			}
		}
		return n
	}
	if n := count(0); n != 10 {
		t.Fatalf("first window: %d allowed, want 10", n)
	}
	// Half way through the next window the previous one weighs 5.
	if n := count(90 * time.Second); n != 5 {
		t.Errorf("at 1m30s: %d allowed, want 5", n)
	}
	// At 2m45s the previous window (5) weighs a quarter: 1.25, so 9.
	if n := count(165 * time.Second); n != 9 {
		t.Errorf("at 2m45s: %d allowed, want 9", n)
	}
	// Two windows later nothing is remembered.
	if n := count(5 * time.Minute); n != 10 {
		t.Errorf("at 5m: %d allowed, want 10", n)
	}
}

func TestSlidingWindowClockGoesBack(t *testing.T) {
	l := mustLimiter(t, Config{Requests: 2, Period: Duration(time.Minute)})
	l.Allow("k", t0.Add(2*time.Minute))
	l.Allow("k", t0.Add(2*time.Minute))
	if r := l.Allow("k", t0.Add(time.Minute)); r.Allowed {
		t.Errorf("a clock stepped back forgot the count: %+v", r)
	}
}

func TestTokenBucketRefills(t *testing.T) {
	// One token a second, three at most.
	l := mustLimiter(t, Config{Algorithm: TokenBucket, Requests: 10, Period: Duration(10 * time.Second), Burst: 3})
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	for i := range 3 {
		wantResult(t, "burst", l.Allow("k", at(0)), Result{Allowed: true, Limit: 3, Remaining: 2 - i, Reset: time.Duration(i+1) * time.Second})
	}
	wantResult(t, "empty", l.Allow("k", at(0)), Result{Limit: 3, Reset: 3 * time.Second, RetryAfter: time.Second})
	wantResult(t, "almost", l.Allow("k", at(999*time.Millisecond)), Result{Limit: 3, Reset: 2001 * time.Millisecond, RetryAfter: time.Millisecond})
	wantResult(t, "refilled", l.Allow("k", at(time.Second)), Result{Allowed: true, Limit: 3, Remaining: 0, Reset: 3 * time.Second})
	// 2.5 s later: two and a half tokens; two requests.
	ok := 0
	for range 5 {
		if l.Allow("k", at(3500*time.Millisecond)).Allowed {
			ok++
		}
	}
	if ok != 2 {
		t.Errorf("after 2.5 s: %d allowed, want 2", ok)
	}
	// A long rest fills the bucket to burst, not beyond.
	ok = 0
	for range 10 {
		if l.Allow("k", at(time.Hour)).Allowed {
			ok++
		}
	}
	if ok != 3 {
		t.Errorf("after an hour: %d allowed, want 3", ok)
	}
}

func TestTokenBucketDefaultBurst(t *testing.T) {
	l := mustLimiter(t, Config{Algorithm: TokenBucket, Requests: 5, Period: Duration(time.Second)})
	ok := 0
	for range 10 {
		if l.Allow("k", t0).Allowed {
			ok++
		}
	}
	if ok != 5 {
		t.Errorf("%d allowed at once, want burst = requests = 5", ok)
	}
	if r := l.Allow("k", t0.Add(200*time.Millisecond)); !r.Allowed {
		t.Errorf("one token should be back after period/requests: %+v", r)
	}
}

// TestRetryAfterIsExact checks, on random traffic, that every refusal's
// RetryAfter is the exact moment a request is allowed again: refused a
// nanosecond before, allowed at it.
func TestRetryAfterIsExact(t *testing.T) {
	for _, cfg := range []Config{
		{Requests: 7, Period: Duration(time.Second)},
		{Requests: 1, Period: Duration(time.Minute)},
		{Requests: 100, Period: Duration(3 * time.Second)},
		{Algorithm: TokenBucket, Requests: 7, Period: Duration(time.Second), Burst: 3},
		{Algorithm: TokenBucket, Requests: 3, Period: Duration(time.Second), Burst: 10},
	} {
		l := mustLimiter(t, cfg)
		rng := rand.New(rand.NewPCG(1, 2))
		now := t0.UnixNano()
		var st state
		step := func(l *Limiter, st *state, ns int64) Result {
			if l.tokenBucket {
				return l.bucket(st, ns)
			}
			return l.window(st, ns)
		}
		refusals := 0
		for range 20000 {
			now += rng.Int64N(l.period / l.requests * 2)
			res := step(l, &st, now)
			if res.Allowed {
				continue
			}
			refusals++
			before, at := st, st
			if r := step(l, &before, now+int64(res.RetryAfter)-1); r.Allowed {
				t.Fatalf("%+v: allowed 1ns before RetryAfter %v", cfg, res.RetryAfter)
			}
			if r := step(l, &at, now+int64(res.RetryAfter)); !r.Allowed {
				t.Fatalf("%+v: refused at RetryAfter %v: %+v", cfg, res.RetryAfter, r)
			}
		}
		if refusals == 0 {
			t.Errorf("%+v: traffic never hit the limit", cfg)
		}
	}
}

func TestMulDiv(t *testing.T) {
	if got := mulDiv(1<<40, 1<<40, 1<<20); got != 1<<60 {
		t.Errorf("mulDiv = %d", got)
	}
	if got := mulDiv(1<<63, 4, 2); got != 1<<64-1 {
		t.Errorf("mulDiv overflow = %d, want saturation", got)
	}
	if got := ceilMulDiv(10, 54, 60); got != 9 {
		t.Errorf("ceilMulDiv(10, 54, 60) = %d", got)
	}
	if got := ceilMulDiv(1<<63, 4, 2); got != 1<<64-1 {
		t.Errorf("ceilMulDiv overflow = %d, want saturation", got)
	}
	if got := ceilMulDiv(10, 55, 60); got != 10 {
		t.Errorf("ceilMulDiv(10, 55, 60) = %d", got)
	}
	if got := floorDiv(-1, 60); got != -1 {
		t.Errorf("floorDiv(-1, 60) = %d", got)
	}
}
