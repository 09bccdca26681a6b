package cache

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Rules are one route's cache settings.
type Rules struct {
	// TTL, when positive, replaces the freshness lifetime of every
	// storable response (Cloudflare's "Edge Cache TTL"); responses that
	// have no freshness information of their own become storable too.
	// no-store, private and Set-Cookie still keep a response out.
	TTL time.Duration
	// IgnoreQuery drops the query string from the cache key.
	IgnoreQuery bool
	// KeyHeaders are request headers whose values are part of the cache
	// key, as if every response named them in Vary. The server keys a
	// route with experiments on their variant headers, so one variant's
	// page is never served to another.
	KeyHeaders []string
}

// Status values of the CF-Cache-Status response header.
const (
	StatusHit         = "HIT"
	StatusMiss        = "MISS"
	StatusExpired     = "EXPIRED"
	StatusRevalidated = "REVALIDATED"
	StatusUpdating    = "UPDATING"
	StatusStale       = "STALE"
	StatusBypass      = "BYPASS"
	StatusDynamic     = "DYNAMIC"
)

// StatusHeader is the response header naming what the cache did.
const StatusHeader = "CF-Cache-Status"

// Handler returns next behind the cache.
func (c *Cache) Handler(next http.Handler, rules Rules) http.Handler {
	keyHeaders := make([]string, len(rules.KeyHeaders))
	for i, k := range rules.KeyHeaders {
		keyHeaders[i] = http.CanonicalHeaderKey(k)
	}
	rules.KeyHeaders = keyHeaders
	return &handler{c: c, next: next, rules: rules}
}

type handler struct {
	c     *Cache
	next  http.Handler
	rules Rules
}

func (h *handler) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodOptions, http.MethodTrace, http.MethodConnect:
		h.passThrough(rw, r, StatusDynamic)
		return
	default:
		// An unsafe method that succeeds invalidates the stored responses
		// for its URL (RFC 9111 section 4.4).
		sw := &statusWriter{ResponseWriter: rw}
		rw.Header().Set(StatusHeader, StatusDynamic)
		h.next.ServeHTTP(sw, r)
		if sw.status < 400 {
			h.c.store.purge(matcher{urls: map[string]bool{requestURLKey(r, h.rules.IgnoreQuery): true}})
		}
		return
	}
	if r.Header.Get("Upgrade") != "" {
		h.passThrough(rw, r, StatusBypass)
		return
	}
	urlKey := requestURLKey(r, h.rules.IgnoreQuery)
	key := fullKey(urlKey, withNames(h.c.store.varyOf(urlKey), h.rules.KeyHeaders), r.Header)
	for {
		e := h.c.store.get(key)
		now := h.c.opts.Now()
		var staleness time.Duration
		if e != nil {
			staleness = e.staleness(now)
			if staleness < 0 {
				h.c.serve(rw, r, e, StatusHit, now)
				return
			}
			if staleness < e.StaleWhileRevalidate {
				h.revalidateInBackground(r, urlKey, key, e)
				h.c.serve(rw, r, e, StatusUpdating, now)
				return
			}
		}
		if r.Header.Get("Range") != "" && e == nil {
			// A partial response cannot be stored; fetch it as asked.
			h.passThrough(rw, r, StatusBypass)
			return
		}
		f, lead := h.c.flights.join(key)
		if lead {
			o := notStarted
			defer func() { h.c.flights.land(key, f, o) }()
			o = h.fetch(rw, r, urlKey, e)
			return
		}
		o, err := f.wait(r.Context())
		if err != nil {
			return // the client left
		}
		switch o {
		case stored:
			continue // read what the leader stored
		case failed:
			if e != nil && staleness < e.StaleIfError {
				h.c.serve(rw, r, e, StatusStale, h.c.opts.Now())
				return
			}
		}
		// The leader's response could not be shared: fetch our own.
		h.passThrough(rw, r, StatusDynamic)
		return
	}
}

// passThrough sends the request on without the cache.
func (h *handler) passThrough(rw http.ResponseWriter, r *http.Request, status string) {
	rw.Header().Set(StatusHeader, status)
	h.next.ServeHTTP(&statusWriter{ResponseWriter: rw}, r)
}

// fetch asks next for the response to r, streams it to the client while
// storing it, and reports the outcome to waiting requests. stale is the
// expired entry being revalidated, if any.
func (h *handler) fetch(rw http.ResponseWriter, r *http.Request, urlKey string, stale *entry) outcome {
	out := originRequest(r, r.Context(), stale)
	rec := &recorder{h: h, client: rw, req: r, stale: stale, max: h.c.opts.MaxObjectBytes, start: h.c.opts.Now()}
	// If next panics (http.ErrAbortHandler: the origin's body broke off),
	// nothing is stored and the flight lands as notStarted.
	h.next.ServeHTTP(rec, out)
	return rec.finish(urlKey)
}

// revalidateInBackground refreshes a stale entry while it is being served
// (stale-while-revalidate); one revalidation per key at a time.
func (h *handler) revalidateInBackground(r *http.Request, urlKey, key string, stale *entry) {
	f, lead := h.c.flights.join(key)
	if !lead {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), h.c.opts.RevalidateTimeout)
	out := originRequest(r, ctx, stale)
	h.c.background.Add(1)
	go func() {
		defer h.c.background.Done()
		defer cancel()
		o := aborted
		defer func() {
			if p := recover(); p != nil {
				h.c.log.Warn("cache: background revalidation aborted", "url", urlKey, "err", p)
			}
			h.c.flights.land(key, f, o)
		}()
		rec := &recorder{h: h, req: out, stale: stale, max: h.c.opts.MaxObjectBytes, start: h.c.opts.Now()}
		h.next.ServeHTTP(rec, out)
		o = rec.finish(urlKey)
	}()
}

// originRequest is the request the cache sends on: always a GET (a HEAD
// is answered from the stored GET), without the client's conditional and
// range fields (the cache answers those), with the stale entry's
// validators.
func originRequest(r *http.Request, ctx context.Context, stale *entry) *http.Request {
	out := r.Clone(ctx)
	out.Method = http.MethodGet
	for _, f := range []string{"If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since", "If-Range", "Range"} {
		out.Header.Del(f)
	}
	if stale != nil {
		if etag := stale.Header.Get("ETag"); etag != "" {
			out.Header.Set("If-None-Match", etag)
		}
		if lm := stale.Header.Get("Last-Modified"); lm != "" {
			out.Header.Set("If-Modified-Since", lm)
		}
	}
	return out
}

// serve answers from an entry.
func (c *Cache) serve(rw http.ResponseWriter, r *http.Request, e *entry, status string, now time.Time) {
	h := rw.Header()
	for k, v := range e.Header {
		if k != "Cache-Tag" {
			h[k] = v
		}
	}
	h.Set("Age", strconv.FormatInt(int64(e.age(now)/time.Second), 10))
	h.Set(StatusHeader, status)
	if e.Status == http.StatusOK {
		// ServeContent answers If-None-Match, If-Modified-Since and Range
		// from the stored body.
		h.Del("Content-Length")
		if h.Get("Content-Type") == "" {
			h["Content-Type"] = nil // no sniffing: the origin said nothing
		}
		lm, _ := http.ParseTime(e.Header.Get("Last-Modified"))
		http.ServeContent(rw, r, "", lm, bytes.NewReader(e.Body))
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(e.Body)))
	rw.WriteHeader(e.Status)
	rw.Write(e.Body)
}

// recorder sits between next and the client during a fetch: it decides
// when the response header arrives whether the client gets this response
// (streamed as it comes) or the stale entry, and keeps a copy to store.
type recorder struct {
	h      *handler
	client http.ResponseWriter // nil in background revalidations
	req    *http.Request       // the client's request
	stale  *entry
	max    int64
	start  time.Time

	header    http.Header
	status    int
	d         directives
	storable  bool
	streaming bool // the client gets this response
	body      bytes.Buffer
	written   int64
	tooBig    bool
	served    string // the CF-Cache-Status the client saw
}

func (rc *recorder) Header() http.Header {
	if rc.header == nil {
		rc.header = http.Header{}
	}
	return rc.header
}

func (rc *recorder) WriteHeader(code int) {
	if rc.status != 0 || code < 200 {
		return // 1xx informational responses are not relayed
	}
	rc.status = code
	h := rc.Header()
	rc.d = parseDirectives(h)
	rc.storable, _ = storable(rc.req, code, h, rc.d)
	if !rc.storable && rc.h.rules.TTL > 0 {
		rc.storable = storableWithTTL(rc.req, code, h, rc.d)
	}
	if rc.storable {
		if cl, err := strconv.ParseInt(h.Get("Content-Length"), 10, 64); err == nil && cl > rc.max {
			rc.storable, rc.tooBig = false, true
		}
	}
	switch {
	case code == http.StatusNotModified && rc.stale != nil:
		return // answered below, from the refreshed entry
	case code >= 500 && rc.stale != nil && rc.stale.staleness(rc.h.c.opts.Now()) < rc.stale.StaleIfError:
		return // the stale entry is served instead
	}
	if rc.client == nil {
		return
	}
	rc.streaming = true
	ch := rc.client.Header()
	for k, v := range h {
		if k != "Cache-Tag" {
			ch[k] = v
		}
	}
	rc.served = StatusMiss
	switch {
	case !rc.storable:
		rc.served = StatusDynamic
	case rc.stale != nil:
		rc.served = StatusExpired
	}
	ch.Set(StatusHeader, rc.served)
	rc.client.WriteHeader(code)
}

func (rc *recorder) Write(p []byte) (int, error) {
	if rc.status == 0 {
		rc.WriteHeader(http.StatusOK)
	}
	rc.written += int64(len(p))
	if rc.storable || (rc.status == http.StatusNotModified && rc.stale != nil) {
		if int64(rc.body.Len()+len(p)) > rc.max {
			rc.storable, rc.tooBig = false, true
			rc.body = bytes.Buffer{}
		} else {
			rc.body.Write(p)
		}
	}
	if rc.streaming {
		return rc.client.Write(p)
	}
	return len(p), nil
}

func (rc *recorder) Flush() {
	if rc.streaming {
		http.NewResponseController(rc.client).Flush()
	}
}

// finish stores the response if it may be shared, answers the client if
// the stale entry (refreshed or not) is its answer, and returns the
// outcome for waiting requests.
func (rc *recorder) finish(urlKey string) outcome {
	c := rc.h.c
	now := c.opts.Now()
	if rc.status == 0 {
		rc.WriteHeader(http.StatusOK)
	}
	if rc.req.Context().Err() != nil && rc.client != nil {
		return aborted
	}
	if rc.status == http.StatusNotModified && rc.stale != nil {
		e := rc.refreshed(urlKey, now)
		c.store.put(e, nil)
		if rc.client != nil {
			c.serve(rc.client, rc.req, e, StatusRevalidated, now)
		}
		return stored
	}
	if !rc.streaming && rc.stale != nil && rc.status >= 500 {
		if rc.client != nil {
			c.serve(rc.client, rc.req, rc.stale, StatusStale, now)
		}
		return failed
	}
	if cl, err := strconv.ParseInt(rc.header.Get("Content-Length"), 10, 64); err == nil && cl != rc.written {
		return aborted // the body was cut short: never store a torn response
	}
	if !rc.storable {
		if rc.stale != nil && rc.status < 500 {
			// The origin no longer lets this be shared.
			c.store.purge(matcher{urls: map[string]bool{urlKey: true}})
		}
		if rc.status >= 500 {
			return failed
		}
		return notStored
	}
	vary := withNames(varyNames(rc.header), rc.h.rules.KeyHeaders)
	e := &entry{
		Key:          fullKey(urlKey, vary, rc.req.Header),
		URL:          urlKey,
		Status:       rc.status,
		Header:       storedHeader(rc.header),
		Body:         bytes.Clone(rc.body.Bytes()),
		Tags:         tags(rc.header),
		RequestTime:  rc.start,
		ResponseTime: now,
	}
	setFreshness(e, rc.header, rc.h.rules.TTL)
	c.store.put(e, vary)
	return stored
}

// refreshed is the stale entry updated by a 304's header fields (RFC 9111
// section 4.3.4).
func (rc *recorder) refreshed(urlKey string, now time.Time) *entry {
	e := *rc.stale
	e.Header = e.Header.Clone()
	for k, v := range storedHeader(rc.header) {
		switch k {
		case "Content-Length", "Content-Encoding", "Content-Type", "Content-Range":
			continue // describe the 304, not the stored body
		}
		e.Header[k] = v
	}
	e.RequestTime, e.ResponseTime = rc.start, now
	setFreshness(&e, rc.header, rc.h.rules.TTL)
	return &e
}

// setFreshness computes an entry's freshness from its stored header and
// the Age and Date of the response that brought it (got); a positive ttl
// is the route's override.
func setFreshness(e *entry, got http.Header, ttl time.Duration) {
	d := parseDirectives(e.Header)
	e.InitialAge = initialAge(got, e.RequestTime, e.ResponseTime)
	e.Lifetime = lifetime(e.Header, d, e.ResponseTime)
	if ttl > 0 {
		e.Lifetime = ttl
		e.InitialAge = 0 // the route's TTL counts from when we stored it
	}
	e.StaleWhileRevalidate, e.StaleIfError = 0, 0
	if !d.mustRevalidate {
		e.StaleWhileRevalidate, e.StaleIfError = d.staleWhileRevalidate, d.staleIfError
	}
}

// storableWithTTL reports whether a route TTL makes a response storable
// that has no freshness information.
func storableWithTTL(req *http.Request, status int, h http.Header, d directives) bool {
	hh := h.Clone()
	hh.Set("Cache-Control", strings.Join(append(h.Values("Cache-Control"), "s-maxage=1"), ", "))
	ok, _ := storable(req, status, hh, parseDirectives(hh))
	return ok && heuristicStatus(status)
}

// statusWriter records the status of a response passed through and
// removes Cache-Tag, which is for the cache, not the client.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
		w.ResponseWriter.Header().Del("Cache-Tag")
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
