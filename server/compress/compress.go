// Package compress encodes responses with brotli or gzip for clients that
// accept them, as CDNs do: only compressible types, only responses not
// already encoded, only bodies big enough to gain. Streamed responses stay
// streamed: each Flush flushes the encoder.
package compress

import (
	"compress/gzip"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/andybalholm/brotli"
)

// MinSize is the smallest declared body worth compressing: below one
// packet the headers and framing cost more than they save.
const MinSize = 1024

// Handler wraps next with response compression.
func Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		enc := negotiate(r.Header.Get("Accept-Encoding"))
		if enc == "" || r.Method == http.MethodHead {
			next.ServeHTTP(rw, r)
			return
		}
		cw := &writer{ResponseWriter: rw, enc: enc}
		defer cw.close()
		next.ServeHTTP(cw, r)
	})
}

// negotiate picks br over gzip among the encodings the client accepts
// with a non-zero quality.
func negotiate(accept string) string {
	var br, gz bool
	for _, part := range strings.Split(accept, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if q, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if v, err := strconv.ParseFloat(q, 64); err != nil || v == 0 {
				continue
			}
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "br":
			br = true
		case "gzip":
			gz = true
		}
	}
	switch {
	case br:
		return "br"
	case gz:
		return "gzip"
	}
	return ""
}

// compressible reports whether a content type gains from compression.
func compressible(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"):
		return true
	case strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return true
	}
	switch mt {
	case "application/json", "application/javascript", "application/xml", "application/wasm",
		"image/svg+xml", "application/x-javascript", "application/manifest+json", "application/ld+json":
		return true
	}
	return false
}

type writer struct {
	http.ResponseWriter
	enc     string
	decided bool
	w       io.WriteCloser // nil: passing through
}

func (c *writer) WriteHeader(code int) {
	if c.decided {
		return
	}
	c.decided = true
	h := c.Header()
	// Whatever we decide, a cache in front must key on Accept-Encoding.
	if ct := h.Get("Content-Type"); code >= 200 && code != http.StatusNoContent && code != http.StatusNotModified &&
		code != http.StatusPartialContent && h.Get("Content-Encoding") == "" && compressible(ct) &&
		!strings.Contains(h.Get("Cache-Control"), "no-transform") && bigEnough(h.Get("Content-Length")) {
		h.Del("Content-Length")
		h.Set("Content-Encoding", c.enc)
		if etag := h.Get("ETag"); etag != "" && !strings.HasPrefix(etag, "W/") {
			h.Set("ETag", "W/"+etag) // the bytes differ from the strong entity
		}
		h.Del("Accept-Ranges")
		if c.enc == "br" {
			c.w = brotli.NewWriterLevel(c.ResponseWriter, 4) // fast levels suit on-the-fly encoding
		} else {
			c.w, _ = gzip.NewWriterLevel(c.ResponseWriter, gzip.DefaultCompression)
		}
	}
	if compressible(h.Get("Content-Type")) {
		h.Add("Vary", "Accept-Encoding")
	}
	c.ResponseWriter.WriteHeader(code)
}

func bigEnough(cl string) bool {
	if cl == "" {
		return true // unknown length: a stream, possibly large
	}
	n, err := strconv.ParseInt(cl, 10, 64)
	return err == nil && n >= MinSize
}

func (c *writer) Write(p []byte) (int, error) {
	if !c.decided {
		c.WriteHeader(http.StatusOK)
	}
	if c.w == nil {
		return c.ResponseWriter.Write(p)
	}
	return c.w.Write(p)
}

func (c *writer) Flush() {
	if f, ok := c.w.(interface{ Flush() error }); ok {
		f.Flush()
	}
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (c *writer) Unwrap() http.ResponseWriter { return c.ResponseWriter }

func (c *writer) close() {
	if c.w != nil {
		c.w.Close()
	}
}
