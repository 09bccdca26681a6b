package transform

import (
	"net/http"
	"testing"
)

func TestRewrites(t *testing.T) {
	srv := serve(t, Config{Rewrites: []Rewrite{
		{From: `^/api/v1/(.*)$`, To: "/v1/$1"},
		{From: `^/users/(?P<id>[0-9]+)/(?P<tab>\w+)$`, To: "/profile/${tab}?user=${id}"},
		{From: `^/search\?q=([^&]*)$`, To: "/find/$1?src=search"},
		{From: `^/api/(.*)$`, To: "/never"}, // /api/v1/ matched above: first match wins
		{From: `^/tenant/([^/]+)/(.*)$`, To: "/$2?tenant=$1"},
		{From: `^/cost$`, To: "/price?currency=$$"},
		{From: `^/files/(.*)$`, To: "/static/$1"},
	}}, echo())

	tests := []struct {
		target                     string
		path, rawPath, query, ruri string
	}{
		{"/api/v1/items/7", "/v1/items/7", "/v1/items/7", "", "/v1/items/7"},
		{"/api/v1/items?page=2", "/v1/items", "/v1/items", "page=2", "/v1/items?page=2"},
		{"/users/42/posts", "/profile/posts", "/profile/posts", "user=42", "/profile/posts?user=42"},
		{"/users/42/posts?sort=new", "/profile/posts", "/profile/posts", "user=42&sort=new", "/profile/posts?user=42&sort=new"},
		// from has \?: the query is matched and to's replaces it.
		{"/search?q=shoes", "/find/shoes", "/find/shoes", "src=search", "/find/shoes?src=search"},
		{"/search?q=shoes&x=1", "/search", "/search", "q=shoes&x=1", "/search?q=shoes&x=1"},
		// Escapes survive the round trip.
		{"/api/v1/a%2Fb%20c", "/v1/a/b c", "/v1/a%2Fb%20c", "", "/v1/a%2Fb%20c"},
		// A capture starting with "/" does not make "//host".
		{"/tenant/acme//evil.example/x", "/evil.example/x", "/evil.example/x", "tenant=acme", "/evil.example/x?tenant=acme"},
		{"/cost", "/price", "/price", "currency=$", "/price?currency=$"},
		{"/unmatched?a=1", "/unmatched", "/unmatched", "a=1", "/unmatched?a=1"},
	}
	for _, tt := range tests {
		resp, s := get(t, srv, tt.target)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", tt.target, resp.StatusCode)
			continue
		}
		if s.Path != tt.path || s.RawPath != tt.rawPath || s.Query != tt.query || s.RequestURI != tt.ruri {
			t.Errorf("%s: saw path %q raw %q query %q uri %q, want %q %q %q %q",
				tt.target, s.Path, s.RawPath, s.Query, s.RequestURI, tt.path, tt.rawPath, tt.query, tt.ruri)
		}
	}

	// A capture cannot climb out of the prefix the rewrite adds.
	for _, target := range []string{"/files/../admin", "/files/%2e%2e/admin", "/files/a%2F..%2Fadmin"} {
		if resp, _ := get(t, srv, target); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", target, resp.StatusCode)
		}
	}
}

func TestRedirects(t *testing.T) {
	srv := serve(t, Config{
		Redirects: []Redirect{
			{From: `^/old/(.*)$`, To: "/new/$1"},
			{From: `^/keep/(.*)$`, To: "/kept/$1", Status: 308, PreserveQuery: true},
			{From: `^/keep2/(.*)$`, To: "/kept2/$1?from=keep2#top", Status: 302, PreserveQuery: true},
			{From: `^/docs/(?P<page>.*)$`, To: "https://docs.example.com/v2/${page}", Status: 307},
			{From: `^/go\?to=(\w+)$`, To: "/dest/$1", Status: 303},
			{From: `^/open(.*)$`, To: "/$1"},
		},
		Rewrites:        []Rewrite{{From: `^/old/`, To: "/rewritten"}}, // redirects come first
		ResponseHeaders: HeaderOps{Set: map[string]string{"X-Edge": "1"}},
	}, echo())

	tests := []struct {
		target   string
		status   int
		location string
	}{
		{"/old/page", 301, "/new/page"},
		{"/old/page?x=1", 301, "/new/page"}, // query dropped without preserve_query
		{"/keep/a?x=1&y=2", 308, "/kept/a?x=1&y=2"},
		{"/keep/a", 308, "/kept/a"},
		{"/keep2/a?x=1", 302, "/kept2/a?from=keep2&x=1#top"},
		{"/docs/intro/setup", 307, "https://docs.example.com/v2/intro/setup"},
		{"/go?to=home", 303, "/dest/home"},
		{"/open//evil.example", 301, "/evil.example"}, // not protocol-relative
		{`/open/%5Cevil.example`, 301, "/%5Cevil.example"},
	}
	for _, tt := range tests {
		resp, body := do(t, srv, http.MethodGet, tt.target)
		if resp.StatusCode != tt.status || resp.Header.Get("Location") != tt.location {
			t.Errorf("%s: %d %q, want %d %q", tt.target, resp.StatusCode, resp.Header.Get("Location"), tt.status, tt.location)
		}
		if body != "" {
			t.Errorf("%s: body %q", tt.target, body)
		}
		wantHeader(t, tt.target+": response ops on a redirect", resp.Header, "X-Edge", "1")
	}
	if resp, _ := get(t, srv, "/go?to=home&x=1"); resp.StatusCode != http.StatusOK {
		t.Errorf("query-matched redirect matched a longer query: %d", resp.StatusCode)
	}
}
