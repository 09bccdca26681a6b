package ratelimit

import (
	"errors"
	"fmt"
	"math"
	"mime"
	"net/http"
	"strconv"
	"time"
)

// Config is a route's [rate_limit] table.
type Config struct {
	// Key says what a request is counted under: "ip" (the default),
	// "header:NAME", "claim:NAME", "path", or several joined by "+",
	// such as "ip+path".
	Key string `toml:"key"`
	// Algorithm is "sliding_window" (the default) or "token_bucket".
	Algorithm string `toml:"algorithm"`
	// Requests is how many requests a key may make per Period.
	Requests int `toml:"requests"`
	// Period is the window ("10s", "1m", "250ms", "1h").
	Period Duration `toml:"period"`
	// Burst is the token bucket's size: how many requests a key that
	// has been quiet may make at once. Default Requests. Token bucket
	// only.
	Burst int `toml:"burst"`
	// Status answers refused requests. Default 429.
	Status int `toml:"status"`
	// Body is the refusal's body. Default "Too Many Requests\n".
	Body string `toml:"body"`
	// ContentType is the refusal's Content-Type. Default
	// "text/plain; charset=utf-8".
	ContentType string `toml:"content_type"`
	// Scope is where requests are counted: "pop" (the default), each
	// PoP on its own, or "cluster", all PoPs together, each deciding
	// locally from its own counts and the others' recent ones (see the
	// package doc). Cluster scope needs the sliding window and a node
	// with NATS (Options.Sync).
	Scope string `toml:"scope"`
}

// Duration is a time.Duration written as a string ("10s", "1m") in TOML.
type Duration time.Duration

// UnmarshalText parses s with time.ParseDuration.
func (d *Duration) UnmarshalText(s []byte) error {
	v, err := time.ParseDuration(string(s))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes d as time.Duration.String does.
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(time.Duration(d).String()), nil
}

// Algorithm names.
const (
	SlidingWindow = "sliding_window"
	TokenBucket   = "token_bucket"
)

// Scope names.
const (
	ScopePoP     = "pop"
	ScopeCluster = "cluster"
)

const (
	defaultStatus      = http.StatusTooManyRequests
	defaultBody        = "Too Many Requests\n"
	defaultContentType = "text/plain; charset=utf-8"
	// minPeriod keeps windows and refill intervals far above the clock's
	// resolution; shorter periods are not a meaningful HTTP rate.
	minPeriod = time.Millisecond
	// maxPeriod is a leap year: long enough for any daily or weekly
	// quota, short enough that no time arithmetic can overflow.
	maxPeriod = 366 * 24 * time.Hour
)

// rate is the validated part of a Config that a Limiter needs.
type rate struct {
	tokenBucket bool
	cluster     bool // scope "cluster"
	requests    int64
	period      int64 // ns
	burst       int64 // token bucket only
	interval    int64 // token bucket: ns between two tokens
}

// validateRate checks the algorithm, requests, period and burst keys.
func (cfg *Config) validateRate() (rate, error) {
	var rt rate
	switch cfg.Algorithm {
	case "", SlidingWindow:
	case TokenBucket:
		rt.tokenBucket = true
	default:
		return rate{}, fmt.Errorf("rate_limit.algorithm: %q is not %q or %q", cfg.Algorithm, SlidingWindow, TokenBucket)
	}
	if cfg.Requests <= 0 || cfg.Requests > math.MaxInt32 {
		return rate{}, fmt.Errorf("rate_limit.requests: must be between 1 and %d, got %d", math.MaxInt32, cfg.Requests)
	}
	rt.requests = int64(cfg.Requests)
	period := time.Duration(cfg.Period)
	if period == 0 {
		return rate{}, errors.New("rate_limit.period: required, such as \"10s\" or \"1m\"")
	}
	if period < minPeriod || period > maxPeriod {
		return rate{}, fmt.Errorf("rate_limit.period: must be between %v and %v, got %v", minPeriod, maxPeriod, period)
	}
	rt.period = int64(period)
	switch cfg.Scope {
	case "", ScopePoP:
	case ScopeCluster:
		// A sliding window's state is counts per window, and counts from
		// several PoPs add up. A token bucket's is one arrival time per
		// key, which cannot be summed.
		if rt.tokenBucket {
			return rate{}, fmt.Errorf("rate_limit.scope: %q needs algorithm %q: a token bucket's state (one arrival time per key) cannot be summed across PoPs", ScopeCluster, SlidingWindow)
		}
		rt.cluster = true
	default:
		return rate{}, fmt.Errorf("rate_limit.scope: %q is not %q or %q", cfg.Scope, ScopePoP, ScopeCluster)
	}
	if !rt.tokenBucket {
		if cfg.Burst != 0 {
			return rate{}, fmt.Errorf("rate_limit.burst: only for algorithm %q", TokenBucket)
		}
		return rt, nil
	}
	rt.burst = rt.requests
	if cfg.Burst != 0 {
		if cfg.Burst < 0 || cfg.Burst > math.MaxInt32 {
			return rate{}, fmt.Errorf("rate_limit.burst: must be between 1 and %d, got %d", math.MaxInt32, cfg.Burst)
		}
		rt.burst = int64(cfg.Burst)
	}
	rt.interval = rt.period / rt.requests
	if rt.interval == 0 {
		return rate{}, fmt.Errorf("rate_limit.requests: %d per %v is more than one per nanosecond", rt.requests, period)
	}
	// The time to refill an empty bucket bounds the arithmetic on
	// arrival times; keep it within the period's own bound.
	if rt.burst > int64(maxPeriod)/rt.interval {
		return rate{}, fmt.Errorf("rate_limit.burst: %d tokens take longer than %v to refill", rt.burst, maxPeriod)
	}
	return rt, nil
}

// settings is a validated Config with its defaults applied.
type settings struct {
	rate
	key         keySpec
	status      int
	body        []byte
	contentType string
	// policyField is the RateLimit-Policy value, the same on every
	// response.
	policyField string
}

func (cfg *Config) validate() (*settings, error) {
	rt, err := cfg.validateRate()
	if err != nil {
		return nil, err
	}
	s := &settings{rate: rt, status: defaultStatus, body: []byte(defaultBody), contentType: defaultContentType}
	if s.key, err = parseKey(cfg.Key); err != nil {
		return nil, fmt.Errorf("rate_limit.key: %w", err)
	}
	if cfg.Status != 0 {
		// A refusal must read as one: a 2xx or 3xx would be taken for
		// the resource by clients and caches.
		if cfg.Status < 400 || cfg.Status > 599 {
			return nil, fmt.Errorf("rate_limit.status: must be a 4xx or 5xx code, got %d", cfg.Status)
		}
		s.status = cfg.Status
	}
	if cfg.Body != "" {
		s.body = []byte(cfg.Body)
	}
	if cfg.ContentType != "" {
		if _, _, err := mime.ParseMediaType(cfg.ContentType); err != nil {
			return nil, fmt.Errorf("rate_limit.content_type: %w", err)
		}
		s.contentType = cfg.ContentType
	}
	s.policyField = policyField(rt)
	return s, nil
}

// policyField renders the RateLimit-Policy field of the current draft
// (draft-ietf-httpapi-ratelimit-headers-11): a List with one String item
// and the quota "q" and window "w" parameters. "w" is whole seconds and
// cannot say 250ms, so a period that is not a whole number of seconds
// leaves it out, which the draft allows.
func policyField(rt rate) string {
	f := `"` + policyName + `";q=` + strconv.FormatInt(rt.requests, 10)
	if rt.period%int64(time.Second) == 0 {
		f += ";w=" + strconv.FormatInt(rt.period/int64(time.Second), 10)
	}
	return f
}
