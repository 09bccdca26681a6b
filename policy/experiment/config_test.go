package experiment

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

func TestConfigErrors(t *testing.T) {
	v := func(ws ...int) []Variant {
		var out []Variant
		for i, w := range ws {
			out = append(out, Variant{Name: string(rune('a' + i)), Weight: w})
		}
		return out
	}
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"zero weights", Config{Experiments: []Experiment{{Name: "x", Variants: v(0, 0)}}},
			"experiments[0].variants: weights must sum to more than 0"},
		{"no variants", Config{Experiments: []Experiment{{Name: "x"}}}, "experiments[0].variants: none"},
		{"negative weight", Config{Experiments: []Experiment{{Name: "x", Variants: v(1, -1)}}},
			"experiments[0].variants[1].weight: -1 is not between 0 and 1000000"},
		{"duplicate experiment", Config{Experiments: []Experiment{{Name: "x", Variants: v(1)}, {Name: "x", Variants: v(1)}}},
			`experiments[1].name: duplicate "x"`},
		{"duplicate variant", Config{Experiments: []Experiment{{Name: "x", Variants: []Variant{{Name: "a", Weight: 1}, {Name: "a", Weight: 1}}}}},
			`experiments[0].variants[1].name: duplicate "a"`},
		{"bad name", Config{Experiments: []Experiment{{Name: "a b", Variants: v(1)}}},
			`experiments[0].name: "a b" must be 1-64 letters, digits, '-' or '_'`},
		{"bad variant name", Config{Experiments: []Experiment{{Name: "x", Variants: []Variant{{Name: "a.b", Weight: 1}}}}},
			`experiments[0].variants[0].name: "a.b"`},
		{"unknown sticky", Config{Experiments: []Experiment{{Name: "x", Variants: v(1), Sticky: "session"}}},
			`experiments[0].sticky: unknown kind "session" (want cookie, ip, claim:NAME or header:NAME)`},
		{"empty claim sticky", Config{Experiments: []Experiment{{Name: "x", Variants: v(1), Sticky: "claim:"}}},
			`experiments[0].sticky: unknown kind "claim:"`},
		{"cookie sticky for experiment", Config{Experiments: []Experiment{{Name: "x", Variants: v(1), Sticky: "cookie:sid"}}},
			`experiments[0].sticky: unknown kind "cookie:sid"`},
		{"cookie without cookie sticky", Config{Experiments: []Experiment{{Name: "x", Variants: v(1), Sticky: "ip", Cookie: "c"}}},
			`experiments[0].cookie: only used with sticky = "cookie"`},
		{"bad cookie", Config{Experiments: []Experiment{{Name: "x", Variants: v(1), Cookie: "a;b"}}},
			`experiments[0].cookie: "a;b" is not a valid cookie name`},
		{"same cookie", Config{Experiments: []Experiment{{Name: "x", Variants: v(1), Cookie: "c"}, {Name: "y", Variants: v(1), Cookie: "c"}}},
			"experiments[1].cookie: c is already used by experiments[0]"},
		{"short max age", Config{Experiments: []Experiment{{Name: "x", Variants: v(1), CookieMaxAge: Duration(time.Millisecond)}}},
			"experiments[0].cookie_max_age: must be at least 1s"},
		{"bad header", Config{Experiments: []Experiment{{Name: "x", Variants: v(1), Header: "X Y"}}},
			`experiments[0].header: "X Y" is not a valid header name`},
		{"same header", Config{Experiments: []Experiment{{Name: "x", Variants: v(1), Header: "x-v"}, {Name: "y", Variants: v(1), Header: "X-V"}}},
			"experiments[1].header: X-V is already used by experiments[0]"},
		{"header is flags header", Config{Experiments: []Experiment{{Name: "x", Variants: v(1), Header: "X-Verge-Flags"}}},
			"experiments[0].header: X-Verge-Flags is already used by flags_header"},
		{"bad flags header", Config{FlagsHeader: "a b"}, `flags_header: "a b" is not a valid header name`},
		{"path prefix", Config{Experiments: []Experiment{{Name: "x", Variants: []Variant{{Name: "a", Weight: 1, PathPrefix: "/v2/"}}}}},
			`experiments[0].variants[0].path_prefix: "/v2/" must not end with /`},
		{"relative path prefix", Config{Experiments: []Experiment{{Name: "x", Variants: []Variant{{Name: "a", Weight: 1, PathPrefix: "v2"}}}}},
			"must start with a single /"},
		{"dot path prefix", Config{Experiments: []Experiment{{Name: "x", Variants: []Variant{{Name: "a", Weight: 1, PathPrefix: "/a/../b"}}}}},
			"has a dot segment"},
		{"flag name", Config{Flags: []Flag{{Name: "", Default: true}}}, `flags[0].name: "" must be`},
		{"duplicate flag", Config{Flags: []Flag{{Name: "f", Default: true}, {Name: "f", Default: true}}}, `flags[1].name: duplicate "f"`},
		{"no default", Config{Flags: []Flag{{Name: "f"}}}, "flags[0].default: missing"},
		{"NaN default", Config{Flags: []Flag{{Name: "f", Default: math.NaN()}}}, "flags[0].default: cannot be sent as JSON"},
		{"flag sticky", Config{Flags: []Flag{{Name: "f", Default: true, Sticky: "cookie"}}},
			`flags[0].sticky: unknown kind "cookie" (want ip, claim:NAME, header:NAME or cookie:NAME)`},
		{"percentage high", Config{Flags: []Flag{{Name: "f", Default: true, Rules: []FlagRule{{Claim: "a", Value: true}, {Percentage: ptr(100.5), Value: true}}}}},
			"flags[0].rules[1].percentage: 100.5 is out of range 0-100"},
		{"percentage negative", Config{Flags: []Flag{{Name: "f", Default: true, Rules: []FlagRule{{Percentage: ptr(-1.0), Value: true}}}}},
			"flags[0].rules[0].percentage: -1 is out of range 0-100"},
		{"country", Config{Flags: []Flag{{Name: "f", Default: true, Rules: []FlagRule{{Countries: []string{"ARG"}, Value: true}}}}},
			`flags[0].rules[0].countries[0]: "ARG" is not an ISO 3166-1 alpha-2 code`},
		{"claim value alone", Config{Flags: []Flag{{Name: "f", Default: true, Rules: []FlagRule{{ClaimValue: "x", Value: true}}}}},
			"flags[0].rules[0].claim_value: set without claim"},
		{"no condition", Config{Flags: []Flag{{Name: "f", Default: true, Rules: []FlagRule{{Value: false}}}}},
			"flags[0].rules[0]: no condition"},
		{"no value", Config{Flags: []Flag{{Name: "f", Default: true, Rules: []FlagRule{{Claim: "a"}}}}},
			"flags[0].rules[0].value: missing"},
		{"value type", Config{Flags: []Flag{{Name: "f", Default: true, Rules: []FlagRule{{Claim: "a", Value: "yes"}}}}},
			"flags[0].rules[0].value: a string, but the default is a bool"},
	}
	for _, tt := range tests {
		_, err := New(tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
}

func TestDuration(t *testing.T) {
	for s, want := range map[string]time.Duration{"30d": 720 * time.Hour, "720h": 720 * time.Hour, "90m": 90 * time.Minute, "0d": 0} {
		var d Duration
		if err := d.UnmarshalText([]byte(s)); err != nil || time.Duration(d) != want {
			t.Errorf("%q: %v, %v", s, time.Duration(d), err)
		}
	}
	for _, s := range []string{"d", "1.5d", "-1d", "30 days", ""} {
		var d Duration
		if err := d.UnmarshalText([]byte(s)); err == nil {
			t.Errorf("%q: no error", s)
		}
	}
}

// docExample is the package documentation's example; it must decode and
// load.
const docExample = `
flags_header = "X-Verge-Flags"        # default

[[experiments]]
name = "checkout"
sticky = "cookie"                     # default; or "ip", "claim:sub", "header:X-User"
cookie = "verge-exp-checkout"         # default verge-exp-NAME
cookie_max_age = "30d"                # default; or "720h"
header = "X-Verge-Experiment-checkout" # default X-Verge-Experiment-NAME
[[experiments.variants]]
name = "control"
weight = 90
[[experiments.variants]]
name = "new"
weight = 10
origin = "checkout-v2"                # optional: an origin name
path_prefix = "/v2"                   # optional: put before the path

[[flags]]
name = "new_search"
default = false
sticky = "claim:sub"                  # what percentage hashes; default "ip"
[[flags.rules]]
claim = "role"
claim_value = "staff"
value = true
[[flags.rules]]
countries = ["AR", "UY"]
percentage = 25
value = true

[[flags]]
name = "banner"
default = "none"
[[flags.rules]]
countries = ["DE"]
value = "cookie-consent"
`

func TestDocExample(t *testing.T) {
	var cfg Config
	md, err := toml.Decode(docExample, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		t.Fatalf("undecoded keys: %v", und)
	}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	x := e.byName["checkout"]
	if x.maxAge != 30*24*3600 || x.header != "X-Verge-Experiment-Checkout" || x.total != 100 {
		t.Errorf("experiment: %+v", x)
	}
	if p := cfg.Flags[0].Rules[1].Percentage; p == nil || *p != 25 {
		t.Errorf("percentage = 25 decoded as %v", p)
	}
	if v, ok := e.Lookup("checkout", "new"); !ok || v.Origin != "checkout-v2" || v.PathPrefix != "/v2" {
		t.Errorf("Lookup: %+v", v)
	}
}
