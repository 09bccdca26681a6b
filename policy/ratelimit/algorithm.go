package ratelimit

import (
	"math"
	"math/bits"
	"time"
)

// window is the two-window sliding window Cloudflare describes: requests are
// counted in fixed windows aligned to the Unix epoch (so every node
// agrees on them), and the rate at a moment is the current window's count
// plus the previous window's count weighted by how much of the previous
// window the sliding one still covers:
//
//	rate = cur + prev × (period − elapsed) / period
//
// As in Cloudflare's description, a request is allowed while the rate
// before it is under requests. The arithmetic is on integers (with a
// 128-bit product), so answers are exact: rate < requests exactly when
// cur + ⌊prev × (period − elapsed) / period⌋ < requests.
func (l *Limiter) window(st *state, now int64) Result {
	per := l.period
	idx := floorDiv(now, per)
	switch {
	case idx == st.t:
	case idx == st.t+1:
		st.p, st.n = st.n, 0
	case idx > st.t+1:
		st.p, st.n = 0, 0
	default:
		// The wall clock went back: stay in the window we know rather
		// than forget its count.
		idx = st.t
	}
	st.t = idx
	elapsed := max(now-idx*per, 0)
	used := int64(st.n) + int64(mulDiv(uint64(st.p), uint64(per-elapsed), uint64(per)))
	res := Result{Limit: int(l.requests), Reset: time.Duration(per - elapsed)}
	if used < l.requests {
		st.n++
		res.Allowed = true
		res.Remaining = int(l.requests - used - 1)
		return res
	}
	res.RetryAfter = time.Duration(l.windowRetry(st, elapsed))
	res.Reset = max(res.Reset, res.RetryAfter)
	return res
}

// windowRetry returns how long after a refusal at elapsed a request would
// be allowed, if none is made meanwhile.
func (l *Limiter) windowRetry(st *state, elapsed int64) int64 {
	per := uint64(l.period)
	if free := l.requests - int64(st.n); free > 0 {
		// The previous window's share must fall under free:
		// p × (per − e) / per < free ⟺ per − e ≤ ⌈free × per / p⌉ − 1.
		// p > 0 here, or the request would have been allowed.
		at := per + 1 - min(per+1, ceilMulDiv(uint64(free), per, uint64(st.p)))
		return int64(at) - elapsed
	}
	// The current window is full and stays so. In the next one it is
	// the previous window, whose share must fall under requests as
	// above. With n = requests that is 1ns in; n is more only with
	// other PoPs' counts (scope "cluster"), and then takes longer.
	at := per + 1 - min(per+1, ceilMulDiv(uint64(l.requests), per, uint64(st.n)))
	return int64(per) - elapsed + int64(at)
}

// bucket is a token bucket in the form of GCRA (the generic cell rate
// algorithm): a bucket of burst tokens refilled with one token every
// interval, kept as one number per key, the theoretical arrival time tat.
// A request takes one token, which pushes tat one interval on; it is
// allowed while tat stays within burst intervals of now.
func (l *Limiter) bucket(st *state, now int64) Result {
	capacity := l.burst * l.interval
	tat := max(st.t, now)
	next := tat + l.interval
	res := Result{Limit: int(l.burst)}
	if next-now > capacity {
		res.RetryAfter = time.Duration(next - now - capacity)
		res.Reset = max(time.Duration(tat-now), res.RetryAfter)
		return res
	}
	st.t = next
	res.Allowed = true
	res.Remaining = int((capacity - (next - now)) / l.interval)
	res.Reset = time.Duration(next - now)
	return res
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// mulDiv returns ⌊a × b / c⌋, or math.MaxUint64 when that does not fit.
func mulDiv(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi >= c {
		return math.MaxUint64
	}
	q, _ := bits.Div64(hi, lo, c)
	return q
}

// ceilMulDiv returns ⌈a × b / c⌉, or math.MaxUint64 when that does not
// fit.
func ceilMulDiv(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi >= c {
		return math.MaxUint64
	}
	q, r := bits.Div64(hi, lo, c)
	if q == math.MaxUint64 && r != 0 {
		return q
	}
	if r != 0 {
		q++
	}
	return q
}
