package vercel

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestMatcherPaths(t *testing.T) {
	const negative = `"/((?!api|_next/static|_next/image|favicon.ico).*)"`
	tests := []struct {
		name string
		cfg  string
		yes  []string
		no   []string
	}{
		{"documented negative lookahead", `{"matcher": ` + negative + `}`,
			[]string{"/", "/about", "/blog/post", "/_next/data/x.json", "/x/api"},
			// As in JS, the lookahead refuses any path starting with "api", "/apis" too.
			[]string{"/api", "/api/users", "/apis", "/_next/static/chunk.js", "/_next/image", "/favicon.ico", "/faviconXico"}},
		{"param star", `{"matcher": "/about/:path*"}`,
			[]string{"/about", "/about/", "/about/a", "/about/a/b"},
			[]string{"/", "/aboutx", "/other/about"}},
		{"param plus", `"/dashboard/:path+"`,
			[]string{"/dashboard/a", "/dashboard/a/b"},
			[]string{"/dashboard", "/dashboard/"}},
		{"param optional", `"/blog/:slug?"`,
			[]string{"/blog", "/blog/x"},
			[]string{"/blog/x/y"}},
		{"named param", `"/posts/:id"`,
			[]string{"/posts/1", "/posts/1/"},
			[]string{"/posts", "/posts/1/2"}},
		{"custom regex param", `"/posts/:id(\\d{1,})"`,
			[]string{"/posts/123"},
			[]string{"/posts/abc"}},
		{"array", `{"matcher": ["/about/:path*", "/dashboard/:path*"]}`,
			[]string{"/about", "/dashboard/x"},
			[]string{"/", "/blog"}},
		{"root", `"/"`, []string{"/"}, []string{"/a"}},
		{"case sensitive", `"/About"`, []string{"/About"}, []string{"/about"}},
		{"braces group", `"/file{.json}?"`, []string{"/file", "/file.json"}, []string{"/filejson"}},
		{"optional lookahead group", `"/shop/((?!admin).*)?"`,
			[]string{"/shop", "/shop/", "/shop/shoes"},
			[]string{"/shop/admin", "/shop/admin/users"}},
		{"positive lookahead", `"/((?=en|fr).*)"`, []string{"/en/a", "/fr"}, []string{"/de", "/"}},
		{"lookahead in named param", `"/u/:name((?!me$)[^/]+)"`, []string{"/u/you", "/u/mee"}, []string{"/u/me"}},
		{"no matcher", `{"runtime": "edge"}`, []string{"/", "/anything"}, nil},
		{"empty", ``, []string{"/x"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := CompileMatcher(json.RawMessage(tt.cfg))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range tt.yes {
				if !m.MatchPath(p) {
					t.Errorf("%s should match %q", tt.cfg, p)
				}
			}
			for _, p := range tt.no {
				if m.MatchPath(p) {
					t.Errorf("%s should not match %q", tt.cfg, p)
				}
			}
		})
	}
}

// TestLookaheadSlowPath: the regexp's preferred split breaks the lookahead,
// yet another split satisfies it, as in JS.
func TestLookaheadSlowPath(t *testing.T) {
	// Leftmost-first gives :a the single "x", leaving "ab" for the group,
	// which the lookahead refuses; JS backtracks to :a = "xa", group "b".
	m, err := CompileMatcher(json.RawMessage(`"/:a([a-z]+?)((?!ab)[a-z]*)"`))
	if err != nil {
		t.Fatal(err)
	}
	if !m.MatchPath("/xab") {
		t.Error("want match via another split")
	}
	m, err = CompileMatcher(json.RawMessage(`"/:a(x)((?!ab)[a-z]*)"`))
	if err != nil {
		t.Fatal(err)
	}
	if m.MatchPath("/xab") {
		t.Error("want no match: the only split breaks the lookahead")
	}
}

func TestMatcherConditions(t *testing.T) {
	cfg := `{"matcher": [{
		"source": "/api/:path*",
		"locale": false,
		"has": [
			{"type": "header", "key": "Authorization", "value": "Bearer .*"},
			{"type": "query", "key": "userId", "value": "123"}
		],
		"missing": [{"type": "cookie", "key": "session", "value": "active"}]
	}, {
		"source": "/host-only",
		"has": [{"type": "host", "value": "example\\.com"}]
	}, {
		"source": "/present",
		"has": [{"type": "header", "key": "x-flag"}]
	}]}`
	m, err := CompileMatcher(json.RawMessage(cfg))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		target  string
		headers map[string]string
		want    bool
	}{
		{"all conditions", "/api/x?userId=123", map[string]string{"Authorization": "Bearer t"}, true},
		{"query mismatch", "/api/x?userId=1234", map[string]string{"Authorization": "Bearer t"}, false},
		{"last query value wins", "/api/x?userId=1&userId=123", map[string]string{"Authorization": "Bearer t"}, true},
		{"header missing", "/api/x?userId=123", nil, false},
		{"missing cookie present", "/api/x?userId=123", map[string]string{"Authorization": "Bearer t", "Cookie": "session=active"}, false},
		{"missing cookie other value", "/api/x?userId=123", map[string]string{"Authorization": "Bearer t", "Cookie": "session=expired"}, true},
		{"path mismatch", "/other?userId=123", map[string]string{"Authorization": "Bearer t"}, false},
		{"host", "http://Example.com:8080/host-only", nil, true},
		{"other host", "http://example.org/host-only", nil, false},
		{"presence", "/present", map[string]string{"X-Flag": "1"}, true},
		{"empty counts as absent", "/present", map[string]string{"X-Flag": ""}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := tt.target
			if !strings.HasPrefix(target, "http") {
				target = "http://example.com" + target
			}
			r := httptest.NewRequest("GET", target, nil)
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			if got := m.Match(r); got != tt.want {
				t.Errorf("Match(%s) = %v, want %v", tt.target, got, tt.want)
			}
		})
	}
}

func TestCompileMatcherErrors(t *testing.T) {
	tests := []struct {
		cfg, want string
	}{
		{`"about"`, "must start with /"},
		{`"/api/*"`, "unexpected MODIFIER"},
		{`"/:"`, "missing parameter name"},
		{`"/(a(b))"`, "capturing groups are not allowed"},
		{`"/(abc"`, "unbalanced pattern"},
		{`"/(?!api).*"`, "pattern cannot start with"},
		{`"/()"`, "missing pattern"},
		{`"/{a"`, "expected CLOSE"},
		{`"/((?!a)b|c)"`, "top-level '|'"},
		{`"/(a(?!b).*)"`, "lookaround at offset"},
		{`"/((?<=a)b)"`, "lookaround"},
		{`"/((?!a).*)*"`, "repeated group"},
		{`"/(\\p{Foo})"`, "pattern"},
		{`{"matcher": []}`, "empty array"},
		{`{"matcher": [1]}`, "config.matcher[0]"},
		{`{"matcher": [{"source": "/a", "extra": 1}]}`, "unknown field"},
		{`{"matcher": [{"source": "/a", "locale": true}]}`, "locale"},
		{`{"matcher": [{"source": "/a", "has": [{"type": "header"}]}]}`, "has[0]: header condition needs a key"},
		{`{"matcher": [{"source": "/a", "missing": [{"type": "ip", "key": "x"}]}]}`, "missing[0]: type \"ip\""},
		{`{"matcher": [{"source": "/a", "has": [{"type": "query", "key": "x", "value": "(?!a)"}]}]}`, "value"},
		{`{"matcher": ["/ok", "bad"]}`, "config.matcher[1]"},
		{`{"matcher": `, "config"},
	}
	for _, tt := range tests {
		_, err := CompileMatcher(json.RawMessage(tt.cfg))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("CompileMatcher(%s) = %v, want error containing %q", tt.cfg, err, tt.want)
		}
	}
}

func TestNilMatcher(t *testing.T) {
	var m *Matcher
	if !m.Match(httptest.NewRequest("GET", "/x", nil)) || !m.MatchPath("/y") {
		t.Error("nil matcher should match everything")
	}
}

func FuzzCompileMatcher(f *testing.F) {
	for _, s := range []string{`"/((?!api|_next/static).*)"`, `"/about/:path*"`, `"/{a}?"`, `"/(a)"`} {
		f.Add(s, "/about/x")
	}
	f.Fuzz(func(t *testing.T, cfg, path string) {
		m, err := CompileMatcher(json.RawMessage(cfg))
		if err != nil {
			return
		}
		m.MatchPath(path) // must not panic
	})
}
