package cache

import (
	"bytes"
	"errors"
	"net/http"
)

// The Workers Cache API (caches.default, caches.open(name)) on the same
// store as the HTTP cache: caches.default shares its keys with the zone's
// cached responses, as on Cloudflare, and a named cache keeps its own.

// Object is a response as the Cache API stores and returns it.
type Object struct {
	Status int
	Header http.Header
	Body   []byte
}

// Errors of APIPut; the JavaScript side throws workerd's TypeErrors for them.
var (
	ErrNotGET  = errors.New("cache: cannot cache the response to a non-GET request")
	ErrPartial = errors.New("cache: cannot cache a 206 Partial Content response")
	ErrVaryAll = errors.New("cache: cannot cache a response with Vary: *")
)

func apiURLKey(name, rawURL string) (string, error) {
	k, err := urlKeyString(rawURL, false)
	if err != nil {
		return "", err
	}
	if name == "" || name == "default" {
		return k, nil
	}
	return name + "\x00" + k, nil
}

// APIPut stores obj as the response to req in the named cache ("" is
// caches.default). A response the cache may not share (no-store, private,
// Set-Cookie, or no freshness information) is accepted and not stored, as
// on Cloudflare.
func (c *Cache) APIPut(name string, req *http.Request, obj Object) error {
	if req.Method != http.MethodGet {
		return ErrNotGET
	}
	if obj.Status == http.StatusPartialContent {
		return ErrPartial
	}
	urlKey, err := apiURLKey(name, req.URL.String())
	if err != nil {
		return err
	}
	d := parseDirectives(obj.Header)
	ok, why := storable(req, obj.Status, obj.Header, d)
	if why == "vary" {
		return ErrVaryAll
	}
	if !ok || int64(len(obj.Body)) > c.opts.MaxObjectBytes {
		return nil
	}
	now := c.opts.Now()
	vary := varyNames(obj.Header)
	e := &entry{
		Key:          fullKey(urlKey, vary, req.Header),
		URL:          urlKey,
		Status:       obj.Status,
		Header:       storedHeader(obj.Header),
		Body:         obj.Body,
		Tags:         tags(obj.Header),
		RequestTime:  now,
		ResponseTime: now,
	}
	setFreshness(e, obj.Header, 0)
	c.store.put(e, vary)
	return nil
}

// APIMatch returns the fresh response stored for req, answering its
// Range, If-None-Match and If-Modified-Since fields as Cloudflare's
// cache.match does; ok is false when there is none.
func (c *Cache) APIMatch(name string, req *http.Request, ignoreMethod bool) (obj Object, ok bool, err error) {
	if req.Method != http.MethodGet && !(ignoreMethod || req.Method == http.MethodHead) {
		return Object{}, false, nil
	}
	urlKey, err := apiURLKey(name, req.URL.String())
	if err != nil {
		return Object{}, false, err
	}
	e := c.store.get(fullKey(urlKey, c.store.varyOf(urlKey), req.Header))
	now := c.opts.Now()
	if e == nil || e.staleness(now) >= 0 {
		return Object{}, false, nil
	}
	get := req.Clone(req.Context())
	get.Method = http.MethodGet
	w := &bufferWriter{header: http.Header{}}
	c.serve(w, get, e, StatusHit, now)
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.header.Del("Accept-Ranges")
	return Object{Status: w.status, Header: w.header, Body: w.body.Bytes()}, true, nil
}

// APIDelete removes the responses stored for req's URL from the named
// cache and reports whether there were any.
func (c *Cache) APIDelete(name string, req *http.Request, ignoreMethod bool) (bool, error) {
	if req.Method != http.MethodGet && !ignoreMethod {
		return false, nil
	}
	urlKey, err := apiURLKey(name, req.URL.String())
	if err != nil {
		return false, err
	}
	return c.store.purge(matcher{urls: map[string]bool{urlKey: true}}) > 0, nil
}

// bufferWriter is a ResponseWriter into memory.
type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *bufferWriter) Header() http.Header { return w.header }

func (w *bufferWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *bufferWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(p)
}
