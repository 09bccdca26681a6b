package lambdaedge

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// EventType names the CloudFront trigger point a function runs at. The
// values are the strings CloudFront puts in config.eventType.
type EventType string

// The four Lambda@Edge trigger points.
const (
	ViewerRequest  EventType = "viewer-request"
	OriginRequest  EventType = "origin-request"
	OriginResponse EventType = "origin-response"
	ViewerResponse EventType = "viewer-response"
)

// Valid reports whether t is one of the four trigger points.
func (t EventType) Valid() bool {
	switch t {
	case ViewerRequest, OriginRequest, OriginResponse, ViewerResponse:
		return true
	}
	return false
}

// IsRequest reports whether t runs before the origin is reached (its
// function receives a request and may return a request or a response).
func (t EventType) IsRequest() bool { return t == ViewerRequest || t == OriginRequest }

// IsViewer reports whether t is one of the two viewer triggers, which have
// the smaller limits.
func (t EventType) IsViewer() bool { return t == ViewerRequest || t == ViewerResponse }

// Event is the object passed as the first argument of the handler:
// event.Records[0].cf.
type Event struct {
	Records []Record `json:"Records"`
}

// Record is one element of Event.Records; CloudFront always sends exactly one.
type Record struct {
	CF CF `json:"cf"`
}

// CF holds the trigger configuration and the request, plus the response in
// response triggers.
type CF struct {
	Config   Config    `json:"config"`
	Request  *Request  `json:"request,omitempty"`
	Response *Response `json:"response,omitempty"`
}

// Config describes the distribution and the trigger. All fields are read-only
// for the function.
type Config struct {
	DistributionDomainName string    `json:"distributionDomainName"`
	DistributionID         string    `json:"distributionId"`
	EventType              EventType `json:"eventType"`
	RequestID              string    `json:"requestId"`
}

// NewEvent wraps a request (and, in response triggers, a response) into the
// single-record event shape a handler expects.
func NewEvent(cfg Config, req *Request, resp *Response) *Event {
	return &Event{Records: []Record{{CF: CF{Config: cfg, Request: req, Response: resp}}}}
}

// Request is the cf.request object.
type Request struct {
	ClientIP    string  `json:"clientIp"`
	Headers     Headers `json:"headers"`
	Method      string  `json:"method"`
	QueryString string  `json:"querystring"`
	URI         string  `json:"uri"`
	// Origin is present in origin-request events only; changing it switches
	// the origin the request goes to.
	Origin *Origin `json:"origin,omitempty"`
	// Body is present only when the trigger was set up with "include body".
	Body *Body `json:"body,omitempty"`
}

// Body is the cf.request.body object of triggers with "include body".
type Body struct {
	// InputTruncated is true when the body was larger than the trigger's
	// exposure limit and Data holds only its beginning.
	InputTruncated bool `json:"inputTruncated"`
	// Action is "read-only" as sent; a function sets "replace" to send Data
	// on instead of the original body.
	Action string `json:"action"`
	// Encoding is "base64" as sent; a replacement may use "text".
	Encoding string `json:"encoding"`
	Data     string `json:"data"`
}

// Body actions and encodings.
const (
	ActionReadOnly = "read-only"
	ActionReplace  = "replace"
	EncodingBase64 = "base64"
	EncodingText   = "text"
)

// Response is cf.response in response triggers, and the object a request
// trigger returns to answer the viewer itself (a generated response).
type Response struct {
	// Status is the status code as a decimal string, as CloudFront sends it.
	Status            string  `json:"status"`
	StatusDescription string  `json:"statusDescription,omitempty"`
	Headers           Headers `json:"headers,omitempty"`
	// Body is nil when the function did not set one. In response triggers
	// that keeps the origin's body; a set empty string removes it.
	Body         *string `json:"body,omitempty"`
	BodyEncoding string  `json:"bodyEncoding,omitempty"`
}

// Origin is cf.request.origin: exactly one of Custom and S3 is set.
type Origin struct {
	Custom *CustomOrigin `json:"custom,omitempty"`
	S3     *S3Origin     `json:"s3,omitempty"`
}

// CustomOrigin is an HTTP(S) origin.
type CustomOrigin struct {
	CustomHeaders    Headers  `json:"customHeaders"`
	DomainName       string   `json:"domainName"`
	KeepaliveTimeout int      `json:"keepaliveTimeout"`
	Path             string   `json:"path"`
	Port             int      `json:"port"`
	Protocol         string   `json:"protocol"`
	ReadTimeout      int      `json:"readTimeout"`
	SSLProtocols     []string `json:"sslProtocols"`
}

// S3Origin is an Amazon S3 bucket origin.
type S3Origin struct {
	AuthMethod    string  `json:"authMethod"`
	CustomHeaders Headers `json:"customHeaders"`
	DomainName    string  `json:"domainName"`
	Path          string  `json:"path"`
	Region        string  `json:"region"`
}

// URL returns the origin's base URL (scheme, host, port and path prefix).
// S3 origins are addressed over HTTPS.
func (o *Origin) URL() string {
	switch {
	case o == nil:
		return ""
	case o.Custom != nil:
		c := o.Custom
		host := c.DomainName
		if c.Port != 0 && !(c.Protocol == "http" && c.Port == 80) && !(c.Protocol == "https" && c.Port == 443) {
			host = fmt.Sprintf("%s:%d", host, c.Port)
		}
		return c.Protocol + "://" + host + c.Path
	case o.S3 != nil:
		return "https://" + o.S3.DomainName + o.S3.Path
	}
	return ""
}

// Header is one value of a header, with the name as the client spelt it.
type Header struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Headers maps lowercase header names to their values in order; each
// element's Key keeps the original casing.
type Headers map[string][]Header

// HeadersFromHTTP converts h. net/http canonicalises names on parsing, so
// Key holds the canonical form (User-Agent) rather than the wire casing.
func HeadersFromHTTP(h http.Header) Headers {
	out := make(Headers, len(h))
	for name, values := range h {
		lower := strings.ToLower(name)
		for _, v := range values {
			out[lower] = append(out[lower], Header{Key: name, Value: v})
		}
	}
	return out
}

// Add appends a value, keeping key's casing in the element.
func (h Headers) Add(key, value string) {
	lower := strings.ToLower(key)
	h[lower] = append(h[lower], Header{Key: key, Value: value})
}

// Set replaces all values of key with one value.
func (h Headers) Set(key, value string) {
	h[strings.ToLower(key)] = []Header{{Key: key, Value: value}}
}

// Get returns the first value of name, or "".
func (h Headers) Get(name string) string {
	if vs := h[strings.ToLower(name)]; len(vs) > 0 {
		return vs[0].Value
	}
	return ""
}

// Values returns all values of name in order.
func (h Headers) Values(name string) []string {
	vs := h[strings.ToLower(name)]
	if len(vs) == 0 {
		return nil
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Value
	}
	return out
}

// HTTP converts h to an http.Header. Empty arrays are dropped, as CloudFront
// treats them as a deleted header.
func (h Headers) HTTP() http.Header {
	out := make(http.Header, len(h))
	for _, name := range h.names() {
		for _, v := range h[name] {
			out.Add(name, v.Value)
		}
	}
	return out
}

// names returns the map keys sorted, so validation errors are deterministic.
func (h Headers) names() []string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
