package transform

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/verge-edge/verge/edgeinfo"
)

// benchConfig is a typical route: a few redirects and rewrites that do not
// match the request, one that does, header operations with placeholders,
// and CORS.
func benchConfig() Config {
	return Config{
		RequestHeaders: HeaderOps{
			Set:    map[string]string{"X-Client-Ip": "{client_ip}", "X-User": "{claim.sub}", "X-Country": "{country}"},
			Remove: []string{"X-Internal"},
		},
		ResponseHeaders: HeaderOps{
			Set:    map[string]string{"Strict-Transport-Security": "max-age=63072000", "X-Edge": "{colo}"},
			Remove: []string{"Server", "X-Powered-By"},
		},
		Redirects: []Redirect{
			{From: `^/old/(.*)$`, To: "/new/$1"},
			{From: `^/blog/(\d+)$`, To: "https://blog.example.com/p/$1", Status: 302},
		},
		Rewrites: []Rewrite{
			{From: `^/static/(.*)$`, To: "/assets/$1"},
			{From: `^/api/v1/(?P<rest>.*)$`, To: "/v1/${rest}"},
		},
		CORS: &CORS{
			AllowOrigins:     []string{"https://app.example.com", "https://*.example.com"},
			AllowMethods:     []string{"GET", "POST"},
			AllowHeaders:     []string{"Content-Type", "Authorization"},
			AllowCredentials: true,
		},
	}
}

// sink is a minimal ResponseWriter, so the benchmark measures the policy
// rather than httptest.ResponseRecorder.
type sink struct{ h http.Header }

func (s *sink) Header() http.Header         { return s.h }
func (s *sink) Write(b []byte) (int, error) { return len(b), nil }
func (s *sink) WriteHeader(int)             {}

func BenchmarkTransform(b *testing.B) {
	tr, err := New(benchConfig())
	if err != nil {
		b.Fatal(err)
	}
	h := tr.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "origin")
		w.WriteHeader(http.StatusOK)
	}))
	req := httptest.NewRequest(http.MethodGet, "/api/v1/items/42?page=2", nil)
	req.Header.Set("Origin", "https://app.example.com")
	req.Header.Set("X-Internal", "1")
	req = req.WithContext(edgeinfo.With(req.Context(), testInfo()))
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(&sink{h: http.Header{}}, req)
	}
}

func BenchmarkTransformEmpty(b *testing.B) {
	tr, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	h := tr.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	req := httptest.NewRequest(http.MethodGet, "/api/v1/items/42", nil)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(&sink{h: http.Header{}}, req)
	}
}
