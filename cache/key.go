package cache

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// A URL key is "scheme://host/path?query" with the scheme and host in
// lower case, as Cloudflare's default cache key. Named Workers caches
// prefix it with their name and a NUL byte.

func requestURLKey(r *http.Request, ignoreQuery bool) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	var b strings.Builder
	b.WriteString(scheme)
	b.WriteString("://")
	b.WriteString(toLower(r.Host))
	b.WriteString(r.URL.EscapedPath())
	if r.URL.RawQuery != "" && !ignoreQuery {
		b.WriteByte('?')
		b.WriteString(r.URL.RawQuery)
	}
	return b.String()
}

func urlKeyString(raw string, ignoreQuery bool) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%q is not an http(s) URL", raw)
	}
	r := &http.Request{Host: u.Host, URL: u}
	key := requestURLKey(r, ignoreQuery)
	if u.Scheme == "http" {
		return key, nil
	}
	return "https" + strings.TrimPrefix(key, "http"), nil
}

// fullKey adds the request's values of the Vary fields to a URL key.
func fullKey(url string, vary []string, h http.Header) string {
	if len(vary) == 0 {
		return url
	}
	var b strings.Builder
	b.WriteString(url)
	for _, name := range vary {
		b.WriteByte(0)
		b.WriteString(name)
		b.WriteByte('=')
		v := strings.Join(h.Values(name), ",")
		if name == "Accept-Encoding" {
			// Thousands of distinct Accept-Encoding strings name the same
			// few codings; keying on the raw value would split the cache.
			v = normalizeEncoding(v)
		}
		b.WriteString(v)
	}
	return b.String()
}

// varyNames parses a response's Vary fields into canonical, sorted names.
func varyNames(h http.Header) []string {
	var names []string
	for _, line := range h.Values("Vary") {
		for n := range strings.SplitSeq(line, ",") {
			if n = strings.TrimSpace(n); n != "" {
				names = append(names, http.CanonicalHeaderKey(n))
			}
		}
	}
	if len(names) == 0 {
		return []string{} // not nil: "varies on nothing" replaces an old Vary
	}
	sort.Strings(names)
	return names
}

// withNames returns the sorted union of the Vary names vary and the
// canonical header names extra.
func withNames(vary, extra []string) []string {
	if len(extra) == 0 {
		return vary
	}
	out := make([]string, 0, len(vary)+len(extra))
	out = append(out, vary...)
	for _, n := range extra {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func normalizeEncoding(v string) string {
	v = toLower(v)
	switch {
	case strings.Contains(v, "br"):
		return "br"
	case strings.Contains(v, "gzip"):
		return "gzip"
	}
	return ""
}

func toLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}
