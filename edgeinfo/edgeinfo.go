// Package edgeinfo carries what the PoP front learns about a request
// (client address, geolocation, verified JWT claims, experiment variants)
// from one stage of the request path to the next: the shield and geo
// stages fill it in, policies read and extend it, and the worker sees it as
// request.cf and bindings.
//
// One *Info travels in the request's context. Stages of one request run one
// after another, so it needs no lock; it must not be shared across requests.
package edgeinfo

import (
	"context"
	"net/netip"

	"github.com/verge-edge/verge/geo"
)

// Info is the front's knowledge about one request.
type Info struct {
	// ClientIP is the client's address: the connection's peer, or the
	// X-Forwarded-For entry added by a trusted proxy.
	ClientIP netip.Addr
	// Location is where ClientIP is; zero fields are unknown.
	Location geo.Location
	// Colo is the PoP's code (request.cf.colo).
	Colo string
	// Claims holds the verified JWT claims, set by the JWT policy.
	Claims map[string]any
	// Variants maps an experiment name to the variant the client is in.
	Variants map[string]string
	// Flags are the feature flags' values for this request as a JSON
	// object, set by the experiment policy; "" when the route has none.
	Flags string
}

type key struct{}

// With returns ctx carrying info.
func With(ctx context.Context, info *Info) context.Context {
	return context.WithValue(ctx, key{}, info)
}

// From returns the Info in ctx, or nil when the front has not set one
// (for example in a unit test that calls a handler directly).
func From(ctx context.Context) *Info {
	info, _ := ctx.Value(key{}).(*Info)
	return info
}
