package jwtauth

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwt"
	"github.com/verge-edge/verge/edgeinfo"
)

// BenchmarkVerifyRS256 is one request with a valid RS256 token whose key
// is cached, through Wrap, with a claim forwarded to a header.
func BenchmarkVerifyRS256(b *testing.B) {
	sg := newSigner(b, "RS256", "k1")
	srv := newJWKSServer(b, sg)
	cfg := jwksConfig(srv.URL)
	cfg.ForwardClaims = map[string]string{"sub": "X-User-Id"}
	h := newAuth(b, cfg, nil).Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Authorization", "Bearer "+sg.sign(b, claims()))
	req = req.WithContext(edgeinfo.With(req.Context(), &edgeinfo.Info{}))
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

// BenchmarkVerifyES256 is BenchmarkVerifyRS256 with an ES256 key.
func BenchmarkVerifyES256(b *testing.B) {
	sg := newSigner(b, "ES256", "k1")
	cfg := baseConfig()
	cfg.Keys = []string{sg.pem(b)}
	h := newAuth(b, cfg, nil).Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Authorization", "Bearer "+sg.sign(b, claims()))
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

// BenchmarkRefuseGarbage is the cost of refusing a malformed token.
func BenchmarkRefuseGarbage(b *testing.B) {
	sg := newSigner(b, "ES256", "k1")
	cfg := baseConfig()
	cfg.Keys = []string{sg.pem(b)}
	h := newAuth(b, cfg, nil).Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Authorization", "Bearer eyJhbGciOiJub25lIn0.e30.")
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
	}
}

// BenchmarkJWXParseRS256 is jwx's jwt.Parse on the same kind of token,
// for comparison with the hand-rolled path.
func BenchmarkJWXParseRS256(b *testing.B) {
	sg := newSigner(b, "RS256", "k1")
	tok := []byte(sg.sign(b, claims()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := jwt.Parse(tok, jwt.WithKey(jwa.RS256(), sg.pub), jwt.WithValidate(false)); err != nil {
			b.Fatal(err)
		}
	}
}
