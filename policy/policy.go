// Package policy names the contract shared by the edge policies: JWT
// authentication (policy/jwtauth), rate limiting (policy/ratelimit), geo
// access control (policy/geoaccess), WAF rules in CEL (policy/waf),
// experiments and feature flags (policy/experiment) and transforms
// (policy/transform).
//
// Each policy package has a Config (decoded from a route's table in
// node.toml), a constructor that validates it once at load time, and a
// Wrap method that puts the policy in front of the rest of the request
// path. A policy either answers the request itself (a 401, 403, 429, a
// redirect) or calls next, possibly after changing the request; what the
// front learned about the client (address, location, claims, variants)
// is in edgeinfo.From(r.Context()).
//
// The server chains a route's policies in a fixed order:
//
//	shield -> geo -> WAF -> rate limit -> auth -> experiments -> transforms -> cache -> worker/origin
package policy

import "net/http"

// Policy is one configured policy stage.
type Policy interface {
	// Wrap returns a handler that applies the policy and then, unless it
	// answered the request, calls next.
	Wrap(next http.Handler) http.Handler
}

// Chain wraps h in ps, so ps[0] runs first.
func Chain(h http.Handler, ps ...Policy) http.Handler {
	for i := len(ps) - 1; i >= 0; i-- {
		if ps[i] != nil {
			h = ps[i].Wrap(h)
		}
	}
	return h
}
