package server

import (
	"testing"
)

// TestClusterRateLimitOnOneNode: rate limits with scope = "cluster" (on a
// route and in a WAF rule) run on verge serve, a cluster of one node,
// over its embedded NATS, and keep working across a reload.
func TestClusterRateLimitOnOneNode(t *testing.T) {
	o := newRecordingOrigin(t, "origin")
	n := startNode(t, map[string]string{"node.toml": `[listen]
http = "127.0.0.1:0"
[origins.o]
url = "` + o.URL + `"

[[routes]]
pattern = "rl.test/*"
origin = "o"
[routes.rate_limit]
requests = 3
period = "1h"
scope = "cluster"

[[routes]]
pattern = "waf.test/*"
origin = "o"
[[routes.waf.rules]]
name = "api"
expr = "path.startsWith('/api')"
action = "rate_limit"
[routes.waf.rules.rate_limit]
requests = 2
period = "1h"
scope = "cluster"
`})
	count := func(host, path string, tries int) (ok, limited int) {
		t.Helper()
		for range tries {
			switch r := n.do("GET", n.http+path, map[string]string{"Host": host}); r.status {
			case 200:
				ok++
			case 429:
				limited++
				if r.header.Get("Retry-After") == "" {
					t.Errorf("%s: 429 without Retry-After", host)
				}
			default:
				t.Fatalf("%s%s: %d %s", host, path, r.status, r.body)
			}
		}
		return ok, limited
	}
	if ok, limited := count("rl.test", "/", 5); ok != 3 || limited != 2 {
		t.Errorf("route limit 3: %d allowed, %d refused", ok, limited)
	}
	if ok, limited := count("waf.test", "/api/x", 4); ok != 2 || limited != 2 {
		t.Errorf("waf rule limit 2: %d allowed, %d refused", ok, limited)
	}
	if ok, _ := count("waf.test", "/other", 3); ok != 3 {
		t.Errorf("a path the rule does not match was limited")
	}
	if err := n.srv.Reload(); err != nil {
		t.Fatal(err)
	}
	// A reload starts the route's limiters afresh, as for scope "pop",
	// except that the old limiter's last increments, published when it
	// leaves, may reach the new one (the cluster's counts are shared):
	// then fewer than 3 pass. Either way no more than the limit does.
	if ok, limited := count("rl.test", "/", 4); ok > 3 || ok+limited != 4 {
		t.Errorf("after a reload: %d allowed, %d refused", ok, limited)
	}
}
