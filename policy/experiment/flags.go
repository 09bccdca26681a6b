package experiment

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/verge-edge/verge/edgeinfo"
)

// Flags are a route's feature flags. Set replaces them while requests are
// being served, so a flag can change without redeploying the worker or
// restarting the server: requests already past evaluation keep the
// values they got, later ones see the new flags.
type Flags struct {
	header string
	set    atomic.Pointer[flagSet]
}

// flagSet is one immutable generation of compiled flags.
type flagSet struct {
	flags []flag
}

type flag struct {
	name   string
	def    flagValue
	sticky sticky
	rules  []flagRule
}

// flagValue is a flag value with its JSON form, encoded once at load.
type flagValue struct {
	v    any
	json string
}

type flagRule struct {
	countries  []string // upper case
	hasPct     bool
	pct        float64
	claim      string
	claimValue string
	val        flagValue
}

// Set replaces the flags with cfg, or returns an error naming the bad key
// and keeps the current ones. It is safe to call while requests are
// served.
func (f *Flags) Set(cfg []Flag) error {
	fs, err := compileFlags(cfg)
	if err != nil {
		return err
	}
	f.set.Store(fs)
	return nil
}

// load returns the current flags; a zero Flags has none.
func (f *Flags) load() *flagSet {
	if fs := f.set.Load(); fs != nil {
		return fs
	}
	return &flagSet{}
}

// Evaluate returns every flag's value for r, computed from its edgeinfo
// (country, claims, client address) and headers. The map is the caller's.
func (f *Flags) Evaluate(r *http.Request) map[string]any {
	fs := f.load()
	info := edgeinfo.From(r.Context())
	out := make(map[string]any, len(fs.flags))
	for i := range fs.flags {
		fl := &fs.flags[i]
		// A copy: the configuration's arrays and tables must not be
		// changed through the result.
		out[fl.name] = deepCopy(fl.eval(r, info).v)
	}
	return out
}

// headerValue returns the flags for r as compact JSON with keys sorted,
// or "" when there are no flags.
func (f *Flags) headerValue(r *http.Request, info *edgeinfo.Info) string {
	fs := f.load()
	if len(fs.flags) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteByte('{')
	for i := range fs.flags {
		fl := &fs.flags[i]
		if i > 0 {
			b.WriteByte(',')
		}
		// Names are from a quote-free alphabet: no escaping needed.
		b.WriteString(`"` + fl.name + `":`)
		b.WriteString(fl.eval(r, info).json)
	}
	b.WriteByte('}')
	return b.String()
}

// eval returns the value of the first matching rule, else the default.
func (fl *flag) eval(r *http.Request, info *edgeinfo.Info) *flagValue {
	key, haveKey := "", false
	for i := range fl.rules {
		ru := &fl.rules[i]
		if len(ru.countries) > 0 && (info == nil || !containsFold(ru.countries, info.Location.Country)) {
			continue
		}
		if ru.claim != "" && (info == nil || !claimMatches(info.Claims[ru.claim], ru.claimValue)) {
			continue
		}
		if ru.hasPct {
			if !haveKey {
				key, haveKey = fl.sticky.key(r, info), true
			}
			if key == "" || percent(hashKey("flag", fl.name, key)) >= ru.pct {
				continue
			}
		}
		return &ru.val
	}
	return &fl.def
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// claimMatches reports whether a claim meets a rule: equal to want (or,
// for an array, containing it), or with want "", present and truthy.
func claimMatches(v any, want string) bool {
	if want == "" {
		switch x := v.(type) {
		case nil:
			return false
		case bool:
			return x
		case string:
			return x != ""
		}
		return true
	}
	if arr, ok := v.([]any); ok {
		for _, e := range arr {
			if e != nil && claimString(e) == want {
				return true
			}
		}
		return false
	}
	return v != nil && claimString(v) == want
}

func compileFlags(cfg []Flag) (*flagSet, error) {
	fs := &flagSet{}
	seen := map[string]bool{}
	for i, c := range cfg {
		key := fmt.Sprintf("flags[%d]", i)
		if !validName(c.Name) {
			return nil, fmt.Errorf("%s.name: %q must be %s", key, c.Name, nameRule)
		}
		if seen[c.Name] {
			return nil, fmt.Errorf("%s.name: duplicate %q", key, c.Name)
		}
		seen[c.Name] = true
		fl := flag{name: c.Name}
		var err error
		if fl.def, err = compileValue(c.Default); err != nil {
			return nil, fmt.Errorf("%s.default: %w", key, err)
		}
		if fl.sticky, err = parseSticky(c.Sticky, true); err != nil {
			return nil, fmt.Errorf("%s.sticky: %w", key, err)
		}
		for j, rc := range c.Rules {
			ru, err := compileRule(fmt.Sprintf("%s.rules[%d]", key, j), rc, fl.def)
			if err != nil {
				return nil, err
			}
			fl.rules = append(fl.rules, ru)
		}
		fs.flags = append(fs.flags, fl)
	}
	// Sorted, so the header's JSON is the same for the same values
	// whatever the order of the configuration.
	slices.SortFunc(fs.flags, func(a, b flag) int { return strings.Compare(a.name, b.name) })
	return fs, nil
}

// compileRule checks a rule; key names it in errors, as in
// "flags[0].rules[1]".
func compileRule(key string, c FlagRule, def flagValue) (flagRule, error) {
	var ru flagRule
	for k, code := range c.Countries {
		if len(code) != 2 || !validName(code) {
			return ru, fmt.Errorf("%s.countries[%d]: %q is not an ISO 3166-1 alpha-2 code", key, k, code)
		}
		ru.countries = append(ru.countries, strings.ToUpper(code))
	}
	if c.Percentage != nil {
		p := *c.Percentage
		if math.IsNaN(p) || p < 0 || p > 100 {
			return ru, fmt.Errorf("%s.percentage: %v is out of range 0-100", key, p)
		}
		ru.hasPct, ru.pct = true, p
	}
	if c.ClaimValue != "" && c.Claim == "" {
		return ru, fmt.Errorf("%s.claim_value: set without claim", key)
	}
	ru.claim, ru.claimValue = c.Claim, c.ClaimValue
	if len(ru.countries) == 0 && !ru.hasPct && ru.claim == "" {
		return ru, fmt.Errorf("%s: no condition (countries, percentage or claim); set the flag's default instead", key)
	}
	var err error
	if ru.val, err = compileValue(c.Value); err != nil {
		return ru, fmt.Errorf("%s.value: %w", key, err)
	}
	// The worker reads the flag without knowing which rule gave it; a
	// value of another type than the default is almost always a typo.
	if vk, dk := kind(ru.val.json), kind(def.json); vk != dk {
		return ru, fmt.Errorf("%s.value: %s, but the default is %s", key, vk, dk)
	}
	return ru, nil
}

// compileValue encodes a TOML value as ASCII-only JSON.
func compileValue(v any) (flagValue, error) {
	if v == nil {
		return flagValue{}, errors.New("missing")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return flagValue{}, fmt.Errorf("cannot be sent as JSON: %w", err)
	}
	return flagValue{v: v, json: asciiJSON(b)}, nil
}

// asciiJSON escapes non-ASCII characters in JSON as \uXXXX, so that the
// value can travel in a header, where only ASCII is portable.
func asciiJSON(b []byte) string {
	var sb strings.Builder
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		switch {
		case r < utf8.RuneSelf:
			sb.WriteRune(r)
		case r > 0xffff:
			r -= 0x10000
			fmt.Fprintf(&sb, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		default:
			fmt.Fprintf(&sb, `\u%04x`, r)
		}
	}
	return sb.String()
}

// deepCopy copies the arrays and tables of a decoded TOML value.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	case []map[string]any:
		s := make([]map[string]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e).(map[string]any)
		}
		return s
	}
	return v
}

// kind names a JSON value's type, for error messages.
func kind(js string) string {
	switch js[0] {
	case '{':
		return "a table"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a bool"
	}
	return "a number"
}
