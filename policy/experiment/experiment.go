package experiment

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/verge-edge/verge/edgeinfo"
)

const (
	defaultCookieMaxAge = 30 * 24 * time.Hour
	defaultFlagsHeader  = "X-Verge-Flags"
	maxWeight           = 1_000_000
)

// Experiments is a route's compiled experiments and flags. It is safe for
// concurrent use; only the flags change after New, through Flags().Set.
type Experiments struct {
	exps   []*experiment
	byName map[string]*experiment
	flags  *Flags
}

// experiment is a validated Experiment.
type experiment struct {
	name     string
	variants []Variant
	byName   map[string]int // variant name to index
	total    uint64         // sum of weights
	first    int            // the variant for requests without a key
	sticky   sticky
	cookie   string
	maxAge   int // seconds
	header   string
}

// New checks cfg. Errors name the offending key, as in
// "experiments[0].variants: weights must sum to more than 0".
func New(cfg Config) (*Experiments, error) {
	e := &Experiments{byName: map[string]*experiment{}}
	headers := map[string]string{}
	cookies := map[string]string{}
	flagsHeader := defaultFlagsHeader
	if cfg.FlagsHeader != "" {
		if !validToken(cfg.FlagsHeader) {
			return nil, fmt.Errorf("flags_header: %q is not a valid header name", cfg.FlagsHeader)
		}
		flagsHeader = http.CanonicalHeaderKey(cfg.FlagsHeader)
	}
	headers[flagsHeader] = "flags_header"

	for i, c := range cfg.Experiments {
		key := fmt.Sprintf("experiments[%d]", i)
		x, err := compileExperiment(key, c)
		if err != nil {
			return nil, err
		}
		if _, dup := e.byName[x.name]; dup {
			return nil, fmt.Errorf("%s.name: duplicate %q", key, x.name)
		}
		if prev, dup := headers[x.header]; dup {
			return nil, fmt.Errorf("%s.header: %s is already used by %s", key, x.header, prev)
		}
		headers[x.header] = key
		if x.sticky.kind == stickyCookie {
			if prev, dup := cookies[x.cookie]; dup {
				return nil, fmt.Errorf("%s.cookie: %s is already used by %s", key, x.cookie, prev)
			}
			cookies[x.cookie] = key
		}
		e.exps = append(e.exps, x)
		e.byName[x.name] = x
	}
	fs, err := compileFlags(cfg.Flags)
	if err != nil {
		return nil, err
	}
	e.flags = &Flags{header: flagsHeader}
	e.flags.set.Store(fs)
	return e, nil
}

func compileExperiment(key string, c Experiment) (*experiment, error) {
	if !validName(c.Name) {
		return nil, fmt.Errorf("%s.name: %q must be %s", key, c.Name, nameRule)
	}
	x := &experiment{name: c.Name, byName: map[string]int{}, first: -1}
	if len(c.Variants) == 0 {
		return nil, fmt.Errorf("%s.variants: none", key)
	}
	for j, v := range c.Variants {
		vkey := fmt.Sprintf("%s.variants[%d]", key, j)
		if !validName(v.Name) {
			return nil, fmt.Errorf("%s.name: %q must be %s", vkey, v.Name, nameRule)
		}
		if _, dup := x.byName[v.Name]; dup {
			return nil, fmt.Errorf("%s.name: duplicate %q", vkey, v.Name)
		}
		if v.Weight < 0 || v.Weight > maxWeight {
			return nil, fmt.Errorf("%s.weight: %d is not between 0 and %d", vkey, v.Weight, maxWeight)
		}
		if strings.TrimSpace(v.Origin) != v.Origin {
			return nil, fmt.Errorf("%s.origin: %q has surrounding space", vkey, v.Origin)
		}
		if err := checkPathPrefix(v.PathPrefix); err != nil {
			return nil, fmt.Errorf("%s.path_prefix: %w", vkey, err)
		}
		x.byName[v.Name] = j
		x.variants = append(x.variants, v)
		x.total += uint64(v.Weight)
		if x.first < 0 && v.Weight > 0 {
			x.first = j
		}
	}
	if x.total == 0 {
		return nil, fmt.Errorf("%s.variants: weights must sum to more than 0", key)
	}

	var err error
	if x.sticky, err = parseSticky(c.Sticky, false); err != nil {
		return nil, fmt.Errorf("%s.sticky: %w", key, err)
	}
	if x.sticky.kind == stickyCookie {
		x.cookie = "verge-exp-" + c.Name
		if c.Cookie != "" {
			if !validToken(c.Cookie) {
				return nil, fmt.Errorf("%s.cookie: %q is not a valid cookie name", key, c.Cookie)
			}
			x.cookie = c.Cookie
		}
		maxAge := defaultCookieMaxAge
		if c.CookieMaxAge != 0 {
			maxAge = time.Duration(c.CookieMaxAge)
		}
		if maxAge < time.Second {
			return nil, fmt.Errorf("%s.cookie_max_age: must be at least 1s, got %v", key, maxAge)
		}
		x.maxAge = int(maxAge / time.Second)
	} else if c.Cookie != "" || c.CookieMaxAge != 0 {
		return nil, fmt.Errorf("%s.cookie: only used with sticky = \"cookie\"", key)
	}

	x.header = "X-Verge-Experiment-" + c.Name
	if c.Header != "" {
		if !validToken(c.Header) {
			return nil, fmt.Errorf("%s.header: %q is not a valid header name", key, c.Header)
		}
		x.header = c.Header
	}
	x.header = http.CanonicalHeaderKey(x.header)
	return x, nil
}

// checkPathPrefix checks a prefix that the server puts before a path as
// it is: prefix + "/items" must be a path.
func checkPathPrefix(p string) error {
	switch {
	case p == "":
		return nil
	case !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//"):
		return fmt.Errorf("%q must start with a single /", p)
	case strings.HasSuffix(p, "/"):
		return fmt.Errorf("%q must not end with /", p)
	case strings.ContainsAny(p, "?#\\ \t\r\n"):
		return fmt.Errorf("%q must be a plain path", p)
	}
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "." || seg == ".." {
			return fmt.Errorf("%q has a dot segment", p)
		}
	}
	return nil
}

// Headers returns the request headers Wrap sets: each experiment's and
// the flags header. A cache in front of content that depends on them
// must key on them.
func (e *Experiments) Headers() []string {
	out := make([]string, 0, len(e.exps)+1)
	for _, x := range e.exps {
		out = append(out, x.header)
	}
	return append(out, e.flags.header)
}

// Flags returns the route's feature flags, whose Set replaces them live.
func (e *Experiments) Flags() *Flags { return e.flags }

// Lookup returns the configuration of variant in experiment.
func (e *Experiments) Lookup(experiment, variant string) (Variant, bool) {
	x := e.byName[experiment]
	if x == nil {
		return Variant{}, false
	}
	i, ok := x.byName[variant]
	if !ok {
		return Variant{}, false
	}
	return x.variants[i], true
}

// Variant returns the variant of experiment that Wrap chose for r, read
// from edgeinfo. The server calls it behind Wrap to pick the variant's
// origin and path prefix:
//
//	if v, ok := exps.Variant(r, "checkout"); ok {
//		if v.Origin != "" {
//			origin = origins[v.Origin]
//		}
//		r.URL.Path = v.PathPrefix + r.URL.Path
//	}
func (e *Experiments) Variant(r *http.Request, experiment string) (Variant, bool) {
	info := edgeinfo.From(r.Context())
	if info == nil {
		return Variant{}, false
	}
	return e.Lookup(experiment, info.Variants[experiment])
}

// pick returns the variant index for a sticky key.
func (x *experiment) pick(key string) int {
	if key == "" {
		return x.first
	}
	b := bucket(hashKey("exp", x.name, key), x.total)
	for i, v := range x.variants {
		if b < uint64(v.Weight) {
			return i
		}
		b -= uint64(v.Weight)
	}
	return x.first // not reached: b < total
}

// inRotation reports whether name is a variant clients can be in.
func (x *experiment) inRotation(name string) bool {
	i, ok := x.byName[name]
	return ok && x.variants[i].Weight > 0
}

// assign chooses r's variant, issuing or renewing the cookie through w
// when stickiness is by cookie.
func (x *experiment) assign(w http.ResponseWriter, r *http.Request, info *edgeinfo.Info) string {
	if x.sticky.kind != stickyCookie {
		return x.variants[x.pick(x.sticky.key(r, info))].Name
	}
	var id string
	if c, err := r.Cookie(x.cookie); err == nil {
		cid, variant, _ := strings.Cut(c.Value, ".")
		if validID(cid) {
			// An existing assignment stands even when the weights have
			// changed since: that is what sticky means. A variant taken
			// out of rotation, or one we never had, is reassigned.
			if x.inRotation(variant) {
				return variant
			}
			id = cid
		}
	}
	if id == "" {
		id = rand.Text()
	}
	variant := x.variants[x.pick(id)].Name
	http.SetCookie(w, &http.Cookie{
		Name:     x.cookie,
		Value:    id + "." + variant,
		Path:     "/",
		MaxAge:   x.maxAge,
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
	return variant
}

// validID reports whether s is an id from rand.Text: 26 characters of
// the RFC 4648 base32 alphabet.
func validID(s string) bool {
	if len(s) != 26 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('A' <= c && c <= 'Z' || '2' <= c && c <= '7') {
			return false
		}
	}
	return true
}

// claimString renders a claim for hashing and comparing: strings as they
// are, numbers and booleans as in JSON, other values as JSON.
func claimString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
