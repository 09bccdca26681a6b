package lambdaedge

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestFixturesRoundTrip(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var ev Event
			if err := json.Unmarshal(raw, &ev); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if len(ev.Records) != 1 || !ev.Records[0].CF.Config.EventType.Valid() {
				t.Fatalf("unexpected event: %+v", ev)
			}
			out, err := json.Marshal(&ev)
			if err != nil {
				t.Fatal(err)
			}
			var want, got any
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(want, got) {
				t.Errorf("round trip differs:\nwant %v\ngot  %v", want, got)
			}
		})
	}
}

func TestNewRequest(t *testing.T) {
	r := httptest.NewRequest("GET", "http://d111.cloudfront.net/a%20b/c.jpg?size=large&x=1", nil)
	r.RemoteAddr = "203.0.113.178:5555"
	r.Header.Add("Accept", "text/html")
	r.Header.Add("Accept", "image/webp")
	r.Header.Set("X-Real-IP", "1.2.3.4") // disallowed: never exposed
	req, err := NewRequest(r, RequestOptions{
		EventType:    ViewerRequest,
		ExtraHeaders: http.Header{"Cloudfront-Viewer-Country": {"BR"}},
		Origin:       &Origin{S3: &S3Origin{DomainName: "b.s3.amazonaws.com"}}, // ignored: viewer trigger
	})
	if err != nil {
		t.Fatal(err)
	}
	if req.ClientIP != "203.0.113.178" || req.Method != "GET" || req.URI != "/a%20b/c.jpg" || req.QueryString != "size=large&x=1" {
		t.Errorf("request fields: %+v", req)
	}
	if got := req.Headers["accept"]; len(got) != 2 || got[0].Key != "Accept" || got[1].Value != "image/webp" {
		t.Errorf("accept = %+v", got)
	}
	if req.Headers.Get("host") != "d111.cloudfront.net" {
		t.Errorf("host = %q", req.Headers.Get("host"))
	}
	if req.Headers.Get("cloudfront-viewer-country") != "BR" {
		t.Errorf("extra header missing: %v", req.Headers)
	}
	if _, ok := req.Headers["x-real-ip"]; ok {
		t.Error("disallowed header exposed")
	}
	if req.Origin != nil || req.Body != nil {
		t.Errorf("origin/body should be absent: %+v", req)
	}
}

func TestNewRequestBody(t *testing.T) {
	tests := []struct {
		name      string
		event     EventType
		size      int
		truncated bool
		exposed   int
	}{
		{"small viewer", ViewerRequest, 100, false, 100},
		{"viewer at limit", ViewerRequest, 40 * kb, false, 40 * kb},
		{"viewer over limit", ViewerRequest, 40*kb + 1, true, 40 * kb},
		{"origin under 1MB", OriginRequest, 100 * kb, false, 100 * kb},
		{"origin over 1MB", OriginRequest, mb + 10, true, mb},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload := strings.Repeat("x", tt.size)
			r := httptest.NewRequest("POST", "/form", strings.NewReader(payload))
			req, err := NewRequest(r, RequestOptions{EventType: tt.event, IncludeBody: true})
			if err != nil {
				t.Fatal(err)
			}
			b := req.Body
			if b == nil || b.Action != ActionReadOnly || b.Encoding != EncodingBase64 || b.InputTruncated != tt.truncated {
				t.Fatalf("body = %+v", b)
			}
			data, err := base64.StdEncoding.DecodeString(b.Data)
			if err != nil || len(data) != tt.exposed {
				t.Fatalf("exposed %d bytes (err %v), want %d", len(data), err, tt.exposed)
			}
			// The original body stays complete for forwarding.
			rest, _ := io.ReadAll(r.Body)
			if string(rest) != payload {
				t.Errorf("r.Body lost data: %d of %d bytes", len(rest), len(payload))
			}
		})
	}
}

func TestParseResult(t *testing.T) {
	res, err := ParseResult(json.RawMessage(`{"status":"302","headers":{"location":[{"key":"Location","value":"/x"}]}}`))
	if err != nil || res.Response == nil || res.Request != nil || res.Response.Status != "302" {
		t.Fatalf("response: %+v %v", res, err)
	}
	res, err = ParseResult(json.RawMessage(`{"uri":"/x","querystring":"","headers":{},"method":"GET","clientIp":"1.1.1.1"}`))
	if err != nil || res.Request == nil || res.Request.URI != "/x" {
		t.Fatalf("request: %+v %v", res, err)
	}
	for _, bad := range []string{``, `null`, `"x"`, `[1]`, `{"status":200}`} {
		_, err := ParseResult(json.RawMessage(bad))
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeInvalidResponse || e.Status() != 502 {
			t.Errorf("ParseResult(%q) = %v, want invalid-response error", bad, err)
		}
	}
}

func sentRequest(t *testing.T, ev EventType, r *http.Request, opts RequestOptions) *Request {
	t.Helper()
	opts.EventType = ev
	req, err := NewRequest(r, opts)
	if err != nil {
		t.Fatal(err)
	}
	// Round-trip through JSON as the JS handler would.
	raw, _ := json.Marshal(req)
	res, err := ParseResult(raw)
	if err != nil {
		t.Fatal(err)
	}
	return res.Request
}

func TestApplyRequestRules(t *testing.T) {
	newReq := func() *http.Request {
		r := httptest.NewRequest("GET", "http://example.com/path?q=1", nil)
		r.Header.Set("Accept-Encoding", "gzip")
		r.Header.Set("Via", "1.1 proxy")
		return r
	}
	defaultOrigin := &Origin{Custom: &CustomOrigin{DomainName: "origin.example", Port: 443, Protocol: "https", ReadTimeout: 30, KeepaliveTimeout: 5, CustomHeaders: Headers{}}}
	tests := []struct {
		name   string
		event  EventType
		mutate func(*Request)
		rule   Rule // "" means success
	}{
		{"unchanged viewer", ViewerRequest, func(*Request) {}, ""},
		{"unchanged origin", OriginRequest, func(*Request) {}, ""},
		{"add header", ViewerRequest, func(q *Request) { q.Headers.Set("X-Added", "1") }, ""},
		{"disallowed connection", ViewerRequest, func(q *Request) { q.Headers.Set("Connection", "close") }, RuleDisallowedHeader},
		{"disallowed x-amz-cf prefix", OriginRequest, func(q *Request) { q.Headers.Set("X-Amz-Cf-Pop", "GRU") }, RuleDisallowedHeader},
		{"disallowed x-edge prefix", ViewerRequest, func(q *Request) { q.Headers.Set("X-Edge-Location", "x") }, RuleDisallowedHeader},
		{"disallowed x-forwarded-proto", OriginRequest, func(q *Request) { q.Headers.Set("X-Forwarded-Proto", "https") }, RuleDisallowedHeader},
		{"host read-only viewer", ViewerRequest, func(q *Request) { q.Headers.Set("Host", "other.example") }, RuleReadOnlyHeader},
		{"host writable origin", OriginRequest, func(q *Request) { q.Headers.Set("Host", "other.example") }, ""},
		{"via removed", ViewerRequest, func(q *Request) { delete(q.Headers, "via") }, RuleReadOnlyHeader},
		{"accept-encoding read-only origin", OriginRequest, func(q *Request) { q.Headers.Set("Accept-Encoding", "br") }, RuleReadOnlyHeader},
		{"accept-encoding writable viewer", ViewerRequest, func(q *Request) { q.Headers.Set("Accept-Encoding", "br") }, ""},
		{"content-length added", ViewerRequest, func(q *Request) { q.Headers.Set("Content-Length", "3") }, RuleReadOnlyHeader},
		{"transfer-encoding added", OriginRequest, func(q *Request) { q.Headers.Set("Transfer-Encoding", "chunked") }, RuleReadOnlyHeader},
		{"key mismatch", ViewerRequest, func(q *Request) { q.Headers["x-a"] = []Header{{Key: "X-B", Value: "1"}} }, RuleHeaderName},
		{"uppercase map key", ViewerRequest, func(q *Request) { q.Headers["X-A"] = []Header{{Key: "X-A", Value: "1"}} }, RuleHeaderName},
		{"bad value", ViewerRequest, func(q *Request) { q.Headers.Set("X-A", "a\r\nb") }, RuleHeaderValue},
		{"uri without slash", ViewerRequest, func(q *Request) { q.URI = "index.html" }, RuleURI},
		{"uri with space", ViewerRequest, func(q *Request) { q.URI = "/a b" }, RuleURI},
		{"querystring with #", ViewerRequest, func(q *Request) { q.QueryString = "a=1#x" }, RuleQueryString},
		{"uri too long", ViewerRequest, func(q *Request) { q.URI = "/" + strings.Repeat("a", 8191) }, RuleURITooLong},
		{"origin in viewer-request", ViewerRequest, func(q *Request) { q.Origin = defaultOrigin }, RuleOriginNotAllowed},
		{"origin both", OriginRequest, func(q *Request) { q.Origin = &Origin{Custom: defaultOrigin.Custom, S3: &S3Origin{}} }, RuleOrigin},
		{"origin bad port", OriginRequest, func(q *Request) { q.Origin.Custom.Port = 81 }, RuleOrigin},
		{"origin bad path", OriginRequest, func(q *Request) { q.Origin.Custom.Path = "/p/" }, RuleOrigin},
		{"origin disallowed custom header", OriginRequest, func(q *Request) { q.Origin.Custom.CustomHeaders = Headers{"x-cache": {{Key: "X-Cache", Value: "1"}}} }, RuleDisallowedHeader},
		{"origin duplicate custom header", OriginRequest, func(q *Request) {
			q.Origin.Custom.CustomHeaders = Headers{"accept-encoding": {{Key: "Accept-Encoding", Value: "gzip"}}}
		}, RuleDisallowedHeader},
		{"s3 oai needs region", OriginRequest, func(q *Request) {
			q.Origin = &Origin{S3: &S3Origin{DomainName: "b.s3.amazonaws.com", AuthMethod: "origin-access-identity"}}
		}, RuleOrigin},
		{"bad body action", OriginRequest, func(q *Request) { q.Body = &Body{Action: "drop"} }, RuleBody},
		{"bad body base64", OriginRequest, func(q *Request) { q.Body = &Body{Action: ActionReplace, Encoding: EncodingBase64, Data: "!!"} }, RuleBody},
		{"body too large viewer", ViewerRequest, func(q *Request) {
			q.Body = &Body{Action: ActionReplace, Encoding: EncodingText, Data: strings.Repeat("a", 40*kb+1)}
		}, RuleBodyTooLarge},
		{"body fits origin", OriginRequest, func(q *Request) {
			q.Body = &Body{Action: ActionReplace, Encoding: EncodingText, Data: strings.Repeat("a", 40*kb+1)}
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := newReq()
			opts := RequestOptions{}
			if tt.event == OriginRequest {
				o := *defaultOrigin
				c := *o.Custom
				o.Custom = &c
				opts.Origin = &o
			}
			got := sentRequest(t, tt.event, orig, opts)
			tt.mutate(got)
			out, err := ApplyRequest(tt.event, orig, got)
			if tt.rule == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if out == nil {
					t.Fatal("nil request")
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want rule %s", err, tt.rule)
			}
			if e.Rule != tt.rule || e.Code != CodeValidation || e.Status() != http.StatusBadGateway {
				t.Fatalf("err = %v (rule %s), want rule %s", err, e.Rule, tt.rule)
			}
			if !strings.Contains(e.Error(), string(tt.event)) {
				t.Errorf("error %q does not name the trigger", e.Error())
			}
		})
	}
}

func TestApplyRequestResult(t *testing.T) {
	orig := httptest.NewRequest("POST", "http://example.com/old?a=1", strings.NewReader("original"))
	orig.Header.Set("Cookie", "a=1")
	got := sentRequest(t, OriginRequest, orig, RequestOptions{IncludeBody: true, Origin: &Origin{S3: &S3Origin{DomainName: "b.s3.amazonaws.com", AuthMethod: "none", CustomHeaders: Headers{}}}})
	got.URI = "/new/p%C3%A9"
	got.QueryString = "b=2"
	got.Headers.Set("X-Added", "yes")
	delete(got.Headers, "cookie")
	got.Headers.Set("Host", "origin.example")
	got.Body = &Body{Action: ActionReplace, Encoding: EncodingText, Data: "replaced"}
	got.Origin = &Origin{Custom: &CustomOrigin{
		DomainName: "origin.example", Port: 8443, Protocol: "https", Path: "/base",
		ReadTimeout: 30, KeepaliveTimeout: 5,
		CustomHeaders: Headers{"x-origin-key": {{Key: "X-Origin-Key", Value: "k"}}},
	}}
	out, err := ApplyRequest(OriginRequest, orig, got)
	if err != nil {
		t.Fatal(err)
	}
	if s := out.URL.String(); s != "https://origin.example:8443/base/new/p%C3%A9?b=2" {
		t.Errorf("URL = %s", s)
	}
	if out.Host != "origin.example" || out.Header.Get("X-Added") != "yes" || out.Header.Get("Cookie") != "" || out.Header.Get("X-Origin-Key") != "k" {
		t.Errorf("host %q headers %v", out.Host, out.Header)
	}
	body, _ := io.ReadAll(out.Body)
	if string(body) != "replaced" || out.ContentLength != 8 {
		t.Errorf("body %q len %d", body, out.ContentLength)
	}
	if orig.URL.Path != "/old" {
		t.Error("orig was modified")
	}
}

func TestWriteResponse(t *testing.T) {
	str := func(s string) *string { return &s }
	tests := []struct {
		name   string
		event  EventType
		resp   *Response
		limits Limits
		rule   Rule
		status int
		body   string
	}{
		{"text", ViewerRequest, &Response{Status: "200", Headers: Headers{"content-type": {{Key: "Content-Type", Value: "text/plain"}}}, Body: str("hi")}, DefaultLimits(ViewerRequest), "", 200, "hi"},
		{"base64", OriginRequest, &Response{Status: "201", Body: str("aGk="), BodyEncoding: "base64"}, DefaultLimits(OriginRequest), "", 201, "hi"},
		{"redirect", ViewerRequest, &Response{Status: "302", Headers: Headers{"location": {{Key: "Location", Value: "https://x/"}}}}, DefaultLimits(ViewerRequest), "", 302, ""},
		{"status too low", ViewerRequest, &Response{Status: "199"}, DefaultLimits(ViewerRequest), RuleStatus, 0, ""},
		{"status not number", ViewerRequest, &Response{Status: "OK"}, DefaultLimits(ViewerRequest), RuleStatus, 0, ""},
		{"204 with body", ViewerRequest, &Response{Status: "204", Body: str("x")}, DefaultLimits(ViewerRequest), RuleBody, 0, ""},
		{"bad encoding", ViewerRequest, &Response{Status: "200", Body: str("x"), BodyEncoding: "gzip"}, DefaultLimits(ViewerRequest), RuleBody, 0, ""},
		{"bad base64", ViewerRequest, &Response{Status: "200", Body: str("%%"), BodyEncoding: "base64"}, DefaultLimits(ViewerRequest), RuleBody, 0, ""},
		{"disallowed header", ViewerRequest, &Response{Status: "200", Headers: Headers{"x-cache": {{Key: "X-Cache", Value: "HIT"}}}}, DefaultLimits(ViewerRequest), RuleDisallowedHeader, 0, ""},
		{"over viewer limit", ViewerRequest, &Response{Status: "200", Body: str(strings.Repeat("a", 40*kb+1))}, DefaultLimits(ViewerRequest), RuleResponseTooLarge, 0, ""},
		{"same size fits origin", OriginRequest, &Response{Status: "200", Body: str(strings.Repeat("a", 40*kb))}, DefaultLimits(OriginRequest), "", 200, strings.Repeat("a", 40*kb)},
		{"over origin limit", OriginRequest, &Response{Status: "200", Body: str(strings.Repeat("a", mb+1))}, DefaultLimits(OriginRequest), RuleResponseTooLarge, 0, ""},
		{"configured limit", OriginRequest, &Response{Status: "200", Body: str("0123456789")}, Limits{MaxGeneratedResponse: 5}, RuleResponseTooLarge, 0, ""},
		{"response trigger", OriginResponse, &Response{Status: "200"}, DefaultLimits(OriginResponse), RuleResponseNotAllowed, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			err := WriteResponse(tt.event, w, tt.resp, tt.limits)
			if tt.rule != "" {
				var e *Error
				if !errors.As(err, &e) || e.Rule != tt.rule {
					t.Fatalf("err = %v, want rule %s", err, tt.rule)
				}
				if w.Body.Len() != 0 || len(w.Header()) != 0 {
					t.Error("something was written despite the error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if w.Code != tt.status || w.Body.String() != tt.body {
				t.Errorf("got %d %q", w.Code, w.Body.String())
			}
		})
	}
}

func originResponse(status int) *http.Response {
	return &http.Response{
		Status:        http.StatusText(status),
		StatusCode:    status,
		Header:        http.Header{"Content-Type": {"text/html"}, "Content-Length": {"5"}, "Via": {"1.1 origin"}, "Content-Encoding": {"gzip"}},
		Body:          io.NopCloser(strings.NewReader("hello")),
		ContentLength: 5,
	}
}

func TestApplyResponse(t *testing.T) {
	tests := []struct {
		name   string
		event  EventType
		mutate func(*Response)
		rule   Rule
		status int
		body   string
	}{
		{"unchanged viewer", ViewerResponse, func(*Response) {}, "", 200, "hello"},
		{"add header viewer", ViewerResponse, func(r *Response) { r.Headers.Set("Strict-Transport-Security", "max-age=1") }, "", 200, "hello"},
		{"viewer status change", ViewerResponse, func(r *Response) { r.Status = "404" }, RuleStatusChange, 0, ""},
		{"origin status change", OriginResponse, func(r *Response) { r.Status = "404"; r.StatusDescription = "Not Found" }, "", 404, "hello"},
		{"origin body replace", OriginResponse, func(r *Response) { s := "custom"; r.Body = &s }, "", 200, "custom"},
		{"origin body remove", OriginResponse, func(r *Response) { s := ""; r.Body = &s }, "", 200, ""},
		{"viewer content-encoding read-only", ViewerResponse, func(r *Response) { delete(r.Headers, "content-encoding") }, RuleReadOnlyHeader, 0, ""},
		{"origin content-encoding writable", OriginResponse, func(r *Response) { delete(r.Headers, "content-encoding") }, "", 200, "hello"},
		{"via read-only", OriginResponse, func(r *Response) { r.Headers.Set("Via", "x") }, RuleReadOnlyHeader, 0, ""},
		{"warning read-only viewer", ViewerResponse, func(r *Response) { r.Headers.Set("Warning", "199 x") }, RuleReadOnlyHeader, 0, ""},
		{"disallowed header", OriginResponse, func(r *Response) { r.Headers.Set("Upgrade", "h2c") }, RuleDisallowedHeader, 0, ""},
		{"status out of range", OriginResponse, func(r *Response) { r.Status = "600" }, RuleStatus, 0, ""},
		{"body too large viewer", ViewerResponse, func(r *Response) { s := strings.Repeat("a", 41*kb); r.Body = &s }, RuleResponseTooLarge, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := originResponse(200)
			raw, _ := json.Marshal(NewResponse(orig))
			res, err := ParseResult(raw)
			if err != nil || res.Response == nil {
				t.Fatalf("parse: %v", err)
			}
			tt.mutate(res.Response)
			err = ApplyResponse(tt.event, orig, res.Response)
			if tt.rule != "" {
				var e *Error
				if !errors.As(err, &e) || e.Rule != tt.rule {
					t.Fatalf("err = %v, want rule %s", err, tt.rule)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(orig.Body)
			if orig.StatusCode != tt.status || string(body) != tt.body {
				t.Errorf("got %d %q", orig.StatusCode, body)
			}
			if cl := orig.Header.Get("Content-Length"); cl != "" && cl != itoa(len(body)) {
				t.Errorf("Content-Length %s for %d bytes", cl, len(body))
			}
		})
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestDefaultLimits(t *testing.T) {
	v, o := DefaultLimits(ViewerRequest), DefaultLimits(OriginResponse)
	if v.Timeout.Seconds() != 5 || v.MemoryMB != 128 || v.MaxGeneratedResponse != 40960 {
		t.Errorf("viewer limits %+v", v)
	}
	if o.Timeout.Seconds() != 30 || o.MaxGeneratedResponse != 1<<20 || o.MaxExposedBody != 1<<20 {
		t.Errorf("origin limits %+v", o)
	}
}

func FuzzParseResult(f *testing.F) {
	for _, s := range []string{`{"status":"200","body":"x"}`, `{"uri":"/","headers":{"a":[{"key":"A","value":"1"}]}}`, `null`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		res, err := ParseResult(json.RawMessage(raw))
		if err != nil {
			return
		}
		orig := httptest.NewRequest("GET", "/", nil)
		if res.Request != nil {
			_, _ = ApplyRequest(OriginRequest, orig, res.Request) // must not panic
		}
		if res.Response != nil {
			_ = WriteResponse(ViewerRequest, httptest.NewRecorder(), res.Response, DefaultLimits(ViewerRequest))
		}
	})
}
