package transform

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// cors is a compiled CORS table.
type cors struct {
	anyOrigin   bool
	origins     map[string]bool // exact, lower case
	patterns    []originPattern
	anyMethod   bool
	methods     []string
	anyHeader   bool
	headers     map[string]bool // lower case
	methodsList string          // the Access-Control-Allow-Methods value
	headersList string          // the Access-Control-Allow-Headers value
	expose      string
	credentials bool
	maxAge      string // "" when not sent
}

// originPattern is https://*.example.com[:port]: scheme "https", suffix
// ".example.com", port "" or ":port".
type originPattern struct {
	scheme, suffix, port string
}

func compileCORS(c *CORS) (*cors, error) {
	out := &cors{origins: map[string]bool{}, headers: map[string]bool{}, credentials: c.AllowCredentials}
	if len(c.AllowOrigins) == 0 {
		return nil, errors.New("allow_origins: empty; list origins or \"*\"")
	}
	for i, o := range c.AllowOrigins {
		if o == "*" {
			if c.AllowCredentials {
				// Browsers refuse credentialed responses with origin "*",
				// and echoing any origin back instead would hand every
				// site the user's cookies.
				return nil, fmt.Errorf("allow_origins[%d]: \"*\" cannot be combined with allow_credentials", i)
			}
			out.anyOrigin = true
			continue
		}
		p, exact, err := parseOrigin(o)
		if err != nil {
			return nil, fmt.Errorf("allow_origins[%d]: %w", i, err)
		}
		if exact {
			out.origins[strings.ToLower(o)] = true
		} else {
			out.patterns = append(out.patterns, p)
		}
	}

	for i, m := range c.AllowMethods {
		if m == "*" {
			out.anyMethod = true
			continue
		}
		if !validToken(m) {
			return nil, fmt.Errorf("allow_methods[%d]: %q is not a valid method", i, m)
		}
		out.methods = append(out.methods, m)
	}
	if len(c.AllowMethods) == 0 {
		out.methods = []string{"GET", "HEAD", "POST"}
	}
	out.methodsList = strings.Join(out.methods, ", ")

	var hs []string
	for i, h := range c.AllowHeaders {
		if h == "*" {
			out.anyHeader = true
			continue
		}
		if !validToken(h) {
			return nil, fmt.Errorf("allow_headers[%d]: %q is not a valid header name", i, h)
		}
		out.headers[strings.ToLower(h)] = true
		hs = append(hs, h)
	}
	out.headersList = strings.Join(hs, ", ")

	for i, h := range c.ExposeHeaders {
		if !validToken(h) {
			return nil, fmt.Errorf("expose_headers[%d]: %q is not a valid header name", i, h)
		}
	}
	out.expose = strings.Join(c.ExposeHeaders, ", ")

	if c.MaxAge < 0 {
		return nil, fmt.Errorf("max_age: %d is negative", c.MaxAge)
	}
	if c.MaxAge > 0 {
		out.maxAge = strconv.Itoa(c.MaxAge)
	}
	return out, nil
}

// parseOrigin checks an allow_origins entry: "null", scheme://host[:port],
// or a pattern with a "*." host prefix.
func parseOrigin(o string) (p originPattern, exact bool, err error) {
	if o == "null" {
		return p, true, nil
	}
	scheme, hostport, ok := strings.Cut(strings.ToLower(o), "://")
	if !ok || scheme == "" || hostport == "" {
		return p, false, fmt.Errorf("%q is not an origin (scheme://host[:port])", o)
	}
	if strings.ContainsAny(hostport, "/?#@ ") {
		return p, false, fmt.Errorf("%q is not an origin: no path, query or user info (and no trailing /)", o)
	}
	rest, isPattern := strings.CutPrefix(hostport, "*.")
	if strings.Contains(rest, "*") {
		return p, false, fmt.Errorf("%q: \"*\" may only start the host, as in https://*.example.com", o)
	}
	if !isPattern {
		return p, true, nil
	}
	host, port := rest, ""
	if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		host, port = rest[:i], rest[i:]
		if _, err := strconv.ParseUint(port[1:], 10, 16); err != nil {
			return p, false, fmt.Errorf("%q: bad port", o)
		}
	}
	if host == "" || strings.HasPrefix(host, ".") {
		return p, false, fmt.Errorf("%q: no domain after \"*.\"", o)
	}
	return originPattern{scheme: scheme, suffix: "." + host, port: port}, false, nil
}

// allowOrigin reports whether origin, as a request sent it, is allowed.
func (c *cors) allowOrigin(origin string) bool {
	if origin == "" {
		return false
	}
	if c.anyOrigin {
		return true
	}
	origin = strings.ToLower(origin)
	if c.origins[origin] {
		return true
	}
	for _, p := range c.patterns {
		if p.match(origin) {
			return true
		}
	}
	return false
}

func (p originPattern) match(origin string) bool {
	rest, ok := strings.CutPrefix(origin, p.scheme+"://")
	if !ok {
		return false
	}
	if p.port != "" {
		if rest, ok = strings.CutSuffix(rest, p.port); !ok {
			return false
		}
	}
	sub, ok := strings.CutSuffix(rest, p.suffix)
	if !ok || sub == "" || sub[0] == '.' || sub[len(sub)-1] == '.' || strings.Contains(sub, "..") {
		return false
	}
	// Only host characters: a ':' (another port), '@' or '/' would mean
	// the origin is not a subdomain of the pattern at all.
	for i := 0; i < len(sub); i++ {
		if ch := sub[i]; !(ch == '-' || ch == '.' || 'a' <= ch && ch <= 'z' || '0' <= ch && ch <= '9') {
			return false
		}
	}
	return true
}

// isPreflight reports whether r is a CORS preflight (Fetch standard,
// "CORS-preflight request").
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" &&
		r.Header.Get("Access-Control-Request-Method") != ""
}

// preflight answers a preflight: 204 with the allow headers, or 403.
func (c *cors) preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// The answer depends on these request headers whatever it is, so a
	// cache must key on them; a refusal must not be reused for an origin
	// that is allowed.
	if !c.anyOrigin {
		addVary(h, "Origin")
	}
	addVary(h, "Access-Control-Request-Method")
	addVary(h, "Access-Control-Request-Headers")

	origin := r.Header.Get("Origin")
	method := r.Header.Get("Access-Control-Request-Method")
	reqHeaders := requestedHeaders(r.Header)
	if !c.allowOrigin(origin) || !c.allowMethod(method) || !c.allowHeaders(reqHeaders) {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte("CORS preflight refused\n"))
		return
	}
	c.setOrigin(h, origin)
	if c.anyMethod {
		h.Set("Access-Control-Allow-Methods", method)
	} else {
		h.Set("Access-Control-Allow-Methods", c.methodsList)
	}
	if len(reqHeaders) > 0 {
		if c.anyHeader {
			// Echoed rather than "*", which is not a wildcard for
			// credentialed requests.
			h.Set("Access-Control-Allow-Headers", strings.Join(reqHeaders, ", "))
		} else {
			h.Set("Access-Control-Allow-Headers", c.headersList)
		}
	}
	if c.maxAge != "" {
		h.Set("Access-Control-Max-Age", c.maxAge)
	}
	w.WriteHeader(http.StatusNoContent)
}

func (c *cors) allowMethod(m string) bool {
	if !validToken(m) {
		return false
	}
	// CORS-safelisted methods need no permission (Fetch standard).
	return c.anyMethod || m == "GET" || m == "HEAD" || m == "POST" || slices.Contains(c.methods, m)
}

func (c *cors) allowHeaders(names []string) bool {
	for _, n := range names {
		if !validToken(n) || !c.anyHeader && !c.headers[n] {
			return false
		}
	}
	return true
}

// requestedHeaders returns the lower-cased names in
// Access-Control-Request-Headers.
func requestedHeaders(h http.Header) []string {
	var out []string
	for _, line := range h.Values("Access-Control-Request-Headers") {
		for name := range strings.SplitSeq(line, ",") {
			if name = strings.TrimSpace(name); name != "" {
				out = append(out, strings.ToLower(name))
			}
		}
	}
	return out
}

// setOrigin sets the allow-origin and credentials headers for an allowed
// origin.
func (c *cors) setOrigin(h http.Header, origin string) {
	if c.anyOrigin {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
	}
	if c.credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}

// respond sets the CORS headers of an actual (not preflight) response to
// a request from origin ("" when the request had none). The origin
// server's own CORS headers are dropped: with a cors table, the policy is
// the one place that decides.
func (c *cors) respond(h http.Header, origin string) {
	h.Del("Access-Control-Allow-Origin")
	h.Del("Access-Control-Allow-Credentials")
	h.Del("Access-Control-Expose-Headers")
	if !c.anyOrigin {
		addVary(h, "Origin")
	}
	if !c.allowOrigin(origin) {
		return
	}
	c.setOrigin(h, origin)
	if c.expose != "" {
		h.Set("Access-Control-Expose-Headers", c.expose)
	}
}

// addVary adds name to h's Vary unless it is there already (or Vary is
// "*", which covers everything).
func addVary(h http.Header, name string) {
	for _, line := range h.Values("Vary") {
		for v := range strings.SplitSeq(line, ",") {
			v = strings.TrimSpace(v)
			if v == "*" || strings.EqualFold(v, name) {
				return
			}
		}
	}
	h.Add("Vary", name)
}
