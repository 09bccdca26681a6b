package server

import (
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
)

// pattern is a route pattern as on Cloudflare: "host/path" where host may
// start with "*." (any subdomain) or be "*", and path may end with "*"
// (any suffix).
type pattern struct {
	raw        string
	host       string // lowercase; "" means any host
	hostSuffix bool   // host is ".example.com": a subdomain wildcard
	path       string
	pathPrefix bool
}

func parsePattern(s string) (pattern, error) {
	p := pattern{raw: s}
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	host, path, ok := strings.Cut(s, "/")
	if !ok {
		return p, fmt.Errorf("%q has no path (write %q for every path)", p.raw, s+"/*")
	}
	path = "/" + path
	host = strings.ToLower(host)
	switch {
	case host == "*" || host == "":
	case strings.HasPrefix(host, "*."):
		p.host, p.hostSuffix = host[1:], true
	case strings.Contains(host, "*"):
		return p, fmt.Errorf("%q: a host wildcard must be a leading \"*.\"", p.raw)
	default:
		p.host = host
	}
	if strings.HasSuffix(path, "*") {
		p.path, p.pathPrefix = strings.TrimSuffix(path, "*"), true
	} else {
		p.path = path
	}
	if strings.Contains(p.path, "*") {
		return p, fmt.Errorf("%q: a path wildcard must be at the end", p.raw)
	}
	return p, nil
}

func (p pattern) match(host, path string) bool {
	switch {
	case p.host == "":
	case p.hostSuffix:
		if !strings.HasSuffix(host, p.host) {
			return false
		}
	case host != p.host:
		return false
	}
	if p.pathPrefix {
		return strings.HasPrefix(path, p.path)
	}
	return path == p.path
}

// rank orders patterns from most to least specific: exact hosts before
// subdomain wildcards before any host, then exact paths before prefixes,
// then longer paths first.
func (p pattern) rank() [4]int {
	h := 0
	switch {
	case p.host == "":
		h = 2
	case p.hostSuffix:
		h = 1
	}
	exact := 0
	if p.pathPrefix {
		exact = 1
	}
	return [4]int{h, -len(p.host), exact, -len(p.path)}
}

// route is a pattern and the handler serving what it matches: the
// route's policies, then its cache, then a worker or an origin.
type route struct {
	pattern
	http.Handler
}

// table finds the route of a request; it is immutable once built.
type table []route

func newTable(rs []route) table {
	t := table(rs)
	sort.SliceStable(t, func(i, j int) bool {
		a, b := t[i].rank(), t[j].rank()
		for k := range a {
			if a[k] != b[k] {
				return a[k] < b[k]
			}
		}
		return false
	})
	return t
}

func (t table) match(host, path string) (route, bool) {
	host = strings.ToLower(stripPort(host))
	for _, r := range t {
		if r.match(host, path) {
			return r, true
		}
	}
	return route{}, false
}

// stripPort removes a port from a Host header value, IPv6 literals included.
func stripPort(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return strings.Trim(h, "[]")
	}
	return strings.Trim(host, "[]")
}
