package vercel

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httputil"
	"path/filepath"
	"strings"
)

// maxMiddlewareBody bounds a request body that goes through middleware:
// it is kept in memory so that both the middleware and the origin can
// read it.
const maxMiddlewareBody = 1 << 20

// middleware runs a worker as Vercel Routing Middleware in front of a
// target (the route's origin): requests its matcher selects go to the
// worker first; a response saying next (NextResponse.next(), or nothing
// returned) or rewrite sends the request on, with the headers the
// middleware set; any other response (a redirect, a full page) is the
// answer.
type middleware struct {
	worker   http.Handler
	next     http.Handler
	matcher  *Matcher // nil: every request
	external *httputil.ReverseProxy
}

// Handler runs worker (the middleware's handler) in front of next (the
// route's origin). matcher selects the requests (nil: all); external
// carries rewrites to other origins, and should refuse what the worker's
// own fetch() may not reach.
func Handler(worker, next http.Handler, matcher *Matcher, external http.RoundTripper) http.Handler {
	return &middleware{worker: worker, next: next, matcher: matcher, external: &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.Host = pr.Out.URL.Host
			pr.SetXForwarded()
		},
		Transport: external,
		ErrorHandler: func(rw http.ResponseWriter, r *http.Request, err error) {
			http.Error(rw, "verge: middleware rewrite: "+err.Error(), http.StatusBadGateway)
		},
	}}
}

func (m *middleware) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if m.matcher != nil && !m.matcher.Match(r) {
		m.next.ServeHTTP(rw, r)
		return
	}
	// Both the middleware and the origin may read the body.
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, maxMiddlewareBody+1))
		if err != nil {
			http.Error(rw, "verge: reading the request body: "+err.Error(), http.StatusBadRequest)
			return
		}
		if len(body) > maxMiddlewareBody {
			http.Error(rw, "verge: request bodies through middleware are limited to 1 MiB", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	mw := &middlewareWriter{rw: rw, header: http.Header{}}
	wr := r.Clone(r.Context())
	if body != nil {
		wr.Body = io.NopCloser(bytes.NewReader(body))
	}
	m.worker.ServeHTTP(mw, wr)
	if !mw.cont {
		if !mw.wrote {
			mw.WriteHeader(http.StatusOK)
		}
		return
	}
	d := Interpret(&http.Response{StatusCode: mw.status, Header: mw.header})
	out := ApplyNext(r, d)
	for k, v := range d.ResponseHeaders {
		rw.Header()[k] = v
	}
	if IsExternal(r, d) {
		if out.URL.Scheme != "http" && out.URL.Scheme != "https" {
			http.Error(rw, "verge: middleware rewrite to a non-HTTP URL", http.StatusBadGateway)
			return
		}
		m.external.ServeHTTP(rw, out)
		return
	}
	m.next.ServeHTTP(rw, out)
}

// middlewareWriter passes a middleware's answer to the client, except
// one that continues the request, which it keeps back.
type middlewareWriter struct {
	rw     http.ResponseWriter
	header http.Header
	status int
	wrote  bool
	cont   bool // next or rewrite: nothing goes to the client
}

func (w *middlewareWriter) Header() http.Header { return w.header }

func (w *middlewareWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote, w.status = true, code
	h := w.header
	redirect := code >= 300 && code < 400 && h.Get("Location") != ""
	if h.Get(HeaderRewrite) != "" || (h.Get(HeaderNext) != "" && !redirect) {
		w.cont = true
		return
	}
	dst := w.rw.Header()
	for k, v := range h {
		if !strings.HasPrefix(strings.ToLower(k), "x-middleware-") {
			dst[k] = v
		}
	}
	w.rw.WriteHeader(code)
}

func (w *middlewareWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.cont {
		return len(p), nil // a next() response's body is not sent
	}
	return w.rw.Write(p)
}

func (w *middlewareWriter) Flush() {
	if f, ok := w.rw.(http.Flusher); ok && w.wrote && !w.cont {
		f.Flush()
	}
}

// IsMiddlewareEntry reports whether a project's entry file follows
// Vercel's convention (middleware.ts, middleware.js and friends).
func IsMiddlewareEntry(main string) bool {
	base := filepath.Base(main)
	return strings.TrimSuffix(base, filepath.Ext(base)) == "middleware"
}
