package jwtauth

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/verge-edge/verge/edgeinfo"
	"golang.org/x/net/http/httpguts"
)

// Wrap implements policy.Policy: requests without a valid token are
// answered with 401; the others go on to next with their claims in
// edgeinfo and in the forward_claims headers.
func (a *Auth) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.serve(w, r, next)
	})
}

func (a *Auth) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	// Claim headers must only ever come from a verified token, so the
	// client's copies go first, before anything can fail or return.
	if len(a.s.forward) > 0 || a.s.stripToken {
		r = withOwnHeader(r)
		for _, f := range a.s.forward {
			r.Header.Del(f.header)
		}
	}
	token, aerr := a.token(r)
	var claims map[string]any
	if aerr == nil {
		claims, aerr = a.v.verify(r.Context(), token)
	}
	if aerr != nil {
		a.refuse(w, r, aerr)
		return
	}
	if info := edgeinfo.From(r.Context()); info != nil {
		info.Claims = claims
	}
	for _, f := range a.s.forward {
		if v, ok := headerValue(claims[f.claim]); ok {
			r.Header.Set(f.header, v)
		} else if claims[f.claim] != nil {
			a.log.Debug("jwt: claim not forwarded: not a valid header value", "claim", f.claim)
		}
	}
	if a.s.stripToken {
		r.Header.Del(a.s.header)
		if a.s.cookie != "" {
			removeCookie(r.Header, a.s.cookie)
		}
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

// token finds the request's token: the header first, then the cookie.
func (a *Auth) token(r *http.Request) (string, *authError) {
	vals := r.Header.Values(a.s.header)
	if len(vals) > 1 {
		// Two credentials are ambiguous: which one an origin would read
		// is not ours to guess (RFC 6750 3.1, invalid_request).
		return "", &authError{code: "invalid_request", desc: "more than one token header"}
	}
	if len(vals) == 1 {
		scheme, rest, found := strings.Cut(vals[0], " ")
		if found && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimLeft(rest, " "), nil
		}
		// A custom header may carry the bare token. In Authorization,
		// another scheme (Basic, say) is not a bearer token: treat the
		// request as unauthenticated.
		if !a.s.bearerOnly && !strings.Contains(vals[0], " ") {
			return vals[0], nil
		}
	}
	if a.s.cookie != "" {
		if c, err := r.Cookie(a.s.cookie); err == nil && c.Value != "" {
			return c.Value, nil
		}
	}
	return "", &authError{desc: "missing token"}
}

// refuse answers with an RFC 6750 challenge. Descriptions are fixed
// phrases, never request data, so they need no quoting.
func (a *Auth) refuse(w http.ResponseWriter, r *http.Request, e *authError) {
	if a.log.Enabled(r.Context(), slog.LevelDebug) {
		a.log.LogAttrs(r.Context(), slog.LevelDebug, "jwt: request refused",
			slog.String("reason", e.Error()), slog.String("path", r.URL.Path))
	}
	var b strings.Builder
	b.WriteString("Bearer")
	sep := " "
	if a.s.realm != "" {
		b.WriteString(` realm="` + a.s.realm + `"`)
		sep = ", "
	}
	if e.code != "" {
		b.WriteString(sep + `error="` + e.code + `", error_description="` + e.desc + `"`)
	}
	h := w.Header()
	h.Set("WWW-Authenticate", b.String())
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	status := http.StatusUnauthorized
	if e.code == "invalid_request" {
		status = http.StatusBadRequest
	}
	w.WriteHeader(status)
	io.WriteString(w, e.desc+"\n")
}

// headerValue renders a claim for a request header: strings as they are,
// numbers and booleans in JSON form, arrays and objects as compact JSON.
// It refuses values a header cannot carry (control characters).
func headerValue(v any) (string, bool) {
	var s string
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		s = x
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		s = strconv.FormatBool(x)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return "", false
		}
		s = string(b)
	}
	return s, httpguts.ValidHeaderFieldValue(s)
}

// removeCookie drops every cookie called name from h's Cookie lines,
// leaving the others byte for byte.
func removeCookie(h http.Header, name string) {
	var out []string
	for _, line := range h["Cookie"] {
		var kept []string
		for part := range strings.SplitSeq(line, ";") {
			part = strings.TrimSpace(part)
			n, _, _ := strings.Cut(part, "=")
			if part != "" && strings.TrimSpace(n) != name {
				kept = append(kept, part)
			}
		}
		if len(kept) > 0 {
			out = append(out, strings.Join(kept, "; "))
		}
	}
	if len(out) == 0 {
		h.Del("Cookie")
		return
	}
	h["Cookie"] = out
}
