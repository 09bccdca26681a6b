package transform

import (
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"header name", Config{RequestHeaders: HeaderOps{Set: map[string]string{"X Bad": "v"}}},
			`transform.request_headers.set["X Bad"]: "X Bad" is not a valid header name`},
		{"header name in remove", Config{ResponseHeaders: HeaderOps{Remove: []string{"ok", "bad:"}}},
			`transform.response_headers.remove[1]: "bad:" is not a valid header name`},
		{"rename target", Config{RequestHeaders: HeaderOps{Rename: map[string]string{"A": "b c"}}},
			`transform.request_headers.rename["A"]: "b c" is not a valid header name`},
		{"rename to itself", Config{RequestHeaders: HeaderOps{Rename: map[string]string{"x-a": "X-A"}}},
			`renames a header to itself`},
		{"rename chain", Config{RequestHeaders: HeaderOps{Rename: map[string]string{"A": "B", "B": "C"}}},
			`transform.request_headers.rename: B is both renamed and a rename target`},
		{"rename same target", Config{RequestHeaders: HeaderOps{Rename: map[string]string{"A": "C", "B": "C"}}},
			`two headers are renamed to C`},
		{"duplicate set", Config{RequestHeaders: HeaderOps{Set: map[string]string{"X-A": "1", "x-a": "2"}}},
			`same header as`},
		{"framing header", Config{ResponseHeaders: HeaderOps{Set: map[string]string{"content-length": "1"}}},
			`transform.response_headers.set["content-length"]: Content-Length cannot be changed`},
		{"host", Config{RequestHeaders: HeaderOps{Set: map[string]string{"Host": "x"}}},
			`the Host header cannot be changed`},
		{"control char", Config{RequestHeaders: HeaderOps{Add: map[string]string{"X-A": "a\nb"}}},
			`transform.request_headers.add["X-A"]: "a\nb" contains a control character`},
		{"unknown placeholder", Config{RequestHeaders: HeaderOps{Set: map[string]string{"X-A": "{ip}"}}},
			`unknown placeholder {ip}`},
		{"unclosed placeholder", Config{RequestHeaders: HeaderOps{Set: map[string]string{"X-A": "{colo"}}},
			`unclosed placeholder`},
		{"empty claim", Config{RequestHeaders: HeaderOps{Set: map[string]string{"X-A": "{claim.}"}}},
			`unknown placeholder {claim.}`},
		{"rewrite regex", Config{Rewrites: []Rewrite{{From: "^/a", To: "/b"}, {From: "^/a", To: "/b"}, {From: "(", To: "/"}}},
			"transform.rewrites[2].from: error parsing regexp"},
		{"rewrite empty from", Config{Rewrites: []Rewrite{{To: "/"}}}, "transform.rewrites[0].from: empty"},
		{"rewrite relative to", Config{Rewrites: []Rewrite{{From: "^/(.*)", To: "$1"}}},
			`transform.rewrites[0].to: "$1" must be a path starting with a single /`},
		{"rewrite absolute to", Config{Rewrites: []Rewrite{{From: "^/", To: "https://x/"}}}, "must be a path"},
		{"rewrite group number", Config{Rewrites: []Rewrite{{From: "^/(a)", To: "/$2"}}},
			"transform.rewrites[0].to: $2: from has only 1 groups"},
		{"rewrite group name", Config{Rewrites: []Rewrite{{From: "^/(?P<id>a)", To: "/${idd}"}}},
			`from has no group named "idd"`},
		{"rewrite group suffix", Config{Rewrites: []Rewrite{{From: "^/(a)", To: "/$1x"}}},
			`$1x: from has no group named "1x"`},
		{"bare dollar", Config{Rewrites: []Rewrite{{From: "^/", To: "/a$"}}}, `write $$ for a dollar sign`},
		{"redirect status", Config{Redirects: []Redirect{{From: "^/", To: "/x", Status: 200}}},
			"transform.redirects[0].status: 200 is not one of 301, 302, 303, 307, 308"},
		{"redirect captured host", Config{Redirects: []Redirect{{From: "^/(.*)", To: "https://$1.example.com/"}}},
			"transform.redirects[0].to: \"https://$1.example.com/\": captures cannot be used in the host"},
		{"redirect protocol-relative", Config{Redirects: []Redirect{{From: "^/", To: "//evil.example/"}}}, "protocol-relative"},
		{"redirect scheme", Config{Redirects: []Redirect{{From: "^/", To: "javascript:alert(1)"}}}, "absolute http or https URL"},
		{"redirect no host", Config{Redirects: []Redirect{{From: "^/", To: "https:///x"}}}, "does not have a valid host"},
		{"redirect group", Config{Redirects: []Redirect{{From: "^/", To: "/$1"}}}, "transform.redirects[0].to: $1: from has only 0 groups"},
		{"cors credentials with *", Config{CORS: &CORS{AllowOrigins: []string{"https://a.example", "*"}, AllowCredentials: true}},
			`transform.cors.allow_origins[1]: "*" cannot be combined with allow_credentials`},
		{"cors no origins", Config{CORS: &CORS{}}, "transform.cors.allow_origins: empty"},
		{"cors origin path", Config{CORS: &CORS{AllowOrigins: []string{"https://a.example/"}}}, "transform.cors.allow_origins[0]: \"https://a.example/\" is not an origin"},
		{"cors origin no scheme", Config{CORS: &CORS{AllowOrigins: []string{"a.example"}}}, "is not an origin"},
		{"cors inner wildcard", Config{CORS: &CORS{AllowOrigins: []string{"https://a.*.example"}}}, "may only start the host"},
		{"cors bare wildcard", Config{CORS: &CORS{AllowOrigins: []string{"https://*."}}}, "no domain"},
		{"cors method", Config{CORS: &CORS{AllowOrigins: []string{"*"}, AllowMethods: []string{"GET POST"}}}, "transform.cors.allow_methods[0]"},
		{"cors header", Config{CORS: &CORS{AllowOrigins: []string{"*"}, AllowHeaders: []string{"a,b"}}}, "transform.cors.allow_headers[0]"},
		{"cors expose", Config{CORS: &CORS{AllowOrigins: []string{"*"}, ExposeHeaders: []string{""}}}, "transform.cors.expose_headers[0]"},
		{"cors max age", Config{CORS: &CORS{AllowOrigins: []string{"*"}, MaxAge: -1}}, "transform.cors.max_age: -1 is negative"},
	}
	for _, tt := range tests {
		_, err := New(tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
}

// docExample is the package documentation's example; it must decode and
// load.
const docExample = `
[transform.request_headers]
remove = ["X-Internal-Debug"]
rename = { "X-Api-Key" = "X-Upstream-Key" }
set = { "X-Client-Ip" = "{client_ip}", "X-User" = "{claim.sub}" }
add = { "X-Edge" = "{colo}" }

[transform.response_headers]
remove = ["Server", "X-Powered-By"]
set = { "Strict-Transport-Security" = "max-age=63072000" }

[[transform.redirects]]
from = '^/old/(.*)$'
to = "/new/$1"
status = 308                     # 301 (default), 302, 303, 307 or 308
preserve_query = true

[[transform.redirects]]
from = '^/docs/(?P<page>.*)$'
to = "https://docs.example.com/${page}"

[[transform.rewrites]]
from = '^/api/v1/(.*)$'
to = "/v1/$1"

[transform.cors]
allow_origins = ["https://app.example.com", "https://*.example.com"]
allow_methods = ["GET", "POST", "PUT"]
allow_headers = ["Content-Type", "Authorization"]
expose_headers = ["X-Request-Id"]
allow_credentials = true
max_age = 600                    # seconds
`

func TestDocExample(t *testing.T) {
	var doc struct {
		Transform Config `toml:"transform"`
	}
	md, err := toml.Decode(docExample, &doc)
	if err != nil {
		t.Fatal(err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		t.Fatalf("undecoded keys: %v", und)
	}
	tr, err := New(doc.Transform)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.redirects) != 2 || tr.redirects[0].status != 308 || tr.redirects[1].status != 301 || len(tr.rewrites) != 1 || tr.cors == nil {
		t.Errorf("compiled %+v", tr)
	}
}
