package jwtauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/verge-edge/verge/edgeinfo"
)

// t0 is the fake clock's start; tokens are minted relative to it.
var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock { return &fakeClock{now: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// signer mints tokens with one key.
type signer struct {
	alg  jwa.SignatureAlgorithm
	kid  string
	priv any     // what jws.Sign takes: a private key or HMAC bytes
	pub  jwk.Key // public JWK with kid and alg; nil for HMAC
}

func newSigner(t testing.TB, alg, kid string) *signer {
	t.Helper()
	ja, ok := jwa.LookupSignatureAlgorithm(alg)
	if !ok {
		t.Fatalf("unknown alg %s", alg)
	}
	s := &signer{alg: ja, kid: kid}
	var err error
	switch alg[:2] {
	case "RS", "PS":
		s.priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case "ES":
		curve := map[string]elliptic.Curve{"ES256": elliptic.P256(), "ES384": elliptic.P384(), "ES512": elliptic.P521()}[alg]
		s.priv, err = ecdsa.GenerateKey(curve, rand.Reader)
	case "Ed":
		_, s.priv, err = ed25519.GenerateKey(rand.Reader)
	case "HS":
		b := make([]byte, 64)
		rand.Read(b)
		s.priv = b
		return s
	}
	if err != nil {
		t.Fatal(err)
	}
	s.pub, err = jwk.PublicKeyOf(s.priv)
	if err != nil {
		t.Fatal(err)
	}
	if kid != "" {
		s.pub.Set(jwk.KeyIDKey, kid)
	}
	s.pub.Set(jwk.AlgorithmKey, ja)
	s.pub.Set(jwk.KeyUsageKey, "sig")
	return s
}

// sign mints a token with claims.
func (s *signer) sign(t testing.TB, claims map[string]any) string {
	t.Helper()
	return s.signHeader(t, claims, nil)
}

// signHeader mints a token with claims and extra protected header fields.
func (s *signer) signHeader(t testing.TB, claims map[string]any, extra map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	h := jws.NewHeaders()
	h.Set("typ", "JWT")
	if s.kid != "" {
		h.Set("kid", s.kid)
	}
	for k, v := range extra {
		if err := h.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	tok, err := jws.Sign(payload, jws.WithKey(s.alg, s.priv, jws.WithProtectedHeaders(h)))
	if err != nil {
		t.Fatal(err)
	}
	return string(tok)
}

// pem returns the public key as PEM.
func (s *signer) pem(t testing.TB) string {
	t.Helper()
	var raw any
	if err := jwk.Export(s.pub, &raw); err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// claims returns valid claims at t0 for the test issuer and audience.
func claims(extra ...any) map[string]any {
	c := map[string]any{
		"sub": "user-1",
		"iss": "https://issuer.test/",
		"aud": "api",
		"iat": t0.Unix(),
		"exp": t0.Add(time.Hour).Unix(),
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == nil {
			delete(c, extra[i].(string))
		} else {
			c[extra[i].(string)] = extra[i+1]
		}
	}
	return c
}

// rawToken assembles a token from literal header and payload JSON.
func rawToken(header, payload, sig string) string {
	e := base64.RawURLEncoding.EncodeToString
	return e([]byte(header)) + "." + e([]byte(payload)) + "." + sig
}

// jwksServer serves a JWK Set that tests can change or break.
type jwksServer struct {
	*httptest.Server
	hits atomic.Int32

	mu     sync.Mutex
	body   []byte
	status int
}

func newJWKSServer(t testing.TB, signers ...*signer) *jwksServer {
	t.Helper()
	s := &jwksServer{status: http.StatusOK}
	s.setKeys(t, signers...)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		status, body := s.status, s.body
		s.mu.Unlock()
		if status != http.StatusOK {
			http.Error(w, "broken", status)
			return
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) setKeys(t testing.TB, signers ...*signer) {
	t.Helper()
	set := jwk.NewSet()
	for _, sg := range signers {
		if err := set.AddKey(sg.pub); err != nil {
			t.Fatal(err)
		}
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	s.setBody(b)
}

func (s *jwksServer) setBody(b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body = b
}

func (s *jwksServer) setStatus(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = code
}

// edge is the policy in front of an upstream that echoes what it got.
type edge struct {
	*httptest.Server
	auth *Auth
}

// seen is what the upstream got, as it sends it back.
type seen struct {
	Claims map[string]any `json:"claims"`
	Header http.Header    `json:"header"`
}

func newEdge(t testing.TB, cfg Config, clock *fakeClock) *edge {
	t.Helper()
	auth := newAuth(t, cfg, clock)
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(seen{Claims: edgeinfo.From(r.Context()).Claims, Header: r.Header})
	})
	h := auth.Wrap(upstream)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(edgeinfo.With(r.Context(), &edgeinfo.Info{})))
	}))
	t.Cleanup(srv.Close)
	return &edge{Server: srv, auth: auth}
}

func newAuth(t testing.TB, cfg Config, clock *fakeClock) *Auth {
	t.Helper()
	if clock == nil {
		clock = newClock()
	}
	log := slog.New(slog.DiscardHandler)
	if tt, ok := t.(*testing.T); ok {
		log = slog.New(slog.NewTextHandler(tt.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	auth, err := New(context.Background(), cfg, Options{Logger: log, Now: clock.Now})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { auth.Close() })
	return auth
}

// result is the edge's answer.
type result struct {
	status    int
	challenge string
	body      string
	seen      seen
}

func (e *edge) do(t testing.TB, edit func(*http.Request)) result {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.URL+"/x", nil)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(req)
	}
	resp, err := e.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := result{status: resp.StatusCode, challenge: resp.Header.Get("WWW-Authenticate"), body: string(body)}
	if r.status == http.StatusOK {
		if err := json.Unmarshal(body, &r.seen); err != nil {
			t.Fatalf("upstream answer %q: %v", body, err)
		}
	}
	return r
}

func (e *edge) bearer(t testing.TB, token string) result {
	t.Helper()
	return e.do(t, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) })
}

// wantOK fails t unless r reached the upstream.
func wantOK(t testing.TB, r result) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d (%s), want 200; challenge %q", r.status, strings.TrimSpace(r.body), r.challenge)
	}
}

// wantRefused fails t unless r is a 401 invalid_token with desc.
func wantRefused(t testing.TB, r result, desc string) {
	t.Helper()
	if r.status != http.StatusUnauthorized {
		t.Fatalf("status %d (%s), want 401 %q", r.status, strings.TrimSpace(r.body), desc)
	}
	want := `Bearer realm="test", error="invalid_token", error_description="` + desc + `"`
	if r.challenge != want {
		t.Fatalf("challenge %q, want %q", r.challenge, want)
	}
	if strings.TrimSpace(r.body) != desc {
		t.Fatalf("body %q, want %q", r.body, desc)
	}
}

func dur(s string) *Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		panic(err)
	}
	v := Duration(d)
	return &v
}
