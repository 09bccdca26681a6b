package experiment

import (
	"net/http"

	"github.com/verge-edge/verge/edgeinfo"
)

// Wrap implements policy.Policy: it puts the request in a variant of
// every experiment, records the variants in edgeinfo and in the
// experiments' request headers, issues cookies where stickiness needs
// them, sets the flags header, and calls next. It never answers a
// request itself.
func (e *Experiments) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.serve(w, r, next)
	})
}

func (e *Experiments) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	r = withOwnHeader(r)
	// These headers are the edge's word to the worker and origin; a
	// client's copies go before anything else, so they can never be
	// mistaken for ours.
	for _, x := range e.exps {
		delete(r.Header, x.header)
	}
	delete(r.Header, e.flags.header)

	info := edgeinfo.From(r.Context())
	if info == nil {
		// Without the front (a bare handler, a unit test) Variant still
		// needs somewhere to read the choice from.
		info = &edgeinfo.Info{}
		r = r.WithContext(edgeinfo.With(r.Context(), info))
	}
	if len(e.exps) > 0 && info.Variants == nil {
		info.Variants = make(map[string]string, len(e.exps))
	}
	for _, x := range e.exps {
		v := x.assign(w, r, info)
		info.Variants[x.name] = v
		r.Header[x.header] = []string{v}
	}
	if js := e.flags.headerValue(r, info); js != "" {
		r.Header[e.flags.header] = []string{js}
		info.Flags = js
	}
	next.ServeHTTP(w, r)
}

// withOwnHeader returns a shallow copy of r with a copy of its header, so
// changes are seen by the stages behind us and not by the ones in front,
// as net/http asks of handlers that change a request.
func withOwnHeader(r *http.Request) *http.Request {
	r2 := new(http.Request)
	*r2 = *r
	r2.Header = r.Header.Clone()
	if r2.Header == nil {
		r2.Header = make(http.Header)
	}
	return r2
}
