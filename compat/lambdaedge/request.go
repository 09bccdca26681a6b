package lambdaedge

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// RequestOptions say how NewRequest builds the event's request.
type RequestOptions struct {
	// EventType selects the trigger's limits; it must be a request trigger.
	EventType EventType
	// ClientIP overrides the address taken from r.RemoteAddr (set it when a
	// trusted proxy sits in front).
	ClientIP string
	// IncludeBody exposes the body, base64 encoded and truncated at
	// MaxBodySize (default: 40 KB viewer, 1 MB origin).
	IncludeBody bool
	MaxBodySize int
	// ExtraHeaders are added as CloudFront would, e.g. CloudFront-Viewer-Country
	// or CloudFront-Is-Mobile-Viewer when the distribution forwards them.
	ExtraHeaders http.Header
	// Origin is the origin the request is routed to; sent in origin-request
	// only, where the function may change it.
	Origin *Origin
}

// NewRequest builds cf.request from an incoming request. With IncludeBody it
// reads up to the exposure limit and puts the bytes back in front of r.Body,
// so the full original body can still be forwarded when the function leaves
// it read-only.
func NewRequest(r *http.Request, opts RequestOptions) (*Request, error) {
	if !opts.EventType.IsRequest() {
		return nil, fmt.Errorf("lambdaedge: NewRequest: event type %q is not a request trigger", opts.EventType)
	}
	req := &Request{
		ClientIP:    opts.ClientIP,
		Headers:     requestHeaders(r),
		Method:      r.Method,
		QueryString: r.URL.RawQuery,
		URI:         r.URL.EscapedPath(),
	}
	if req.ClientIP == "" {
		req.ClientIP = remoteIP(r.RemoteAddr)
	}
	if req.URI == "" {
		req.URI = "/"
	}
	for name, values := range opts.ExtraHeaders {
		for _, v := range values {
			req.Headers.Add(name, v)
		}
	}
	req.Headers = exposed(req.Headers)
	if opts.EventType == OriginRequest && opts.Origin != nil {
		o := *opts.Origin
		req.Origin = &o
	}
	if opts.IncludeBody {
		limit := opts.MaxBodySize
		if limit <= 0 {
			limit = DefaultLimits(opts.EventType).MaxExposedBody
		}
		body, err := exposeBody(r, limit)
		if err != nil {
			return nil, err
		}
		req.Body = body
	}
	return req, nil
}

// requestHeaders converts r's headers, restoring the ones net/http moves out
// of r.Header (Host, Content-Length) so the function sees them as CloudFront
// shows them.
func requestHeaders(r *http.Request) Headers {
	h := HeadersFromHTTP(r.Header)
	if r.Host != "" {
		h.Set("Host", r.Host)
	}
	if h["content-length"] == nil && r.ContentLength > 0 {
		h.Set("Content-Length", strconv.FormatInt(r.ContentLength, 10))
	}
	return h
}

func remoteIP(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

func exposeBody(r *http.Request, limit int) (*Body, error) {
	b := &Body{Action: ActionReadOnly, Encoding: EncodingBase64}
	if r.Body == nil || r.Body == http.NoBody {
		return b, nil
	}
	// Read one byte past the limit to learn whether the body was truncated.
	head, err := io.ReadAll(io.LimitReader(r.Body, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("lambdaedge: reading request body: %w", err)
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}
	if len(head) > limit {
		head = head[:limit]
		b.InputTruncated = true
	}
	b.Data = base64.StdEncoding.EncodeToString(head)
	return b, nil
}

// ApplyRequest validates the request a function returned in a request
// trigger and builds the request to continue with: uri, querystring and
// headers from got, the body when got.Body.Action is "replace", and in
// origin-request the origin: the result's URL is then absolute, pointing at
// the (possibly switched) origin, and its custom headers are added. orig is
// not modified. Violations return an *Error.
func ApplyRequest(t EventType, orig *http.Request, got *Request) (*http.Request, error) {
	if !t.IsRequest() {
		return nil, validationErr(t, RuleEventType, "", "a request can only be returned from a request trigger")
	}
	if got == nil {
		return nil, &Error{Code: CodeInvalidResponse, Rule: RuleInvalidJSON, EventType: t, Msg: "the function returned no request"}
	}
	limits := DefaultLimits(t)
	if err := checkURI(t, got, limits); err != nil {
		return nil, err
	}
	sent := exposed(requestHeaders(orig))
	if err := checkHeaders(t, "headers", sent, got.Headers); err != nil {
		return nil, err
	}
	if got.Origin != nil && t != OriginRequest {
		return nil, validationErr(t, RuleOriginNotAllowed, "origin", "the origin can only be changed in origin-request")
	}
	if got.Origin != nil {
		if err := checkOrigin(got.Origin, got.Headers); err != nil {
			return nil, err
		}
	}
	var newBody []byte
	replace := got.Body != nil && got.Body.Action == ActionReplace
	if got.Body != nil {
		var err error
		if newBody, err = checkBody(t, got.Body, limits); err != nil {
			return nil, err
		}
	}

	out := orig.Clone(orig.Context())
	u, err := url.ParseRequestURI(got.URI)
	if err != nil {
		return nil, validationErr(t, RuleURI, "uri", "uri %q does not parse: %v", got.URI, err)
	}
	out.URL.Path, out.URL.RawPath = u.Path, u.RawPath
	out.URL.RawQuery = got.QueryString
	out.RequestURI = ""
	out.Header = got.Headers.HTTP()
	out.Host = out.Header.Get("Host")
	out.Header.Del("Host")
	// Content-Length is read-only and managed by the transport.
	out.Header.Del("Content-Length")
	if replace {
		out.Body = io.NopCloser(bytes.NewReader(newBody))
		out.ContentLength = int64(len(newBody))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(newBody)), nil }
	}
	if got.Origin != nil {
		base, err := url.Parse(got.Origin.URL())
		if err != nil {
			return nil, validationErr(t, RuleOrigin, "origin", "origin does not form a URL: %v", err)
		}
		out.URL.Scheme, out.URL.Host = base.Scheme, base.Host
		out.URL.Path = base.Path + out.URL.Path
		if out.URL.RawPath != "" {
			out.URL.RawPath = base.EscapedPath() + out.URL.RawPath
		}
		custom := got.Origin.customHeaders()
		for _, name := range custom.names() {
			for _, v := range custom[name] {
				out.Header.Add(name, v.Value)
			}
		}
	}
	return out, nil
}

func checkURI(t EventType, got *Request, limits Limits) error {
	if !strings.HasPrefix(got.URI, "/") {
		return validationErr(t, RuleURI, "uri", "uri %q must begin with a slash", got.URI)
	}
	if i := strings.IndexFunc(got.URI, badURIRune); i >= 0 || strings.ContainsAny(got.URI, "?#") {
		return validationErr(t, RuleURI, "uri", "uri %q contains a space, control character, '?' or '#'", got.URI)
	}
	if strings.IndexFunc(got.QueryString, badURIRune) >= 0 || strings.Contains(got.QueryString, "#") {
		return validationErr(t, RuleQueryString, "querystring", "querystring contains a space, control character or '#'")
	}
	if n := len(got.URI) + len(got.QueryString); n >= limits.MaxURI {
		return validationErr(t, RuleURITooLong, "uri", "uri and querystring are %d characters; the limit is less than %d", n, limits.MaxURI)
	}
	return nil
}

func badURIRune(r rune) bool { return r <= ' ' || r == 0x7f }

// checkBody validates a returned body and decodes a replacement.
func checkBody(t EventType, b *Body, limits Limits) ([]byte, error) {
	switch b.Action {
	case ActionReadOnly, "":
		return nil, nil
	case ActionReplace:
	default:
		return nil, validationErr(t, RuleBody, "body.action", "body action %q is not read-only or replace", b.Action)
	}
	switch b.Encoding {
	case EncodingText:
		if len(b.Data) > limits.MaxReplacedBodyText {
			return nil, validationErr(t, RuleBodyTooLarge, "body.data", "replaced text body is %d bytes; the limit is %d", len(b.Data), limits.MaxReplacedBodyText)
		}
		return []byte(b.Data), nil
	case EncodingBase64:
		if len(b.Data) > limits.MaxReplacedBodyBase64 {
			return nil, validationErr(t, RuleBodyTooLarge, "body.data", "replaced base64 body is %d bytes; the limit is %d", len(b.Data), limits.MaxReplacedBodyBase64)
		}
		data, err := base64.StdEncoding.DecodeString(b.Data)
		if err != nil {
			return nil, validationErr(t, RuleBody, "body.data", "body is not valid base64: %v", err)
		}
		return data, nil
	}
	return nil, validationErr(t, RuleBody, "body.encoding", "body encoding %q is not text or base64", b.Encoding)
}

func (o *Origin) customHeaders() Headers {
	switch {
	case o.Custom != nil:
		return o.Custom.CustomHeaders
	case o.S3 != nil:
		return o.S3.CustomHeaders
	}
	return nil
}

var sslProtocols = map[string]bool{"TLSv1.2": true, "TLSv1.1": true, "TLSv1": true, "SSLv3": true}

// checkOrigin applies the documented constraints on cf.request.origin.
func checkOrigin(o *Origin, reqHeaders Headers) error {
	t := OriginRequest
	bad := func(field, format string, args ...any) error {
		return validationErr(t, RuleOrigin, "origin."+field, format, args...)
	}
	if (o.Custom == nil) == (o.S3 == nil) {
		return bad("", "exactly one of custom and s3 must be set")
	}
	if c := o.Custom; c != nil {
		switch {
		case c.DomainName == "" || len(c.DomainName) > 253 || strings.Contains(c.DomainName, ":"):
			return bad("custom.domainName", "domain name %q must be 1-253 characters without a colon", c.DomainName)
		// CloudFront refuses IP addresses here; Verge's origins are often
		// addresses on a private network, and which addresses may be
		// reached is decided where the request is sent (SSRF rules).
		case c.Port != 80 && c.Port != 443 && (c.Port < 1024 || c.Port > 65535):
			return bad("custom.port", "port %d must be 80, 443 or 1024-65535", c.Port)
		case c.Protocol != "http" && c.Protocol != "https":
			return bad("custom.protocol", "protocol %q must be http or https", c.Protocol)
		case c.ReadTimeout < 1 || c.ReadTimeout > 180:
			return bad("custom.readTimeout", "read timeout %d must be 1-180 seconds", c.ReadTimeout)
		case c.KeepaliveTimeout < 1 || c.KeepaliveTimeout > 180:
			return bad("custom.keepaliveTimeout", "keep-alive timeout %d must be 1-180 seconds", c.KeepaliveTimeout)
		}
		if err := checkOriginPath("custom.path", c.Path); err != nil {
			return err
		}
		for _, p := range c.SSLProtocols {
			if !sslProtocols[p] {
				return bad("custom.sslProtocols", "unknown SSL protocol %q", p)
			}
		}
		return checkCustomHeaders("origin.custom.customHeaders", c.CustomHeaders, reqHeaders)
	}
	s := o.S3
	switch {
	case s.DomainName == "" || len(s.DomainName) > 128 || s.DomainName != strings.ToLower(s.DomainName):
		return bad("s3.domainName", "bucket domain %q must be 1-128 lowercase characters", s.DomainName)
	case s.AuthMethod != "origin-access-identity" && s.AuthMethod != "none":
		return bad("s3.authMethod", "auth method %q must be origin-access-identity or none", s.AuthMethod)
	case s.AuthMethod == "origin-access-identity" && s.Region == "":
		return bad("s3.region", "region is required with origin-access-identity")
	}
	if err := checkOriginPath("s3.path", s.Path); err != nil {
		return err
	}
	return checkCustomHeaders("origin.s3.customHeaders", s.CustomHeaders, reqHeaders)
}

func checkOriginPath(field, p string) error {
	if p == "" {
		return nil
	}
	if !strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || len(p) > 255 {
		return validationErr(OriginRequest, RuleOrigin, "origin."+field, "path %q must start with a slash, not end with one, and be at most 255 characters", p)
	}
	return nil
}

// checkCustomHeaders: origin custom headers follow the request header rules
// and must not repeat a request header.
func checkCustomHeaders(field string, custom, reqHeaders Headers) error {
	if err := checkHeaders(OriginRequest, field, custom, custom); err != nil {
		return err
	}
	for _, name := range custom.names() {
		if isDisallowed(name) || isReadOnly(OriginRequest, name) {
			return validationErr(OriginRequest, RuleDisallowedHeader, field+"."+name, "header %q cannot be an origin custom header", name)
		}
		if _, dup := reqHeaders[name]; dup {
			return validationErr(OriginRequest, RuleOrigin, field+"."+name, "header %q is also in request.headers", name)
		}
	}
	return nil
}
