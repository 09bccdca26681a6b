package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/verge-edge/verge/cache"
	"github.com/verge-edge/verge/policy"
	"github.com/verge-edge/verge/policy/experiment"
	"github.com/verge-edge/verge/policy/geoaccess"
	"github.com/verge-edge/verge/policy/jwtauth"
	"github.com/verge-edge/verge/policy/ratelimit"
	"github.com/verge-edge/verge/policy/transform"
	"github.com/verge-edge/verge/policy/waf"
)

// routePolicies are the policy stages one route configured, compiled.
type routePolicies struct {
	geo   *geoaccess.Policy
	waf   *waf.WAF
	limit *ratelimit.Policy
	jwt   *jwtauth.Auth
	exps  *experiment.Experiments
	xform *transform.Transform
}

// buildPolicies compiles a route's policy tables. The caller closes
// what it returns once the route is retired.
func (s *Server) buildPolicies(r *RouteConfig) (_ *routePolicies, err error) {
	var p routePolicies
	if r.GeoAccess != nil {
		if p.geo, err = geoaccess.New(*r.GeoAccess); err != nil {
			return nil, err
		}
	}
	// A route's limiters are named by its pattern: the same route on
	// every PoP shares its cluster-scoped counts.
	lim := ratelimit.Options{ID: "route\x00" + r.Pattern}
	if r.clusterRateLimits() {
		if lim.Sync, err = s.rateLimitSync(); err != nil {
			return nil, err
		}
	}
	defer func() {
		if err != nil {
			p.close()
		}
	}()
	if r.WAF != nil {
		if p.waf, err = waf.New(*r.WAF, waf.Options{Logger: s.log, RateLimit: lim}); err != nil {
			return nil, err
		}
	}
	if r.RateLimit != nil {
		if p.limit, err = ratelimit.New(*r.RateLimit, lim); err != nil {
			return nil, err
		}
	}
	if len(r.Experiments) > 0 || len(r.Flags) > 0 {
		cfg := experiment.Config{Experiments: r.Experiments, Flags: r.Flags, FlagsHeader: r.FlagsHeader}
		if p.exps, err = experiment.New(cfg); err != nil {
			return nil, err
		}
	}
	if r.Transform != nil {
		if p.xform, err = transform.New(*r.Transform); err != nil {
			return nil, err
		}
	}
	if p.readsClaims() && r.JWT == nil {
		return nil, errors.New("waf or rate_limit reads JWT claims: add a [routes.jwt] table")
	}
	// JWKS fetching goes last: it is the one step that waits on the
	// network, and a table above may already have failed.
	if r.JWT != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		p.jwt, err = jwtauth.New(ctx, *r.JWT, jwtauth.Options{Logger: s.log})
		cancel()
		if err != nil {
			return nil, err
		}
	}
	return &p, nil
}

func (p *routePolicies) readsClaims() bool {
	return (p.waf != nil && p.waf.UsesClaims()) || (p.limit != nil && p.limit.UsesClaims())
}

// chain puts the stages in front of h in the order package policy
// documents: geo -> WAF -> rate limit -> auth -> experiments ->
// transforms. When the WAF or the limiter reads claims, authentication
// moves in front of them; otherwise it runs after them, so a flood is
// refused before it costs a signature check.
func (p *routePolicies) chain(h http.Handler) http.Handler {
	ps := []policy.Policy{}
	add := func(v policy.Policy, ok bool) {
		if ok {
			ps = append(ps, v)
		}
	}
	add(p.geo, p.geo != nil)
	early := p.readsClaims()
	add(p.jwt, early && p.jwt != nil)
	add(p.waf, p.waf != nil)
	add(p.limit, p.limit != nil)
	add(p.jwt, !early && p.jwt != nil)
	add(p.exps, p.exps != nil)
	add(p.xform, p.xform != nil)
	return policy.Chain(h, ps...)
}

// cacheKeyHeaders are the request headers the experiments set. The route's
// cache is keyed on them: a variant's response must not be served to
// another variant, even when the origin forgets to send Vary.
func (p *routePolicies) cacheKeyHeaders() []string {
	if p.exps == nil {
		return nil
	}
	return p.exps.Headers()
}

func (p *routePolicies) close() {
	if p.jwt != nil {
		p.jwt.Close()
	}
	// Retired limiters stop sharing counts with the other PoPs.
	if p.waf != nil {
		p.waf.Close()
	}
	if p.limit != nil {
		p.limit.Close()
	}
}

// clusterRateLimits reports whether a limiter of the route counts across
// PoPs.
func (r *RouteConfig) clusterRateLimits() bool {
	if r.RateLimit != nil && r.RateLimit.Scope == ratelimit.ScopeCluster {
		return true
	}
	if r.WAF != nil {
		for _, rule := range r.WAF.Rules {
			if rule.RateLimit != nil && rule.RateLimit.Scope == ratelimit.ScopeCluster {
				return true
			}
		}
	}
	return false
}

// rateLimitSync returns the node's Sync for cluster-scoped rate limits.
// verge pop passes one linked to its leaf; verge serve, a cluster of one
// node, starts one on its embedded NATS the first time a route asks, so
// a config written for the network runs unchanged on one machine.
func (s *Server) rateLimitSync() (*ratelimit.Sync, error) {
	if s.opts.RateLimitSync != nil {
		return s.opts.RateLimitSync, nil
	}
	s.rateLimits.mu.Lock()
	defer s.rateLimits.mu.Unlock()
	if s.rateLimits.sync != nil {
		return s.rateLimits.sync, nil
	}
	if s.embedded == nil {
		return nil, errors.New(`rate_limit.scope = "cluster" needs the node's NATS connection, which this node was started without`)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	local, err := s.embedded.Local(ctx)
	cancel()
	if err != nil {
		return nil, fmt.Errorf(`rate_limit.scope = "cluster": %w`, err)
	}
	// One node needs no key shared with others: a random one will do.
	secret := make([]byte, 32)
	rand.Read(secret)
	sync, err := ratelimit.StartSync(context.Background(), local.Leaf.Conn(), ratelimit.SyncConfig{Secret: secret, Logger: s.log})
	if err != nil {
		return nil, fmt.Errorf(`rate_limit.scope = "cluster": %w`, err)
	}
	s.rateLimits.sync, s.rateLimits.owned = sync, true
	return sync, nil
}

// variantTarget sends a request to the origin and path prefix of its
// experiment variants, falling back to the route's own target.
type variantTarget struct {
	exps    *experiment.Experiments
	names   []string // experiments with a variant that sets origin or path_prefix
	origins map[string]*origin
	next    http.Handler
}

// newVariantTarget returns next unchanged when no variant of exps
// chooses an origin or path. A variant's origin must be in origins, and
// only origin routes (originRoute) may switch origins.
func newVariantTarget(exps *experiment.Experiments, cfg []experiment.Experiment, origins map[string]*origin, originRoute bool, next http.Handler) (http.Handler, error) {
	vt := &variantTarget{exps: exps, origins: origins, next: next}
	for i, x := range cfg {
		routed := false
		for j, v := range x.Variants {
			if v.Origin != "" {
				if !originRoute {
					return nil, fmt.Errorf("experiments[%d].variants[%d].origin: only a route to an origin can switch origins", i, j)
				}
				if origins[v.Origin] == nil {
					return nil, fmt.Errorf("experiments[%d].variants[%d].origin: no origin named %q in [origins]", i, j, v.Origin)
				}
			}
			routed = routed || v.Origin != "" || v.PathPrefix != ""
		}
		if routed {
			vt.names = append(vt.names, x.Name)
		}
	}
	if len(vt.names) == 0 {
		return next, nil
	}
	return vt, nil
}

func (vt *variantTarget) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	target := vt.next
	prefix := ""
	for _, name := range vt.names {
		v, ok := vt.exps.Variant(r, name)
		if !ok {
			continue
		}
		if v.Origin != "" {
			target = vt.origins[v.Origin]
		}
		prefix += v.PathPrefix
	}
	if prefix != "" {
		r2 := new(http.Request)
		*r2 = *r
		u := *r.URL
		u.Path = prefix + u.Path
		if u.RawPath != "" {
			u.RawPath = prefix + u.RawPath
		}
		r2.URL = &u
		r = r2
	}
	target.ServeHTTP(rw, r)
}

// cacheRules returns a route's cache settings.
func cacheRules(c *RouteCacheConfig, keyHeaders []string) cache.Rules {
	return cache.Rules{TTL: c.TTL.Duration, IgnoreQuery: c.IgnoreQuery, KeyHeaders: keyHeaders}
}
