package cache

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// directives are the Cache-Control directives of a response that matter to
// a shared cache (RFC 9111 section 5.2.2, RFC 5861).
type directives struct {
	noStore, noCache, private, public bool
	mustRevalidate                    bool // must-revalidate or proxy-revalidate
	maxAge, sMaxAge                   time.Duration
	hasMaxAge, hasSMaxAge             bool
	staleWhileRevalidate              time.Duration
	staleIfError                      time.Duration
}

func parseDirectives(h http.Header) directives {
	var d directives
	for _, line := range h.Values("Cache-Control") {
		for part := range strings.SplitSeq(line, ",") {
			name, value, _ := strings.Cut(strings.TrimSpace(part), "=")
			value = strings.Trim(strings.TrimSpace(value), `"`)
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "no-store":
				d.noStore = true
			case "no-cache":
				// With field names it only forbids reusing those fields
				// unvalidated; treating it as the whole response is the
				// safe reading.
				d.noCache = true
			case "private":
				d.private = true
			case "public":
				d.public = true
			case "must-revalidate", "proxy-revalidate":
				d.mustRevalidate = true
			case "max-age":
				d.maxAge, d.hasMaxAge = seconds(value)
			case "s-maxage":
				d.sMaxAge, d.hasSMaxAge = seconds(value)
			case "stale-while-revalidate":
				d.staleWhileRevalidate, _ = seconds(value)
			case "stale-if-error":
				d.staleIfError, _ = seconds(value)
			}
		}
	}
	return d
}

// seconds parses a delta-seconds value; an invalid one is treated as
// stale (RFC 9111 section 1.2.2), so ok is true with zero.
func seconds(s string) (time.Duration, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, true
	}
	const maxAge = 1 << 31 // RFC 9111: 2^31 is "infinity"
	return time.Duration(min(n, maxAge)) * time.Second, true
}

// heuristicStatus are the status codes cacheable without explicit
// freshness (RFC 9110 section 15.1).
func heuristicStatus(code int) bool {
	switch code {
	case 200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501:
		return true
	}
	return false
}

// storable reports whether a shared cache may store the response to req
// (a GET), and if not, why (for logs and tests).
func storable(req *http.Request, status int, h http.Header, d directives) (bool, string) {
	switch {
	case status < 200 || status == http.StatusPartialContent || status == http.StatusNotModified:
		return false, "status"
	case d.noStore:
		return false, "no-store"
	case d.private:
		return false, "private"
	case h.Get("Set-Cookie") != "":
		// Per-user data: like Cloudflare, never share a response that
		// sets a cookie.
		return false, "set-cookie"
	case strings.Contains(h.Get("Vary"), "*"):
		return false, "vary"
	case req.Header.Get("Authorization") != "" && !d.public && !d.hasSMaxAge && !d.mustRevalidate:
		return false, "authorization"
	}
	explicit := d.hasSMaxAge || d.hasMaxAge || h.Get("Expires") != ""
	if !explicit && !d.noCache && !(heuristicStatus(status) && h.Get("Last-Modified") != "") {
		return false, "no freshness"
	}
	if !explicit && !heuristicStatus(status) {
		return false, "status"
	}
	return true, ""
}

// lifetime is the freshness lifetime of a response (RFC 9111 section
// 4.2.1): s-maxage, max-age, Expires minus Date, or 10% of the time since
// Last-Modified, capped at a day.
func lifetime(h http.Header, d directives, responseTime time.Time) time.Duration {
	switch {
	case d.noCache:
		return 0
	case d.hasSMaxAge:
		return d.sMaxAge
	case d.hasMaxAge:
		return d.maxAge
	}
	date := headerTime(h, "Date", responseTime)
	if e := h.Get("Expires"); e != "" {
		t, err := http.ParseTime(e)
		if err != nil {
			return 0 // an invalid Expires means already expired
		}
		return max(0, t.Sub(date))
	}
	if lm, err := http.ParseTime(h.Get("Last-Modified")); err == nil && lm.Before(date) {
		return min(date.Sub(lm)/10, 24*time.Hour)
	}
	return 0
}

// initialAge is the corrected initial age of a response (RFC 9111 section
// 4.2.3), computed once when it is stored.
func initialAge(h http.Header, requestTime, responseTime time.Time) time.Duration {
	apparent := max(0, responseTime.Sub(headerTime(h, "Date", responseTime)))
	ageValue, _ := seconds(h.Get("Age"))
	corrected := ageValue + responseTime.Sub(requestTime)
	return max(apparent, corrected)
}

func headerTime(h http.Header, name string, def time.Time) time.Time {
	if t, err := http.ParseTime(h.Get(name)); err == nil {
		return t
	}
	return def
}
