package vercel

import (
	"net/http"
	"net/url"
	"strings"
)

// Action is what the server does after middleware ran.
type Action int

const (
	// Next continues to the route (the page, function or origin).
	Next Action = iota
	// Rewrite serves another URL, same-origin or external (proxied),
	// while the browser keeps its URL.
	Rewrite
	// Redirect answers with Status and Location.
	Redirect
	// Respond sends the middleware's response as is.
	Respond
)

func (a Action) String() string {
	switch a {
	case Next:
		return "next"
	case Rewrite:
		return "rewrite"
	case Redirect:
		return "redirect"
	case Respond:
		return "respond"
	}
	return "unknown"
}

// Headers of the middleware protocol (NextResponse and @vercel/functions).
const (
	HeaderNext            = "X-Middleware-Next"
	HeaderRewrite         = "X-Middleware-Rewrite"
	HeaderOverrideHeaders = "X-Middleware-Override-Headers"
	HeaderRequestPrefix   = "X-Middleware-Request-"
)

// Decision is the interpretation of a middleware's result.
type Decision struct {
	Action Action
	// URL is the rewrite target (Rewrite) or the Location (Redirect), as
	// the middleware wrote it; resolve it against the request URL.
	URL string
	// Status is the redirect or response status.
	Status int
	// RequestHeaders, when not nil, is the complete new set of request
	// headers (x-middleware-override-headers lists every header to keep);
	// nil leaves the request's headers alone.
	RequestHeaders http.Header
	// ResponseHeaders are to be added to the final response: everything the
	// middleware set except the x-middleware-* protocol headers and
	// Content-Length. For Respond they are the response's headers.
	ResponseHeaders http.Header
	// Response is the middleware's response (Respond only); its body is
	// still unread.
	Response *http.Response
}

// Interpret reads what a middleware returned. resp is nil when it returned
// nothing (undefined), which continues like NextResponse.next(). Precedence
// follows Next.js: rewrite, then a 3xx with Location, then next, otherwise
// the response itself is sent.
func Interpret(resp *http.Response) Decision {
	if resp == nil {
		return Decision{Action: Next, ResponseHeaders: http.Header{}}
	}
	h := resp.Header
	d := Decision{Status: resp.StatusCode, RequestHeaders: requestOverrides(h), ResponseHeaders: http.Header{}}
	for name, vals := range h {
		lower := strings.ToLower(name)
		if strings.HasPrefix(lower, "x-middleware-") || lower == "content-length" {
			continue
		}
		d.ResponseHeaders[name] = append([]string(nil), vals...)
	}
	switch {
	case h.Get(HeaderRewrite) != "":
		d.Action, d.URL = Rewrite, h.Get(HeaderRewrite)
	case h.Get("Location") != "" && isRedirect(resp.StatusCode):
		d.Action, d.URL = Redirect, h.Get("Location")
	case h.Get(HeaderNext) != "":
		d.Action = Next
	default:
		d.Action, d.Response = Respond, resp
	}
	if d.Action == Next || d.Action == Rewrite {
		d.Status = 0
	}
	return d
}

func isRedirect(code int) bool {
	switch code {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

// requestOverrides builds the new request headers from the override list:
// listed names take their x-middleware-request-<name> values and names
// missing a value are deleted, as are request headers not listed.
func requestOverrides(h http.Header) http.Header {
	list := h.Values(HeaderOverrideHeaders)
	if len(list) == 0 {
		return nil
	}
	out := http.Header{}
	for _, item := range list {
		for name := range strings.SplitSeq(item, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			if vals := h.Values(HeaderRequestPrefix + name); len(vals) > 0 {
				out[http.CanonicalHeaderKey(name)] = append([]string(nil), vals...)
			}
		}
	}
	return out
}

// ApplyNext builds the request to send on for Next and Rewrite decisions:
// request headers replaced when the middleware overrode them, and for a
// rewrite the URL resolved against r's (an external rewrite gets an
// absolute URL and the target's Host, so it can be proxied). For other
// actions, or a rewrite URL that does not parse, r is returned unchanged.
// r is not modified.
func ApplyNext(r *http.Request, d Decision) *http.Request {
	if d.Action != Next && d.Action != Rewrite {
		return r
	}
	out := r.Clone(r.Context())
	if d.RequestHeaders != nil {
		out.Header = d.RequestHeaders.Clone()
		if host := out.Header.Get("Host"); host != "" {
			out.Host = host
		}
		out.Header.Del("Host")
	}
	if d.Action == Rewrite {
		base := requestURL(r)
		target, err := base.Parse(d.URL)
		if err != nil {
			return r
		}
		if target.Host == base.Host && target.Scheme == base.Scheme {
			// Same origin: only the path and query change.
			out.URL.Path, out.URL.RawPath, out.URL.RawQuery = target.Path, target.RawPath, target.RawQuery
		} else {
			out.URL = target
			out.Host = target.Host
		}
		out.RequestURI = ""
	}
	return out
}

// requestURL returns r's absolute URL, filling scheme and host for server
// requests whose URL holds only the path.
func requestURL(r *http.Request) *url.URL {
	u := *r.URL
	if u.Host == "" {
		u.Host = r.Host
	}
	if u.Scheme == "" {
		u.Scheme = "http"
		if r.TLS != nil {
			u.Scheme = "https"
		}
	}
	return &u
}

// IsExternal reports whether a Rewrite decision targets another origin
// than r's, i.e. must be proxied rather than routed internally.
func IsExternal(r *http.Request, d Decision) bool {
	if d.Action != Rewrite {
		return false
	}
	base := requestURL(r)
	target, err := base.Parse(d.URL)
	return err == nil && (target.Host != base.Host || target.Scheme != base.Scheme)
}
