package ratelimit

import (
	"net/http"
	"strconv"
	"time"

	"github.com/verge-edge/verge/policy"
)

// policyName names the one quota policy in the RateLimit fields.
const policyName = "default"

// Policy is a configured [rate_limit] table: a Limiter keyed by a part
// of each request. It is safe for concurrent use.
type Policy struct {
	s   *settings
	lim *Limiter
	now func() time.Time
}

var _ policy.Policy = (*Policy)(nil)

// New validates cfg and makes its Limiter. Errors name the offending
// key, as in "rate_limit.period: ...".
func New(cfg Config, opts Options) (*Policy, error) {
	s, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	lim, err := newLimiter(s.rate, opts)
	if err != nil {
		return nil, err
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Policy{s: s, lim: lim, now: opts.Now}, nil
}

// Limiter returns the policy's Limiter.
func (p *Policy) Limiter() *Limiter { return p.lim }

// Close retires the policy's Limiter (Limiter.Close): call it when the
// route is retired. It matters only with scope "cluster".
func (p *Policy) Close() error { return p.lim.Close() }

// Wrap implements policy.Policy: every response carries the RateLimit
// header fields; a request over the limit is answered with the
// configured status (429) and Retry-After and never reaches next.
func (p *Policy) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.Check(w, r) {
			next.ServeHTTP(w, r)
		}
	})
}

// Check counts r and sets the RateLimit header fields on w. It reports
// whether r is within the limit; if not, it has answered r with the
// configured refusal. The WAF's rate_limit action uses it.
func (p *Policy) Check(w http.ResponseWriter, r *http.Request) bool {
	res := p.lim.allowHash(p.lim.requestHash(p.s.key, r), p.now())
	h := w.Header()
	setHeaders(h, p.s.policyField, res)
	if res.Allowed {
		return true
	}
	h.Set("Retry-After", strconv.FormatInt(max(seconds(res.RetryAfter), 1), 10))
	h.Set("Content-Type", p.s.contentType)
	h.Set("Content-Length", strconv.Itoa(len(p.s.body)))
	h.Set("X-Content-Type-Options", "nosniff")
	// The refusal is about this client now; no cache may replay it
	// to another or later.
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(p.s.status)
	w.Write(p.s.body) // an error means the client has gone
	return false
}

// UsesClaims reports whether the key reads a JWT claim, so the JWT
// policy must run before this one.
func (p *Policy) UsesClaims() bool {
	for _, part := range p.s.key {
		if part.kind == partClaim {
			return true
		}
	}
	return false
}

// setHeaders writes the RateLimit fields of the current draft
// (draft-ietf-httpapi-ratelimit-headers-11), RateLimit-Policy and
// RateLimit as Structured Field Lists, and the RateLimit-Limit,
// RateLimit-Remaining and RateLimit-Reset fields of its earlier drafts,
// which many clients still read. Times are whole seconds, rounded up so
// that a client waiting that long is never early.
//
// It runs on every request, so the names are given in canonical form
// (no canonicalization per call) and the five values share one backing
// array.
func setHeaders(h http.Header, policyField string, res Result) {
	remaining := strconv.Itoa(res.Remaining)
	reset := strconv.FormatInt(seconds(res.Reset), 10)
	v := [...]string{
		policyField,
		`"` + policyName + `";r=` + remaining + ";t=" + reset,
		strconv.Itoa(res.Limit),
		remaining,
		reset,
	}
	vals := v[:]
	h["Ratelimit-Policy"] = vals[0:1:1]
	h["Ratelimit"] = vals[1:2:2]
	h["Ratelimit-Limit"] = vals[2:3:3]
	h["Ratelimit-Remaining"] = vals[3:4:4]
	h["Ratelimit-Reset"] = vals[4:5:5]
}

// seconds rounds d up to whole seconds.
func seconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}
