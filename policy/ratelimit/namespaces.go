package ratelimit

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"
)

// MaxNamespaces caps the limiters a Namespaces holds: each binding of
// each worker is one.
const MaxNamespaces = 10_000

// namespaceMaxKeys caps the keys of one binding's limiter, so that a
// worker cannot fill the node's memory with keys.
const namespaceMaxKeys = 100_000

// Namespaces holds the limiters behind workers' rate limiting bindings
// (env.MY_LIMITER.limit({ key })), one per worker scope, namespace id,
// limit and period. Counters are per node, as Cloudflare's are per
// location. It is safe for concurrent use.
type Namespaces struct {
	mu  sync.Mutex
	m   map[namespace]*Limiter
	now func() time.Time
	// sync, when set, makes every namespace count across the cluster.
	sync *Sync
}

type namespace struct {
	scope, id string
	limit     int
	period    time.Duration
}

// NewNamespaces returns an empty set; now is the clock (nil: time.Now).
func NewNamespaces(now func() time.Time) *Namespaces {
	if now == nil {
		now = time.Now
	}
	return &Namespaces{m: map[namespace]*Limiter{}, now: now}
}

// NewClusterNamespaces is NewNamespaces with every namespace counted
// across the cluster through s (scope "cluster"), rather than per node
// as Cloudflare counts per location. A binding whose period is under
// MinClusterWindows sync intervals is then refused with an error.
func NewClusterNamespaces(now func() time.Time, s *Sync) *Namespaces {
	n := NewNamespaces(now)
	n.sync = s
	return n
}

// Limit counts one call of the binding with namespace id and the given
// limit and period, for key, in scope (the worker's name: one tenant
// cannot spend another's quota by naming its namespace). It reports
// whether the call is within the limit; a sliding window, as
// Cloudflare's.
func (n *Namespaces) Limit(scope, id string, limit int, period time.Duration, key string) (bool, error) {
	ns := namespace{scope, id, limit, period}
	n.mu.Lock()
	l := n.m[ns]
	if l == nil {
		if len(n.m) >= MaxNamespaces {
			n.mu.Unlock()
			return false, errors.New("ratelimit: too many rate limiter namespaces on this node")
		}
		cfg := Config{Requests: limit, Period: Duration(period)}
		opts := Options{MaxKeys: namespaceMaxKeys}
		if n.sync != nil {
			cfg.Scope, opts.Sync = ScopeCluster, n.sync
			// The same worker, namespace and limit on every PoP; the
			// period is in the subject already.
			opts.ID = "binding\x00" + scope + "\x00" + id + "\x00" + strconv.Itoa(limit)
		}
		var err error
		l, err = NewLimiter(cfg, opts)
		if err != nil {
			n.mu.Unlock()
			return false, err
		}
		n.m[ns] = l
	}
	n.mu.Unlock()
	return l.Allow(key, n.now()).Allowed, nil
}

// Scope returns the limiter of one worker's bindings: the Limiter of
// package bindings/ratelimit.
func (n *Namespaces) Scope(scope string) Scoped { return Scoped{n, scope} }

// Scoped is Namespaces seen from one worker.
type Scoped struct {
	n     *Namespaces
	scope string
}

// Limit is Namespaces.Limit in the worker's scope.
func (s Scoped) Limit(_ context.Context, id string, limit int, period time.Duration, key string) (bool, error) {
	return s.n.Limit(s.scope, id, limit, period, key)
}
