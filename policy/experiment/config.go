package experiment

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Config is a route's experiments and feature flags.
type Config struct {
	// Experiments are the A/B tests; each request is put in one variant
	// of every experiment.
	Experiments []Experiment `toml:"experiments"`
	// Flags are the feature flags, evaluated for every request. They can
	// be replaced while serving with Flags.Set.
	Flags []Flag `toml:"flags"`
	// FlagsHeader is the request header carrying the flags as JSON to the
	// worker or origin. Default "X-Verge-Flags".
	FlagsHeader string `toml:"flags_header"`
}

// Experiment is one A/B test.
type Experiment struct {
	// Name identifies the experiment: letters, digits, '-' and '_'.
	Name string `toml:"name"`
	// Variants are the arms of the test, chosen in proportion to their
	// weights. List the control first: requests without a sticky key
	// get the first variant with a positive weight.
	Variants []Variant `toml:"variants"`
	// Sticky says what keeps a client in its variant: "cookie" (the
	// default; a cookie is issued), "ip", "claim:NAME" (a verified JWT
	// claim) or "header:NAME".
	Sticky string `toml:"sticky"`
	// Cookie names the cookie for sticky = "cookie". Default
	// "verge-exp-NAME".
	Cookie string `toml:"cookie"`
	// CookieMaxAge is the cookie's lifetime, such as "720h" or "30d".
	// Default 30 days.
	CookieMaxAge Duration `toml:"cookie_max_age"`
	// Header is the request header telling the worker or origin the
	// variant. Default "X-Verge-Experiment-NAME".
	Header string `toml:"header"`
}

// Variant is one arm of an experiment.
type Variant struct {
	// Name identifies the variant: letters, digits, '-' and '_'.
	Name string `toml:"name"`
	// Weight is the variant's share of the traffic, relative to the
	// others' weights. 0 takes it out of rotation.
	Weight int `toml:"weight"`
	// Origin, when set, names the origin the server sends the variant's
	// requests to.
	Origin string `toml:"origin"`
	// PathPrefix, when set, is put in front of the path the origin sees,
	// such as "/v2". It starts with "/" and does not end with one.
	PathPrefix string `toml:"path_prefix"`
}

// Flag is one feature flag.
type Flag struct {
	// Name identifies the flag: letters, digits, '-' and '_'.
	Name string `toml:"name"`
	// Default is the flag's value when no rule matches: a TOML bool,
	// string, number, array or table.
	Default any `toml:"default"`
	// Sticky is the key percentage rules hash: "ip" (the default),
	// "claim:NAME", "header:NAME" or "cookie:NAME" (an existing cookie;
	// none is issued).
	Sticky string `toml:"sticky"`
	// Rules are tried in order; the first that matches gives the value.
	Rules []FlagRule `toml:"rules"`
}

// FlagRule gives Value to requests meeting all of its conditions; it has
// at least one.
type FlagRule struct {
	// Countries matches clients located in one of these ISO 3166-1
	// alpha-2 codes.
	Countries []string `toml:"countries"`
	// Percentage matches that share (0-100) of sticky keys. Raising it
	// only adds keys: the ones already in stay in. Nil means no
	// percentage condition (0 matches nobody).
	Percentage *float64 `toml:"percentage"`
	// Claim matches requests with this verified JWT claim: equal to
	// ClaimValue when that is set (or, for an array claim, containing
	// it); otherwise present and not false, null or "".
	Claim string `toml:"claim"`
	// ClaimValue is compared with the claim's string form.
	ClaimValue string `toml:"claim_value"`
	// Value is the flag's value when the rule matches; it has the same
	// type as Default.
	Value any `toml:"value"`
}

// Duration is a time.Duration written as a string in TOML: "720h", "90m",
// or a whole number of days such as "30d".
type Duration time.Duration

// UnmarshalText parses s with time.ParseDuration, or as "<n>d".
func (d *Duration) UnmarshalText(s []byte) error {
	if days, ok := strings.CutSuffix(string(s), "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 100*365 {
			return fmt.Errorf("invalid duration %q", s)
		}
		*d = Duration(time.Duration(n) * 24 * time.Hour)
		return nil
	}
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

// validName reports whether s can name an experiment, variant or flag.
// The names end up in header names, cookie names and values and JSON
// keys; this alphabet is safe in all of them without quoting.
func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '-' || c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

const nameRule = "1-64 letters, digits, '-' or '_'"

// validToken reports whether s is an RFC 9110 token, the syntax of header
// and cookie names.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
