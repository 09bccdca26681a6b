package cache

import (
	"net/http"
	"strings"
	"time"
)

// entry is one stored response. It is immutable once in the store: a
// revalidation stores a new entry.
type entry struct {
	Key    string      // the full key: the URL key plus the Vary values
	URL    string      // the URL key: namespace, host, path and query
	Status int         // status code
	Header http.Header // stored response header (no hop-by-hop fields)
	Body   []byte      `json:"-"`
	Tags   []string    // Cache-Tag values, for purging

	RequestTime  time.Time     // when the request that produced it was sent
	ResponseTime time.Time     // when its response arrived
	InitialAge   time.Duration // corrected initial age, RFC 9111 section 4.2.3
	Lifetime     time.Duration // freshness lifetime (the route's TTL if set)

	// StaleWhileRevalidate and StaleIfError are how long past its
	// lifetime the entry may still be served; zero with must-revalidate.
	StaleWhileRevalidate time.Duration
	StaleIfError         time.Duration
}

func (e *entry) size() int64 {
	n := int64(len(e.Body) + len(e.Key) + len(e.URL) + 256)
	for k, vs := range e.Header {
		n += int64(len(k))
		for _, v := range vs {
			n += int64(len(v)) + 16
		}
	}
	return n
}

// age is the entry's current age (RFC 9111 section 4.2.3).
func (e *entry) age(now time.Time) time.Duration {
	return e.InitialAge + max(0, now.Sub(e.ResponseTime))
}

// staleness is how far past its freshness lifetime the entry is; a
// negative value means fresh.
func (e *entry) staleness(now time.Time) time.Duration {
	return e.age(now) - e.Lifetime
}

// hopHeaders are not stored and not served from the cache (RFC 9110
// section 7.6.1), nor are the cache's own fields.
var hopHeaders = []string{
	"Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer",
	"Transfer-Encoding", "Upgrade", "Proxy-Authenticate", "Proxy-Authorization",
	"Age", "Cf-Cache-Status",
}

func storedHeader(h http.Header) http.Header {
	out := h.Clone()
	for _, f := range out.Values("Connection") {
		for name := range strings.SplitSeq(f, ",") {
			out.Del(strings.TrimSpace(name))
		}
	}
	for _, name := range hopHeaders {
		out.Del(name)
	}
	return out
}

// tags parses Cache-Tag (comma-separated, as Cloudflare reads it).
func tags(h http.Header) []string {
	var out []string
	for _, line := range h.Values("Cache-Tag") {
		for t := range strings.SplitSeq(line, ",") {
			if t = strings.TrimSpace(t); t != "" {
				out = append(out, strings.ToLower(t))
			}
		}
	}
	return out
}
