package vercel

import (
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

func response(status int, h http.Header, body string) *http.Response {
	r := &http.Response{StatusCode: status, Header: h, Body: http.NoBody}
	if body != "" {
		r.Body = io.NopCloser(strings.NewReader(body))
	}
	return r
}

func TestInterpret(t *testing.T) {
	tests := []struct {
		name      string
		resp      *http.Response
		action    Action
		url       string
		status    int
		reqHdr    http.Header
		respHdr   http.Header
		keepsResp bool
	}{
		{name: "returned nothing", resp: nil, action: Next, respHdr: http.Header{}},
		{name: "NextResponse.next()", resp: response(200, http.Header{"X-Middleware-Next": {"1"}}, ""),
			action: Next, respHdr: http.Header{}},
		{name: "next with response headers", resp: response(200, http.Header{
			"X-Middleware-Next": {"1"}, "Set-Cookie": {"a=1", "b=2"}, "X-Custom": {"v"}, "Content-Length": {"0"},
		}, ""), action: Next, respHdr: http.Header{"Set-Cookie": {"a=1", "b=2"}, "X-Custom": {"v"}}},
		{name: "next with request header overrides", resp: response(200, http.Header{
			"X-Middleware-Next":                 {"1"},
			"X-Middleware-Override-Headers":     {"accept,x-hello, authorization"},
			"X-Middleware-Request-Accept":       {"*/*"},
			"X-Middleware-Request-X-Hello":      {"world"},
			"X-Middleware-Request-Unlisted":     {"ignored"},
			"X-Middleware-Request-Not-In-List2": {"ignored"},
		}, ""), action: Next,
			reqHdr:  http.Header{"Accept": {"*/*"}, "X-Hello": {"world"}},
			respHdr: http.Header{}},
		{name: "rewrite same origin", resp: response(200, http.Header{"X-Middleware-Rewrite": {"http://example.com/new?x=1"}}, ""),
			action: Rewrite, url: "http://example.com/new?x=1", respHdr: http.Header{}},
		{name: "rewrite wins over next", resp: response(200, http.Header{"X-Middleware-Rewrite": {"/r"}, "X-Middleware-Next": {"1"}}, ""),
			action: Rewrite, url: "/r", respHdr: http.Header{}},
		{name: "redirect 307", resp: response(307, http.Header{"Location": {"https://example.com/login"}}, ""),
			action: Redirect, url: "https://example.com/login", status: 307, respHdr: http.Header{"Location": {"https://example.com/login"}}},
		{name: "location without 3xx is a response", resp: response(201, http.Header{"Location": {"/thing/1"}}, "made"),
			action: Respond, status: 201, respHdr: http.Header{"Location": {"/thing/1"}}, keepsResp: true},
		{name: "full response", resp: response(401, http.Header{"Content-Type": {"application/json"}}, `{"error":"no"}`),
			action: Respond, status: 401, respHdr: http.Header{"Content-Type": {"application/json"}}, keepsResp: true},
		{name: "empty response", resp: response(200, http.Header{}, ""), action: Respond, status: 200, respHdr: http.Header{}, keepsResp: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Interpret(tt.resp)
			if d.Action != tt.action || d.URL != tt.url || d.Status != tt.status {
				t.Errorf("got %v %q %d, want %v %q %d", d.Action, d.URL, d.Status, tt.action, tt.url, tt.status)
			}
			if !reflect.DeepEqual(d.RequestHeaders, tt.reqHdr) {
				t.Errorf("request headers %v, want %v", d.RequestHeaders, tt.reqHdr)
			}
			if !reflect.DeepEqual(d.ResponseHeaders, tt.respHdr) {
				t.Errorf("response headers %v, want %v", d.ResponseHeaders, tt.respHdr)
			}
			if (d.Response != nil) != tt.keepsResp {
				t.Errorf("response kept = %v", d.Response != nil)
			}
		})
	}
}

func TestApplyNext(t *testing.T) {
	newReq := func() *http.Request {
		r := httptest.NewRequest("GET", "http://example.com/old/path?q=1", nil)
		r.Header.Set("Accept", "text/html")
		r.Header.Set("Cookie", "a=1")
		return r
	}
	tests := []struct {
		name     string
		resp     *http.Response
		url      string
		host     string
		header   http.Header
		external bool
	}{
		{"nothing", nil, "http://example.com/old/path?q=1", "example.com", http.Header{"Accept": {"text/html"}, "Cookie": {"a=1"}}, false},
		{"override drops unlisted", response(200, http.Header{
			"X-Middleware-Next":             {"1"},
			"X-Middleware-Override-Headers": {"accept,x-user"},
			"X-Middleware-Request-Accept":   {"text/html"},
			"X-Middleware-Request-X-User":   {"42"},
		}, ""), "http://example.com/old/path?q=1", "example.com", http.Header{"Accept": {"text/html"}, "X-User": {"42"}}, false},
		{"relative rewrite", response(200, http.Header{"X-Middleware-Rewrite": {"/new/p?x=2"}}, ""),
			"http://example.com/new/p?x=2", "example.com", http.Header{"Accept": {"text/html"}, "Cookie": {"a=1"}}, false},
		{"absolute same-origin rewrite", response(200, http.Header{"X-Middleware-Rewrite": {"http://example.com/abs"}}, ""),
			"http://example.com/abs", "example.com", http.Header{"Accept": {"text/html"}, "Cookie": {"a=1"}}, false},
		{"external rewrite", response(200, http.Header{"X-Middleware-Rewrite": {"https://api.other.dev/v1?k=1"}}, ""),
			"https://api.other.dev/v1?k=1", "api.other.dev", http.Header{"Accept": {"text/html"}, "Cookie": {"a=1"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReq()
			d := Interpret(tt.resp)
			out := ApplyNext(r, d)
			u := *out.URL
			if u.Host == "" {
				u.Scheme, u.Host = "http", out.Host
			}
			if u.String() != tt.url || out.Host != tt.host {
				t.Errorf("URL %s host %s, want %s %s", u.String(), out.Host, tt.url, tt.host)
			}
			if !reflect.DeepEqual(out.Header, tt.header) {
				t.Errorf("headers %v, want %v", out.Header, tt.header)
			}
			if IsExternal(r, d) != tt.external {
				t.Errorf("IsExternal = %v", !tt.external)
			}
			if r.URL.Path != "/old/path" || r.Header.Get("Cookie") != "a=1" {
				t.Error("original request modified")
			}
		})
	}
	// Redirects and responses are not continued.
	r := newReq()
	if got := ApplyNext(r, Interpret(response(302, http.Header{"Location": {"/x"}}, ""))); got != r {
		t.Error("redirect should return r unchanged")
	}
}
