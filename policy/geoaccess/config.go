package geoaccess

import (
	"errors"
	"fmt"
	"math"
	"mime"
	"net/http"
	"strings"
)

// Config is a route's [geo_access] table. A list that is empty or
// absent is not applied.
type Config struct {
	// AllowCountries and DenyCountries are ISO 3166-1 alpha-2 codes
	// ("AR", "de"; "T1" is Tor, "XX" unknown, as on Cloudflare).
	AllowCountries []string `toml:"allow_countries"`
	DenyCountries  []string `toml:"deny_countries"`
	// AllowContinents and DenyContinents are AF, AN, AS, EU, NA, OC, SA.
	AllowContinents []string `toml:"allow_continents"`
	DenyContinents  []string `toml:"deny_continents"`
	// AllowASNs and DenyASNs are autonomous system numbers.
	AllowASNs []int `toml:"allow_asns"`
	DenyASNs  []int `toml:"deny_asns"`
	// Status answers refused requests: 403 (the default), 451
	// (Unavailable For Legal Reasons) or another 4xx.
	Status int `toml:"status"`
	// Body is the refusal's body. Default "Access denied in your region\n".
	Body string `toml:"body"`
	// ContentType is the refusal's Content-Type. Default
	// "text/plain; charset=utf-8".
	ContentType string `toml:"content_type"`
	// Unknown is "allow" (the default) or "deny": what a list does with
	// a request whose location lacks the field it checks.
	Unknown string `toml:"unknown"`
}

const (
	defaultStatus      = http.StatusForbidden
	defaultBody        = "Access denied in your region\n"
	defaultContentType = "text/plain; charset=utf-8"
)

// Tor and Unknown are the pseudo country codes Cloudflare uses for Tor
// exits and for addresses without a country.
const (
	Tor     = "T1"
	Unknown = "XX"
)

var continents = []string{"AF", "AN", "AS", "EU", "NA", "OC", "SA"}

// rule is one kind of list, compiled; a nil *rule is not applied.
type rule[T comparable] struct {
	set   map[T]bool
	allow bool // an allow list; else a deny list
}

// compileRule checks an allow and a deny list of one kind, of which at
// most one may be given: with both, a value on neither would be refused
// by one and admitted by the other, and which one meant it is a guess.
func compileRule[T comparable](kind string, allow, deny []T, check func(T) (T, error)) (*rule[T], error) {
	if len(allow) > 0 && len(deny) > 0 {
		return nil, fmt.Errorf("geo_access.allow_%[1]s and geo_access.deny_%[1]s: give one or the other", kind)
	}
	list, key := allow, "allow_"+kind
	if len(deny) > 0 {
		list, key = deny, "deny_"+kind
	}
	if len(list) == 0 {
		return nil, nil
	}
	r := &rule[T]{set: make(map[T]bool, len(list)), allow: len(allow) > 0}
	for i, v := range list {
		norm, err := check(v)
		if err != nil {
			return nil, fmt.Errorf("geo_access.%s[%d]: %w", key, i, err)
		}
		r.set[norm] = true
	}
	return r, nil
}

func checkCountry(c string) (string, error) {
	up := strings.ToUpper(c)
	if up == Tor || len(up) == 2 && isUpper(up[0]) && isUpper(up[1]) {
		return up, nil
	}
	return "", fmt.Errorf("%q is not a two-letter country code", c)
}

func isUpper(b byte) bool { return 'A' <= b && b <= 'Z' }

func checkContinent(c string) (string, error) {
	up := strings.ToUpper(c)
	for _, k := range continents {
		if up == k {
			return up, nil
		}
	}
	return "", fmt.Errorf("%q is not one of %s", c, strings.Join(continents, ", "))
}

func checkASN(n int) (int, error) {
	// AS 0 is reserved (RFC 7607) and is what geo reports for "unknown",
	// so listing it would match nothing, or everything unlocated.
	if n < 1 || int64(n) > math.MaxUint32 {
		return 0, fmt.Errorf("%d is not an AS number (1 to %d)", n, uint32(math.MaxUint32))
	}
	return n, nil
}

// settings is a validated Config with its defaults applied.
type settings struct {
	countries, continents *rule[string]
	asns                  *rule[int]
	unknownDeny           bool
	status                int
	body                  []byte
	contentType           string
}

func (cfg *Config) validate() (*settings, error) {
	s := &settings{status: defaultStatus, body: []byte(defaultBody), contentType: defaultContentType}
	var err error
	if s.countries, err = compileRule("countries", cfg.AllowCountries, cfg.DenyCountries, checkCountry); err != nil {
		return nil, err
	}
	if s.continents, err = compileRule("continents", cfg.AllowContinents, cfg.DenyContinents, checkContinent); err != nil {
		return nil, err
	}
	if s.asns, err = compileRule("asns", cfg.AllowASNs, cfg.DenyASNs, checkASN); err != nil {
		return nil, err
	}
	if s.countries == nil && s.continents == nil && s.asns == nil {
		// A table that refuses nothing is a mistake (a misspelt key, an
		// emptied list), not a policy.
		return nil, errors.New("geo_access: give at least one allow_* or deny_* list")
	}
	switch cfg.Unknown {
	case "", "allow":
	case "deny":
		s.unknownDeny = true
	default:
		return nil, fmt.Errorf("geo_access.unknown: %q is not \"allow\" or \"deny\"", cfg.Unknown)
	}
	if cfg.Status != 0 {
		// A refusal must read as one, and as the client's: a 5xx would
		// be taken for an outage and retried.
		if cfg.Status < 400 || cfg.Status > 499 {
			return nil, fmt.Errorf("geo_access.status: must be 403, 451 or another 4xx code, got %d", cfg.Status)
		}
		s.status = cfg.Status
	}
	if cfg.Body != "" {
		s.body = []byte(cfg.Body)
	}
	if cfg.ContentType != "" {
		if _, _, err := mime.ParseMediaType(cfg.ContentType); err != nil {
			return nil, fmt.Errorf("geo_access.content_type: %w", err)
		}
		s.contentType = cfg.ContentType
	}
	return s, nil
}
