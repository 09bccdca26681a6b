package waf

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"testing"

	"cel.dev/cel-go/common/types"
)

// TestQuerySource checks that lookups agree with url.ParseQuery, first
// value first.
func TestQuerySource(t *testing.T) {
	for _, raw := range []string{
		"",
		"a=1&b=2&a=3",
		"a",
		"a=&b",
		"q=x+y%20z&%71=second",
		"bad=%zz&bad=ok",
		"semi=1;x=2&semi=3",
		"&&a=1&",
		"k%3Dx=v%26w",
	} {
		want, _ := url.ParseQuery(raw)
		s := querySource(raw)
		for k, vs := range want {
			if got, ok := s.lookup(k); !ok || got != vs[0] {
				t.Errorf("%q: lookup(%q) = %q, %v; want %q", raw, k, got, ok, vs[0])
			}
		}
		if got, ok := s.lookup("absent"); ok || got != "" {
			t.Errorf("%q: lookup(absent) = %q, %v", raw, got, ok)
		}
		if s.size() != len(want) || len(s.all()) != len(want) {
			t.Errorf("%q: size %d, %d entries; want %d", raw, s.size(), len(s.all()), len(want))
		}
	}
}

// TestCookieSource checks that lookups agree with net/http on cookies it
// accepts, and see the ones it drops.
func TestCookieSource(t *testing.T) {
	lines := []string{`a=1; b="quoted"; a=2`, `c=3;;d=`}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header["Cookie"] = lines
	s := cookieSource(lines)
	for _, c := range r.Cookies() {
		if c.Name == "a" && c.Value == "2" {
			continue // the first one wins
		}
		if got, ok := s.lookup(c.Name); !ok || got != c.Value {
			t.Errorf("lookup(%q) = %q, %v; want %q", c.Name, got, ok, c.Value)
		}
	}
	want := map[string]string{"a": "1", "b": "quoted", "c": "3", "d": ""}
	if got := s.all(); !maps.Equal(got, want) {
		t.Errorf("all() = %v, want %v", got, want)
	}
	bad := cookieSource{"x=<script>alert(1)</script> ; y=a b; z = 1 "}
	if v, _ := bad.lookup("x"); v != "<script>alert(1)</script>" {
		t.Errorf("x = %q", v)
	}
	if v, _ := bad.lookup("y"); v != "a b" {
		t.Errorf("y = %q", v)
	}
	if v, _ := bad.lookup("z"); v != "1" {
		t.Errorf("z = %q, want spaces around the value trimmed", v)
	}
}

// TestStrMapInCEL runs the map operations rules can use on headers,
// query and cookies.
func TestStrMapInCEL(t *testing.T) {
	env, err := newEnv()
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "http://example.com/?a=1&b=2", nil)
	r.Header.Set("X-One", "1")
	r.Header.Set("Cookie", "s=1; t=2")
	for _, expr := range []string{
		`size(headers) == 3`, // X-One, Cookie and Host
		`headers.size() == 3`,
		`headers == headers`,
		`headers == {"x-one": "1", "cookie": "s=1; t=2", "host": "example.com"}`,
		`query == {"a": "1", "b": "2"}`,
		`query.all(k, k in ["a", "b"])`,
		`cookies.exists_one(k, k == "t")`,
		`cookies.map(k, cookies[k]).all(v, v in ["1", "2"]) && cookies.map(k, k).size() == 2`, // in no set order
		`"s" in cookies && !("u" in cookies) && cookies.u == "" && !has(cookies.u)`,
		`type(query) == map`,
		`dyn(headers)["x-one"] == "1"`,
	} {
		prg, _, err := compile(env, expr)
		if err != nil {
			t.Errorf("%s: %v", expr, err)
			continue
		}
		out, _, err := prg.Eval(newActivation(r))
		if err != nil || out != types.True {
			t.Errorf("%s = %v, %v; want true", expr, out, err)
		}
	}
	native, err := strMap{querySource("a=1")}.ConvertToNative(reflect.TypeFor[map[string]string]())
	if err != nil || !reflect.DeepEqual(native, map[string]string{"a": "1"}) {
		t.Errorf("ConvertToNative: %v, %v", native, err)
	}
}

// TestVariables checks that every declared variable has a value, and
// that declarations and lookups agree.
func TestVariables(t *testing.T) {
	names := []string{
		"method", "path", "query", "url", "host", "headers", "cookies", "user_agent",
		"ip", "country", "continent", "city", "region", "region_code", "asn", "claims",
	}
	if len(names) != len(variables()) || len(names) != int(numVars) {
		t.Fatalf("%d names, %d declarations, %d variables", len(names), len(variables()), numVars)
	}
	env, err := newEnv()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[variable]bool{}
	for _, name := range names {
		v, ok := lookupVariable(name)
		if !ok || seen[v] {
			t.Errorf("%s: variable %d, %v", name, v, ok)
		}
		seen[v] = true
		prg, _, err := compile(env, name+" == "+name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		out, _, err := prg.Eval(newActivation(httptest.NewRequest(http.MethodGet, "/", nil)))
		if err != nil || out != types.True {
			t.Errorf("%s == %s: %v, %v", name, name, out, err)
		}
	}
}
