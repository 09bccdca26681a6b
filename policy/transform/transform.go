package transform

import (
	"fmt"
	"net/http"

	"github.com/verge-edge/verge/edgeinfo"
)

// Transform is a compiled [transform] table. It is safe for concurrent
// use; it is never changed after New.
type Transform struct {
	reqOps    headerOps
	respOps   headerOps
	rewrites  []rewrite
	redirects []redirect
	cors      *cors // nil without a cors table
}

// New checks cfg and compiles its patterns and templates. Errors name the
// offending key, as in "transform.rewrites[2].from: ...".
func New(cfg Config) (*Transform, error) {
	t := &Transform{}
	var err error
	if t.reqOps, err = compileHeaderOps("transform.request_headers", cfg.RequestHeaders, true); err != nil {
		return nil, err
	}
	if t.respOps, err = compileHeaderOps("transform.response_headers", cfg.ResponseHeaders, false); err != nil {
		return nil, err
	}
	for i, rw := range cfg.Rewrites {
		c, err := compileRewrite(rw)
		if err != nil {
			return nil, fmt.Errorf("transform.rewrites[%d].%w", i, err)
		}
		t.rewrites = append(t.rewrites, c)
	}
	for i, rd := range cfg.Redirects {
		c, err := compileRedirect(rd)
		if err != nil {
			return nil, fmt.Errorf("transform.redirects[%d].%w", i, err)
		}
		t.redirects = append(t.redirects, c)
	}
	if cfg.CORS != nil {
		if t.cors, err = compileCORS(cfg.CORS); err != nil {
			return nil, fmt.Errorf("transform.cors.%w", err)
		}
	}
	return t, nil
}

// Wrap implements policy.Policy: preflights and redirects are answered
// here, other requests go on to next, rewritten, with the response's
// header changed on its way out.
func (t *Transform) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.serve(w, r, next)
	})
}

func (t *Transform) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	d := &reqData{r: r, info: edgeinfo.From(r.Context())}
	if t.cors != nil && isPreflight(r) {
		// Through the wrapper, so that the response header operations
		// apply to the answer too.
		t.cors.preflight(t.wrapWriter(w, d, false, ""), r)
		return
	}
	if !t.respOps.empty() || t.cors != nil {
		w = t.wrapWriter(w, d, t.cors != nil, r.Header.Get("Origin"))
	}
	for i := range t.redirects {
		if target, ok := t.redirects[i].target(r.URL); ok {
			w.Header().Set("Location", target)
			w.WriteHeader(t.redirects[i].status)
			return
		}
	}
	var r2 *http.Request // r with its own URL and header, once changed
	for i := range t.rewrites {
		u, err := t.rewrites[i].apply(r.URL)
		if err != nil {
			http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
			return
		}
		if u != nil {
			r2 = shallowCopy(r)
			r2.URL = u
			// RequestURI is what a handler that proxies the request as
			// received would forward; keep it in step with URL.
			r2.RequestURI = u.RequestURI()
			break
		}
	}
	if !t.reqOps.empty() {
		if r2 == nil {
			r2 = shallowCopy(r)
		}
		// Our own header map: changes are seen by the stages behind us,
		// not by the ones in front, as net/http asks of handlers.
		r2.Header = r.Header.Clone()
		if r2.Header == nil {
			r2.Header = make(http.Header)
		}
		t.reqOps.apply(r2.Header, d)
	}
	if r2 != nil {
		r = r2
	}
	next.ServeHTTP(w, r)
}

func (t *Transform) wrapWriter(w http.ResponseWriter, d *reqData, cors bool, origin string) *responseWriter {
	return &responseWriter{ResponseWriter: w, t: t, d: d, cors: cors, origin: origin}
}

func shallowCopy(r *http.Request) *http.Request {
	r2 := new(http.Request)
	*r2 = *r
	return r2
}
