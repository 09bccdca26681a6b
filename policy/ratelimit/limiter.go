package ratelimit

import (
	"errors"
	"fmt"
	"hash/maphash"
	"time"
)

// DefaultMaxKeys is the key cap when Options.MaxKeys is 0. A key takes
// about 92 bytes (a 48-byte slot and its index map entry, measured), so a
// full table of a million keys is about 92 MB.
const DefaultMaxKeys = 1_000_000

// Options are the constructors' dependencies.
type Options struct {
	// Now is the HTTP policy's clock. Nil means time.Now. (Limiter.Allow
	// takes the time as an argument.)
	Now func() time.Time
	// MaxKeys caps the keys tracked at once. When the table is full, a
	// new key evicts the least recently used one (per shard, so only
	// roughly the globally oldest); that key then starts afresh. Zero
	// means DefaultMaxKeys. With scope "cluster" it also counts the keys
	// the other PoPs report.
	MaxKeys int
	// Sync shares counts with the other PoPs; scope "cluster" needs it.
	// A node without NATS leaves it nil, and New and NewLimiter then
	// refuse scope "cluster".
	Sync *Sync
	// ID names a cluster-scoped limiter across the PoPs: the same on
	// every PoP for the same limit (a route's pattern, say), different
	// for different limits. Required with scope "cluster".
	ID string
}

// Result is the outcome of one Allow.
type Result struct {
	// Allowed says whether the request may go ahead; it was counted
	// only if so.
	Allowed bool
	// Limit is the quota: requests per period (sliding window) or the
	// bucket's size (token bucket).
	Limit int
	// Remaining is how many more requests would be allowed now.
	Remaining int
	// Reset is how long until quota is next given back: the end of the
	// current window (sliding window) or until the bucket is full again
	// (token bucket). It is at least RetryAfter.
	Reset time.Duration
	// RetryAfter is, for a refused request, how long until a request
	// with the same key would be allowed; zero when allowed.
	RetryAfter time.Duration
}

// Limiter counts requests per key. It is safe for concurrent use, and
// needs no HTTP: a worker binding with the shape of Cloudflare's
// (env.LIMITER.limit({ key })) can call Allow directly.
type Limiter struct {
	rate
	seed  maphash.Seed
	store *store
	// cl is set with scope "cluster": the counts shared with other PoPs.
	cl *clusterCounts
}

// NewLimiter makes a Limiter from the algorithm, requests, period,
// burst and scope keys of cfg; the HTTP keys (key, status, body,
// content_type) are not used. It starts no goroutine. A per-PoP limiter
// needs no Close; a cluster-scoped one takes part in Options.Sync until
// Close.
func NewLimiter(cfg Config, opts Options) (*Limiter, error) {
	rt, err := cfg.validateRate()
	if err != nil {
		return nil, err
	}
	return newLimiter(rt, opts)
}

func newLimiter(rt rate, opts Options) (*Limiter, error) {
	maxKeys := opts.MaxKeys
	if maxKeys == 0 {
		maxKeys = DefaultMaxKeys
	}
	if maxKeys < 0 {
		return nil, errors.New("ratelimit: Options.MaxKeys is negative")
	}
	// A key's state equals a new key's once both windows have passed
	// (sliding window) or its bucket has refilled (token bucket), so
	// dropping it then changes no answer.
	idle := 2 * rt.period
	if rt.tokenBucket {
		idle = max(idle, rt.burst*rt.interval)
	}
	l := &Limiter{rate: rt, seed: maphash.MakeSeed(), store: newStore(maxKeys, idle)}
	if rt.cluster {
		if opts.Sync == nil {
			return nil, fmt.Errorf("rate_limit.scope: %q counts across PoPs over NATS, and this node has no NATS connection (Options.Sync is nil); use scope %q", ScopeCluster, ScopePoP)
		}
		if err := opts.Sync.join(l, opts.ID); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// Close ends a cluster-scoped limiter's part in its Sync: what it
// admitted since the last interval is published, and it stops receiving
// the other PoPs' counts (it keeps counting its own). Call it when the
// limiter is retired, as on a config reload. It does nothing for a
// per-PoP limiter. It is idempotent.
func (l *Limiter) Close() error {
	if l.cl == nil {
		return nil
	}
	return l.cl.sync.leave(l.cl)
}

// Allow counts a request with key at now and says whether it is within
// the limit. A refused request is not counted.
func (l *Limiter) Allow(key string, now time.Time) Result {
	if l.cl != nil {
		return l.cl.allow(stringHash(key, l.cl.key), now)
	}
	return l.allowHash(maphash.String(l.seed, key), now)
}

// Len returns the number of keys tracked, including idle ones not yet
// swept.
func (l *Limiter) Len() int {
	return l.store.len()
}

func (l *Limiter) allowHash(hash uint64, now time.Time) Result {
	if l.cl != nil {
		return l.cl.allow(hash, now)
	}
	ns := now.UnixNano()
	sh, s := l.store.lock(hash, ns)
	var res Result
	if l.tokenBucket {
		res = l.bucket(&s.state, ns)
	} else {
		res = l.window(&s.state, ns)
	}
	sh.mu.Unlock()
	return res
}
