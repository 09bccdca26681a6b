package geoaccess

import (
	"net/http"
	"strconv"

	"github.com/verge-edge/verge/edgeinfo"
	"github.com/verge-edge/verge/geo"
	"github.com/verge-edge/verge/policy"
)

// Policy is a configured [geo_access] table. It is safe for concurrent
// use; it is never changed after New.
type Policy struct {
	s *settings
}

var _ policy.Policy = (*Policy)(nil)

// New validates cfg. Errors name the offending key, as in
// "geo_access.allow_countries[2]: ...".
func New(cfg Config) (*Policy, error) {
	s, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	return &Policy{s: s}, nil
}

// Wrap implements policy.Policy: a request from where the lists refuse
// is answered with the configured status (403) and never reaches next.
func (p *Policy) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var loc geo.Location // all unknown when no front located the client
		if info := edgeinfo.From(r.Context()); info != nil {
			loc = info.Location
		}
		if p.Allows(loc) {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", p.s.contentType)
		h.Set("Content-Length", strconv.Itoa(len(p.s.body)))
		h.Set("X-Content-Type-Options", "nosniff")
		// The answer depends on where the client is; no cache may give
		// it to a client elsewhere.
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(p.s.status)
		w.Write(p.s.body) // an error means the client has gone
	})
}

// Allows reports whether the lists admit a client at loc. Each configured
// list is checked: a deny list refuses a match, an allow list refuses
// anything else, and any refusal wins. A field loc lacks (an empty
// country or continent, ASN 0; or the country "XX") is decided by
// unknown, unless a list names it: listing "XX" matches it as it is.
func (p *Policy) Allows(loc geo.Location) bool {
	return admits(p.s.countries, loc.Country, loc.Country == "" || loc.Country == Unknown, p.s.unknownDeny) &&
		admits(p.s.continents, loc.Continent, loc.Continent == "", p.s.unknownDeny) &&
		admits(p.s.asns, loc.ASN, loc.ASN == 0, p.s.unknownDeny)
}

func admits[T comparable](r *rule[T], v T, unknown, unknownDeny bool) bool {
	switch {
	case r == nil:
		return true
	case r.set[v]:
		return r.allow
	case unknown:
		return !unknownDeny
	default:
		return !r.allow
	}
}
