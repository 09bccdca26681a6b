package jwtauth

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"
)

// Config is a route's [jwt] table.
type Config struct {
	// Header carries the token as "Bearer <token>". Default "Authorization".
	// For any other header a bare token is accepted too.
	Header string `toml:"header"`
	// Cookie, when set, names a cookie read when the header is absent.
	Cookie string `toml:"cookie"`
	// Keys are verification keys: PEM public keys or certificates, or JWK /
	// JWK Set JSON (an "oct" JWK is an HMAC secret).
	Keys []string `toml:"keys"`
	// Secret is an HMAC secret for HS256/HS384/HS512, used as raw bytes.
	Secret string `toml:"secret"`
	// JWKSURL is a JWK Set fetched at start and refreshed in the background.
	JWKSURL string `toml:"jwks_url"`
	// JWKSRefresh is how often JWKSURL is fetched again. Default 15m.
	JWKSRefresh Duration `toml:"jwks_refresh"`
	// Issuer lists the accepted "iss" values; empty accepts any issuer.
	Issuer []string `toml:"issuer"`
	// Audience lists accepted audiences: the token's "aud" must contain
	// one of them. Empty skips the check.
	Audience []string `toml:"audience"`
	// Algorithms is the allow-list of signature algorithms. Default
	// RS256, ES256, EdDSA; "none" is refused.
	Algorithms []string `toml:"algorithms"`
	// ClockSkew is the leeway for exp, nbf and iat. Nil means 60s; a
	// pointer so that "0s" (no leeway) can be said.
	ClockSkew *Duration `toml:"clock_skew"`
	// RequiredClaims must be present (and not null) in every token.
	RequiredClaims []string `toml:"required_claims"`
	// ForwardClaims maps a claim name to a request header set for the
	// stages behind this one, such as sub = "X-User-Id".
	ForwardClaims map[string]string `toml:"forward_claims"`
	// StripToken removes the token header and cookie before forwarding,
	// so the origin never sees the credential.
	StripToken bool `toml:"strip_token"`
	// Realm is the realm of the WWW-Authenticate challenge.
	Realm string `toml:"realm"`
}

// Duration is a time.Duration written as a string ("15m", "60s") in TOML.
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

const (
	defaultHeader      = "Authorization"
	defaultJWKSRefresh = 15 * time.Minute
	defaultClockSkew   = 60 * time.Second
	minJWKSRefresh     = time.Second
	maxClockSkew       = time.Hour
)

var defaultAlgorithms = []string{"RS256", "ES256", "EdDSA"}

// settings is a validated Config with its defaults applied.
type settings struct {
	header         string // canonical header name
	bearerOnly     bool   // the header is Authorization: only "Bearer" counts
	cookie         string
	jwksURL        string
	jwksRefresh    time.Duration
	issuers        []string
	audiences      []string
	algs           map[string]*algorithm
	skew           time.Duration
	requiredClaims []string
	forward        []forwardClaim // sorted by claim, for a stable order
	stripToken     bool
	realm          string
}

type forwardClaim struct {
	claim  string
	header string // canonical
}

// validate checks cfg and applies defaults. It checks everything but the
// key material, which New parses.
func (cfg *Config) validate() (*settings, error) {
	s := &settings{
		header:         defaultHeader,
		cookie:         cfg.Cookie,
		jwksURL:        cfg.JWKSURL,
		jwksRefresh:    defaultJWKSRefresh,
		issuers:        slices.Clone(cfg.Issuer),
		audiences:      slices.Clone(cfg.Audience),
		skew:           defaultClockSkew,
		requiredClaims: slices.Clone(cfg.RequiredClaims),
		stripToken:     cfg.StripToken,
		realm:          cfg.Realm,
	}
	if cfg.Header != "" {
		if !httpguts.ValidHeaderFieldName(cfg.Header) {
			return nil, fmt.Errorf("jwt.header: %q is not a valid header name", cfg.Header)
		}
		s.header = http.CanonicalHeaderKey(cfg.Header)
	}
	s.bearerOnly = s.header == defaultHeader
	if cfg.Cookie != "" && !validCookieName(cfg.Cookie) {
		return nil, fmt.Errorf("jwt.cookie: %q is not a valid cookie name", cfg.Cookie)
	}
	if len(cfg.Keys) == 0 && cfg.Secret == "" && cfg.JWKSURL == "" {
		return nil, errors.New("jwt: give keys, secret or jwks_url")
	}
	if cfg.JWKSURL != "" {
		if err := checkJWKSURL(cfg.JWKSURL); err != nil {
			return nil, fmt.Errorf("jwt.jwks_url: %w", err)
		}
	}
	if cfg.JWKSRefresh != 0 {
		s.jwksRefresh = time.Duration(cfg.JWKSRefresh)
		if s.jwksRefresh < minJWKSRefresh {
			return nil, fmt.Errorf("jwt.jwks_refresh: must be at least %v, got %v", minJWKSRefresh, s.jwksRefresh)
		}
	}
	if cfg.ClockSkew != nil {
		s.skew = time.Duration(*cfg.ClockSkew)
		if s.skew < 0 || s.skew > maxClockSkew {
			return nil, fmt.Errorf("jwt.clock_skew: must be between 0s and %v, got %v", maxClockSkew, s.skew)
		}
	}
	algs, err := parseAlgorithms(cfg.Algorithms)
	if err != nil {
		return nil, fmt.Errorf("jwt.algorithms: %w", err)
	}
	s.algs = algs
	if cfg.JWKSURL != "" && !allowsKind(algs, func(k keyKind) bool { return k != kindHMAC }) {
		return nil, errors.New("jwt.jwks_url: set, but jwt.algorithms allows only HMAC, and HMAC secrets are never taken from a JWKS URL")
	}
	if cfg.Secret != "" {
		if !allowsKind(algs, func(k keyKind) bool { return k == kindHMAC }) {
			return nil, fmt.Errorf("jwt.secret: set, but jwt.algorithms allows none of %s", strings.Join(hmacAlgorithms, ", "))
		}
		// RFC 7518 section 3.2: an HMAC key must be at least as long as
		// the hash; a shorter secret is brute-forceable offline.
		if len(cfg.Secret) < 32 {
			return nil, fmt.Errorf("jwt.secret: must be at least 32 bytes, got %d", len(cfg.Secret))
		}
	}
	for i, v := range cfg.Issuer {
		if v == "" {
			return nil, fmt.Errorf("jwt.issuer[%d]: empty", i)
		}
	}
	for i, v := range cfg.Audience {
		if v == "" {
			return nil, fmt.Errorf("jwt.audience[%d]: empty", i)
		}
	}
	for i, v := range cfg.RequiredClaims {
		if v == "" {
			return nil, fmt.Errorf("jwt.required_claims[%d]: empty", i)
		}
	}
	if s.forward, err = parseForwardClaims(cfg.ForwardClaims, s.header); err != nil {
		return nil, err
	}
	if strings.ContainsFunc(cfg.Realm, func(r rune) bool { return r < 0x20 || r >= 0x7f || r == '"' || r == '\\' }) {
		// The realm is sent as a quoted-string; refusing quotes and
		// backslashes keeps the challenge free of escaping.
		return nil, fmt.Errorf("jwt.realm: %q must be printable ASCII without '\"' or '\\'", cfg.Realm)
	}
	return s, nil
}

func parseAlgorithms(names []string) (map[string]*algorithm, error) {
	if len(names) == 0 {
		names = defaultAlgorithms
	}
	algs := make(map[string]*algorithm, len(names))
	for _, name := range names {
		if strings.EqualFold(name, "none") {
			return nil, errors.New(`"none" is never allowed`)
		}
		a, err := newAlgorithm(name)
		if err != nil {
			return nil, err
		}
		algs[name] = a
	}
	return algs, nil
}

// allowsKind reports whether an allowed algorithm has a key kind that ok
// accepts.
func allowsKind(algs map[string]*algorithm, ok func(keyKind) bool) bool {
	for _, a := range algs {
		if ok(a.kind) {
			return true
		}
	}
	return false
}

func parseForwardClaims(m map[string]string, tokenHeader string) ([]forwardClaim, error) {
	var fs []forwardClaim
	seen := make(map[string]string, len(m))
	for claim, h := range m {
		if claim == "" {
			return nil, errors.New("jwt.forward_claims: empty claim name")
		}
		if !httpguts.ValidHeaderFieldName(h) {
			return nil, fmt.Errorf("jwt.forward_claims.%s: %q is not a valid header name", claim, h)
		}
		h = http.CanonicalHeaderKey(h)
		if h == tokenHeader || h == "Cookie" || h == "Host" {
			return nil, fmt.Errorf("jwt.forward_claims.%s: cannot set %s", claim, h)
		}
		if other, dup := seen[h]; dup {
			return nil, fmt.Errorf("jwt.forward_claims.%s: header %s already set from claim %s", claim, h, other)
		}
		seen[h] = claim
		fs = append(fs, forwardClaim{claim: claim, header: h})
	}
	slices.SortFunc(fs, func(a, b forwardClaim) int { return strings.Compare(a.claim, b.claim) })
	return fs, nil
}

// checkJWKSURL refuses plain http except on loopback: whoever can change
// the key set in transit can mint tokens we would accept.
func checkJWKSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	switch u.Scheme {
	case "https":
	case "http":
		host := u.Hostname()
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return fmt.Errorf("%q: use https (plain http only for loopback)", raw)
		}
	default:
		return fmt.Errorf("%q: scheme must be https", raw)
	}
	if u.Host == "" {
		return fmt.Errorf("%q: no host", raw)
	}
	return nil
}

// validCookieName reports whether name is an RFC 6265 token.
func validCookieName(name string) bool {
	for i := range len(name) {
		if !httpguts.IsTokenRune(rune(name[i])) {
			return false
		}
	}
	return name != ""
}
