package jwtauth

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// baseConfig accepts the test issuer and audience.
func baseConfig() Config {
	return Config{
		Issuer:   []string{"https://issuer.test/"},
		Audience: []string{"api"},
		Realm:    "test",
	}
}

func TestAlgorithmFamilies(t *testing.T) {
	for _, alg := range []string{"RS256", "RS512", "PS256", "PS384", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"} {
		t.Run(alg+"/jwks", func(t *testing.T) {
			sg := newSigner(t, alg, "k-"+alg)
			cfg := baseConfig()
			cfg.Algorithms = []string{alg}
			cfg.JWKSURL = newJWKSServer(t, sg).URL
			r := newEdge(t, cfg, nil).bearer(t, sg.sign(t, claims()))
			wantOK(t, r)
			if r.seen.Claims["sub"] != "user-1" {
				t.Errorf("claims %v", r.seen.Claims)
			}
		})
	}
	for _, alg := range []string{"RS256", "PS512", "ES256", "EdDSA"} {
		t.Run(alg+"/pem", func(t *testing.T) {
			sg := newSigner(t, alg, "any-kid")
			cfg := baseConfig()
			cfg.Algorithms = []string{alg}
			cfg.Keys = []string{sg.pem(t)}
			wantOK(t, newEdge(t, cfg, nil).bearer(t, sg.sign(t, claims())))
		})
	}
	t.Run("RS256/certificate", func(t *testing.T) {
		sg := newSigner(t, "RS256", "k1")
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: t0, NotAfter: t0.Add(time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, sg.priv.(*rsa.PrivateKey).Public(), sg.priv)
		if err != nil {
			t.Fatal(err)
		}
		cfg := baseConfig()
		cfg.Keys = []string{string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
		wantOK(t, newEdge(t, cfg, nil).bearer(t, sg.sign(t, claims())))
	})
	t.Run("ES256/jwk", func(t *testing.T) {
		sg := newSigner(t, "ES256", "k1")
		b, err := jwkJSON(sg.pub)
		if err != nil {
			t.Fatal(err)
		}
		cfg := baseConfig()
		cfg.Keys = []string{b}
		wantOK(t, newEdge(t, cfg, nil).bearer(t, sg.sign(t, claims())))
	})
	for _, alg := range []string{"HS256", "HS384", "HS512"} {
		t.Run(alg+"/secret", func(t *testing.T) {
			sg := newSigner(t, alg, "")
			sg.priv = []byte(strings.Repeat("s3cr3t-", 10))
			cfg := baseConfig()
			cfg.Algorithms = []string{alg}
			cfg.Secret = string(sg.priv.([]byte))
			e := newEdge(t, cfg, nil)
			wantOK(t, e.bearer(t, sg.sign(t, claims())))
			sg.priv = []byte(strings.Repeat("wrong-", 10))
			wantRefused(t, e.bearer(t, sg.sign(t, claims())), "invalid signature")
		})
	}
}

func jwkJSON(k jwk.Key) (string, error) {
	b, err := json.Marshal(k)
	return string(b), err
}

func TestWrongKeyRefused(t *testing.T) {
	good := newSigner(t, "ES256", "k1")
	evil := newSigner(t, "ES256", "k1") // same kid, different key
	cfg := baseConfig()
	cfg.Keys = []string{good.pem(t)}
	e := newEdge(t, cfg, nil)
	wantRefused(t, e.bearer(t, evil.sign(t, claims())), "invalid signature")
	// A token whose signature was taken from another token.
	a := strings.Split(good.sign(t, claims()), ".")
	b := strings.Split(good.sign(t, claims("sub", "admin")), ".")
	wantRefused(t, e.bearer(t, b[0]+"."+b[1]+"."+a[2]), "invalid signature")
}

func TestIssuerAudience(t *testing.T) {
	sg := newSigner(t, "RS256", "k1")
	cfg := baseConfig()
	cfg.Issuer = []string{"https://other.test/", "https://issuer.test/"}
	cfg.Audience = []string{"web", "api"}
	cfg.Keys = []string{sg.pem(t)}
	e := newEdge(t, cfg, nil)

	wantOK(t, e.bearer(t, sg.sign(t, claims())))
	wantOK(t, e.bearer(t, sg.sign(t, claims("aud", []string{"x", "api"}))))
	wantOK(t, e.bearer(t, sg.sign(t, claims("iss", "https://other.test/"))))
	wantRefused(t, e.bearer(t, sg.sign(t, claims("iss", "https://evil.test/"))), "issuer not accepted")
	wantRefused(t, e.bearer(t, sg.sign(t, claims("iss", nil))), "issuer not accepted")
	wantRefused(t, e.bearer(t, sg.sign(t, claims("iss", 7))), "issuer not accepted")
	wantRefused(t, e.bearer(t, sg.sign(t, claims("aud", "other"))), "audience not accepted")
	wantRefused(t, e.bearer(t, sg.sign(t, claims("aud", []string{"x", "y"}))), "audience not accepted")
	wantRefused(t, e.bearer(t, sg.sign(t, claims("aud", nil))), "audience not accepted")
	wantRefused(t, e.bearer(t, sg.sign(t, claims("aud", []any{1, true}))), "audience not accepted")
}

func TestTimeClaims(t *testing.T) {
	sg := newSigner(t, "EdDSA", "k1")
	in := func(d time.Duration) int64 { return t0.Add(d).Unix() }
	for _, tc := range []struct {
		name   string
		skew   *Duration
		claims map[string]any
		want   string // "" for accepted
	}{
		{"valid", nil, claims(), ""},
		{"expired beyond skew", nil, claims("exp", in(-61*time.Second)), "token expired"},
		{"expired within skew", nil, claims("exp", in(-59*time.Second)), ""},
		{"expired at the edge of skew", nil, claims("exp", in(-60*time.Second)), "token expired"},
		{"expired no skew", dur("0s"), claims("exp", in(-time.Second)), "token expired"},
		{"exp now no skew", dur("0s"), claims("exp", in(0)), "token expired"},
		{"exp fractional", dur("0s"), claims("exp", float64(in(0))+0.5), ""},
		{"nbf beyond skew", nil, claims("nbf", in(61*time.Second)), "token not yet valid"},
		{"nbf within skew", nil, claims("nbf", in(59*time.Second)), ""},
		{"nbf no skew", dur("0s"), claims("nbf", in(time.Second)), "token not yet valid"},
		{"nbf now no skew", dur("0s"), claims("nbf", in(0)), ""},
		{"nbf large skew", dur("5m"), claims("nbf", in(4*time.Minute)), ""},
		{"iat in the future", nil, claims("iat", in(time.Hour)), "token issued in the future"},
		{"no exp", nil, claims("exp", nil), ""},
		{"exp string", nil, claims("exp", "tomorrow"), "malformed claims"},
		{"exp negative", nil, claims("exp", -5), "malformed claims"},
		{"exp huge", nil, claims("exp", 1e300), "malformed claims"},
		{"nbf bool", nil, claims("nbf", true), "malformed claims"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := baseConfig()
			cfg.Keys = []string{sg.pem(t)}
			cfg.ClockSkew = tc.skew
			r := newEdge(t, cfg, newClock()).bearer(t, sg.sign(t, tc.claims))
			if tc.want == "" {
				wantOK(t, r)
			} else {
				wantRefused(t, r, tc.want)
			}
		})
	}
}

func TestClockMoves(t *testing.T) {
	sg := newSigner(t, "ES256", "k1")
	cfg := baseConfig()
	cfg.Keys = []string{sg.pem(t)}
	clock := newClock()
	e := newEdge(t, cfg, clock)
	tok := sg.sign(t, claims("exp", t0.Add(10*time.Minute).Unix()))
	wantOK(t, e.bearer(t, tok))
	clock.Advance(10*time.Minute + 59*time.Second)
	wantOK(t, e.bearer(t, tok))
	clock.Advance(time.Second)
	wantRefused(t, e.bearer(t, tok), "token expired")
}

func TestRequiredClaims(t *testing.T) {
	sg := newSigner(t, "ES256", "k1")
	cfg := baseConfig()
	cfg.Keys = []string{sg.pem(t)}
	cfg.RequiredClaims = []string{"sub", "exp", "tenant"}
	e := newEdge(t, cfg, nil)
	wantOK(t, e.bearer(t, sg.sign(t, claims("tenant", "acme"))))
	wantRefused(t, e.bearer(t, sg.sign(t, claims())), "required claim missing")
	wantRefused(t, e.bearer(t, sg.sign(t, claims("tenant", "acme", "exp", nil))), "required claim missing")
	wantRefused(t, e.bearer(t, sg.sign(t, claims("tenant", "acme", "sub", nil))), "required claim missing")
}

func TestAlgNone(t *testing.T) {
	sg := newSigner(t, "RS256", "k1")
	cfg := baseConfig()
	cfg.Keys = []string{sg.pem(t)}
	e := newEdge(t, cfg, nil)
	payload := `{"sub":"admin","iss":"https://issuer.test/","aud":"api"}`
	for _, alg := range []string{"none", "None", "NONE", "nOnE"} {
		wantRefused(t, e.bearer(t, rawToken(`{"alg":"`+alg+`","typ":"JWT"}`, payload, "")), "algorithm not allowed")
	}
	// Also with a signature borrowed from a real token.
	sig := strings.Split(sg.sign(t, claims()), ".")[2]
	wantRefused(t, e.bearer(t, rawToken(`{"alg":"none"}`, payload, sig)), "algorithm not allowed")
}

func TestAlgNotAllowed(t *testing.T) {
	rs := newSigner(t, "RS256", "k1")
	es := newSigner(t, "ES256", "k2")
	cfg := baseConfig()
	cfg.Algorithms = []string{"RS256"}
	cfg.JWKSURL = newJWKSServer(t, rs, es).URL
	e := newEdge(t, cfg, nil)
	wantOK(t, e.bearer(t, rs.sign(t, claims())))
	// ES256 is signed with a key in the set, but not allowed.
	wantRefused(t, e.bearer(t, es.sign(t, claims())), "algorithm not allowed")
	// A JWK with "alg" pins the key to it: an RS512 token with key k1
	// (which says RS256) fails even when RS512 is allowed.
	cfg.Algorithms = []string{"RS256", "RS512"}
	e = newEdge(t, cfg, nil)
	rs512 := *rs
	rs512.alg = jwa.RS512()
	wantRefused(t, e.bearer(t, rs512.sign(t, claims())), "unknown signing key")
}

// TestAlgorithmConfusion signs HS256 tokens with the RSA public key's
// bytes as the HMAC secret: a verifier that lets the token's header pick
// the algorithm for the configured public key would accept them.
func TestAlgorithmConfusion(t *testing.T) {
	rs := newSigner(t, "RS256", "k1")
	var raw any
	if err := jwk.Export(rs.pub, &raw); err != nil {
		t.Fatal(err)
	}
	pub := raw.(*rsa.PublicKey)
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	jwkBytes, err := json.Marshal(rs.pub)
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string][]byte{
		"pem":     []byte(rs.pem(t)),
		"der":     der,
		"pkcs1":   x509.MarshalPKCS1PublicKey(pub),
		"modulus": pub.N.Bytes(),
		"jwk":     jwkBytes,
	}
	configs := map[string]Config{}
	// The default allow-list has no HS*.
	c := baseConfig()
	c.Keys = []string{rs.pem(t)}
	configs["default algorithms"] = c
	// Worst case: HS256 and RS256 both allowed, with an RSA key and an
	// unrelated secret configured.
	c = baseConfig()
	c.Keys = []string{rs.pem(t)}
	c.Secret = strings.Repeat("unrelated-secret-", 3)
	c.Algorithms = []string{"RS256", "HS256"}
	configs["HS256 allowed"] = c
	// And with the RSA key from a JWKS, without an "alg" to pin it.
	bare := *rs
	var err2 error
	if bare.pub, err2 = rs.pub.Clone(); err2 != nil {
		t.Fatal(err2)
	}
	bare.pub.Remove(jwk.AlgorithmKey)
	c = baseConfig()
	c.JWKSURL = newJWKSServer(t, &bare).URL
	c.Secret = strings.Repeat("unrelated-secret-", 3)
	c.Algorithms = []string{"RS256", "HS256"}
	configs["HS256 allowed, jwks"] = c

	for cname, cfg := range configs {
		e := newEdge(t, cfg, nil)
		wantOK(t, e.bearer(t, rs.sign(t, claims())))
		if hs := e.auth.s.algs["HS256"]; hs != nil {
			keys := e.auth.v.static.candidates(nil, "k1", hs)
			if r := e.auth.v.remote; r != nil {
				keys = r.current().candidates(keys, "k1", hs)
			}
			for _, k := range keys {
				if _, ok := k.raw.([]byte); !ok {
					t.Errorf("%s: HS256 would be checked with a %T", cname, k.raw)
				}
			}
		}
		for sname, secret := range secrets {
			tok, err := jws.Sign([]byte(`{"sub":"admin","iss":"https://issuer.test/","aud":"api"}`),
				jws.WithKey(jwa.HS256(), secret, jws.WithProtectedHeaders(kidHeader("k1"))))
			if err != nil {
				t.Fatal(err)
			}
			r := e.bearer(t, string(tok))
			if r.status != http.StatusUnauthorized {
				t.Errorf("%s, secret = %s: status %d, want 401", cname, sname, r.status)
			}
		}
	}
}

func kidHeader(kid string) jws.Headers {
	h := jws.NewHeaders()
	h.Set("kid", kid)
	return h
}

func TestMalformedTokens(t *testing.T) {
	sg := newSigner(t, "ES256", "k1")
	cfg := baseConfig()
	cfg.Keys = []string{sg.pem(t)}
	e := newEdge(t, cfg, nil)
	good := sg.sign(t, claims())
	parts := strings.Split(good, ".")
	sig := parts[2]
	hdr := `{"alg":"ES256","kid":"k1"}`

	for _, tc := range []struct{ name, token, want string }{
		{"garbage", "garbage", "malformed token"},
		{"dots", "..", "malformed token"},
		{"three dots", "...", "malformed token"},
		{"four segments", good + ".x", "malformed token"},
		{"two segments", parts[0] + "." + parts[1], "malformed token"},
		{"bad base64 header", "!!!." + parts[1] + "." + sig, "malformed token"},
		{"padded header", parts[0] + "==." + parts[1] + "." + sig, "malformed token"},
		{"bad base64 sig", parts[0] + "." + parts[1] + ".***", "malformed token"},
		{"header not json", rawToken("not json", "{}", sig), "malformed token"},
		{"header array", rawToken(`["ES256"]`, "{}", sig), "malformed token"},
		{"header alg number", rawToken(`{"alg":256}`, "{}", sig), "malformed token"},
		{"header no alg", rawToken(`{"kid":"k1"}`, "{}", sig), "malformed token"},
		{"header kid number", rawToken(`{"alg":"ES256","kid":1}`, "{}", sig), "malformed token"},
		{"alg in other case", rawToken(`{"ALG":"ES256"}`, "{}", sig), "malformed token"},
		{"crit header", rawToken(`{"alg":"ES256","crit":["exp"],"exp":1}`, "{}", sig), "unsupported token header"},
		{"b64 header", rawToken(`{"alg":"ES256","b64":false,"crit":["b64"]}`, "{}", sig), "unsupported token header"},
		{"forged payload", rawToken(hdr, `{"sub":"admin"}`, sig), "invalid signature"},
		{"empty signature", parts[0] + "." + parts[1] + ".", "invalid signature"},
		{"huge", strings.Repeat("a", maxTokenSize+1), "token too large"},
		{"huge valid shape", parts[0] + "." + strings.Repeat("A", maxTokenSize) + "." + sig, "token too large"},
		{"unicode", "ä.ö.ü", "malformed token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantRefused(t, e.bearer(t, tc.token), tc.want)
		})
	}
}

// TestMalformedClaims signs payloads that are valid JWS but not a claims
// object.
func TestMalformedClaims(t *testing.T) {
	sg := newSigner(t, "ES256", "k1")
	cfg := baseConfig()
	cfg.Keys = []string{sg.pem(t)}
	e := newEdge(t, cfg, nil)
	for _, payload := range []string{"null", "[]", "42", `"x"`, "{", "not json", ""} {
		tok, err := jws.Sign([]byte(payload), jws.WithKey(jwa.ES256(), sg.priv))
		if err != nil {
			t.Fatal(err)
		}
		wantRefused(t, e.bearer(t, string(tok)), "malformed claims")
	}
}

// FuzzVerify checks that no input panics or is accepted.
func FuzzVerify(f *testing.F) {
	sg := newSigner(f, "ES256", "k1")
	cfg := baseConfig()
	cfg.Keys = []string{sg.pem(f)}
	auth := newAuth(f, cfg, nil)
	good := sg.sign(f, claims())
	for _, s := range []string{"", ".", "..", "...", good, good[:len(good)-3], "eyJhbGciOiJub25lIn0.e30.", good + good} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		claims, err := auth.v.verify(t.Context(), token)
		if err == nil && token != good {
			t.Fatalf("accepted %q: %v", token, claims)
		}
	})
}

func TestMissingToken(t *testing.T) {
	sg := newSigner(t, "ES256", "k1")
	cfg := baseConfig()
	cfg.Keys = []string{sg.pem(t)}
	e := newEdge(t, cfg, nil)
	for name, edit := range map[string]func(*http.Request){
		"none":         nil,
		"basic":        func(r *http.Request) { r.Header.Set("Authorization", "Basic dXNlcjpwYXNz") },
		"bare token":   func(r *http.Request) { r.Header.Set("Authorization", sg.sign(t, claims())) },
		"bearer alone": func(r *http.Request) { r.Header.Set("Authorization", "Bearer") },
	} {
		r := e.do(t, edit)
		if r.status != http.StatusUnauthorized || r.challenge != `Bearer realm="test"` || strings.TrimSpace(r.body) != "missing token" {
			t.Errorf("%s: got %d %q %q", name, r.status, r.challenge, r.body)
		}
	}
	// Without a realm the challenge is the bare scheme.
	cfg.Realm = ""
	r := newEdge(t, cfg, nil).do(t, nil)
	if r.challenge != "Bearer" {
		t.Errorf("challenge %q, want Bearer", r.challenge)
	}
	// The scheme is case-insensitive (RFC 7235 2.1).
	wantOK(t, e.do(t, func(r *http.Request) { r.Header.Set("Authorization", "bEaReR "+sg.sign(t, claims())) }))
}

func TestTwoTokenHeaders(t *testing.T) {
	sg := newSigner(t, "ES256", "k1")
	cfg := baseConfig()
	cfg.Keys = []string{sg.pem(t)}
	tok := sg.sign(t, claims())
	r := newEdge(t, cfg, nil).do(t, func(r *http.Request) {
		r.Header.Add("Authorization", "Bearer "+tok)
		r.Header.Add("Authorization", "Bearer "+tok)
	})
	want := `Bearer realm="test", error="invalid_request", error_description="more than one token header"`
	if r.status != http.StatusBadRequest || r.challenge != want {
		t.Errorf("got %d %q", r.status, r.challenge)
	}
}

func TestCookieAndCustomHeader(t *testing.T) {
	sg := newSigner(t, "ES256", "k1")
	cfg := baseConfig()
	cfg.Keys = []string{sg.pem(t)}
	cfg.Cookie = "session"
	e := newEdge(t, cfg, nil)
	good := sg.sign(t, claims("sub", "from-cookie"))
	cookie := func(v string) func(*http.Request) {
		return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "session", Value: v}) }
	}

	r := e.do(t, cookie(good))
	wantOK(t, r)
	if r.seen.Claims["sub"] != "from-cookie" {
		t.Errorf("claims %v", r.seen.Claims)
	}
	wantRefused(t, e.do(t, cookie("garbage")), "malformed token")
	// The header wins over the cookie.
	wantRefused(t, e.do(t, func(r *http.Request) {
		cookie(good)(r)
		r.Header.Set("Authorization", "Bearer garbage")
	}), "malformed token")
	// Another auth scheme in Authorization does not hide the cookie.
	wantOK(t, e.do(t, func(r *http.Request) {
		cookie(good)(r)
		r.Header.Set("Authorization", "Basic dXNlcjpwYXNz")
	}))
	// Other cookies are not tokens.
	if r := e.do(t, func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "other", Value: good}) }); r.status != http.StatusUnauthorized || r.challenge != `Bearer realm="test"` {
		t.Errorf("other cookie: %d %q", r.status, r.challenge)
	}

	// A custom header takes a bare token or a Bearer one.
	cfg.Header = "x-auth-token"
	e = newEdge(t, cfg, nil)
	wantOK(t, e.do(t, func(r *http.Request) { r.Header.Set("X-Auth-Token", good) }))
	wantOK(t, e.do(t, func(r *http.Request) { r.Header.Set("X-Auth-Token", "Bearer "+good) }))
	wantRefused(t, e.do(t, func(r *http.Request) { r.Header.Set("X-Auth-Token", "garbage") }), "malformed token")
}

func TestForwardClaims(t *testing.T) {
	sg := newSigner(t, "ES256", "k1")
	cfg := baseConfig()
	cfg.Keys = []string{sg.pem(t)}
	cfg.ForwardClaims = map[string]string{
		"sub":    "X-User-Id",
		"admin":  "x-admin",
		"level":  "X-Level",
		"roles":  "X-Roles",
		"email":  "X-Email",
		"tenant": "X-Tenant",
	}
	e := newEdge(t, cfg, nil)
	forge := func(r *http.Request) {
		for _, h := range []string{"X-User-Id", "X-Admin", "X-Level", "X-Roles", "X-Email", "X-Tenant"} {
			r.Header.Set(h, "forged")
		}
	}

	tok := sg.sign(t, claims("admin", true, "level", 3, "roles", []string{"a", "b"}, "email", "a@b\r\nX-Evil: 1"))
	r := e.do(t, func(r *http.Request) {
		forge(r)
		r.Header.Set("Authorization", "Bearer "+tok)
	})
	wantOK(t, r)
	for h, want := range map[string]string{
		"X-User-Id": "user-1",
		"X-Admin":   "true",
		"X-Level":   "3",
		"X-Roles":   `["a","b"]`,
		"X-Email":   "", // not a valid header value: dropped, not forged
		"X-Tenant":  "", // no such claim: the client's value is gone all the same
	} {
		if got := r.seen.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if len(r.seen.Header.Values("X-User-Id")) != 1 {
		t.Errorf("X-User-Id: %q", r.seen.Header.Values("X-User-Id"))
	}
	if r.seen.Header.Get("X-Evil") != "" {
		t.Error("header injected through a claim")
	}
	// Refused requests never reach the upstream with forged headers.
	wantRefused(t, e.do(t, func(r *http.Request) {
		forge(r)
		r.Header.Set("Authorization", "Bearer x.y.z")
	}), "malformed token")
}

func TestForgedHeadersNotVisibleToOuterStages(t *testing.T) {
	sg := newSigner(t, "ES256", "k1")
	cfg := baseConfig()
	cfg.Keys = []string{sg.pem(t)}
	cfg.ForwardClaims = map[string]string{"sub": "X-User-Id"}
	cfg.StripToken = true
	auth := newAuth(t, cfg, nil)
	var inner http.Header
	h := auth.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { inner = r.Header }))
	req, _ := http.NewRequest(http.MethodGet, "http://edge.test/", nil)
	req.Header.Set("X-User-Id", "forged")
	req.Header.Set("Authorization", "Bearer "+sg.sign(t, claims()))
	h.ServeHTTP(discard{}, req) // no edgeinfo.Info in the context: must not panic
	if inner.Get("X-User-Id") != "user-1" || inner.Get("Authorization") != "" {
		t.Errorf("inner header %v", inner)
	}
	// The caller's request is left as it was (net/http's rule for handlers).
	if req.Header.Get("X-User-Id") != "forged" || req.Header.Get("Authorization") == "" {
		t.Errorf("caller's header changed: %v", req.Header)
	}
}

type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

func TestStripToken(t *testing.T) {
	sg := newSigner(t, "ES256", "k1")
	cfg := baseConfig()
	cfg.Keys = []string{sg.pem(t)}
	cfg.Cookie = "session"
	tok := sg.sign(t, claims())
	withBoth := func(r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+tok)
		r.Header.Set("Cookie", "a=1; session="+tok+"; b=2")
	}

	r := newEdge(t, cfg, nil).do(t, withBoth)
	wantOK(t, r)
	if r.seen.Header.Get("Authorization") == "" || !strings.Contains(r.seen.Header.Get("Cookie"), "session=") {
		t.Errorf("token stripped without strip_token: %v", r.seen.Header)
	}

	cfg.StripToken = true
	e := newEdge(t, cfg, nil)
	r = e.do(t, withBoth)
	wantOK(t, r)
	if got := r.seen.Header.Get("Authorization"); got != "" {
		t.Errorf("Authorization = %q", got)
	}
	if got := r.seen.Header.Get("Cookie"); got != "a=1; b=2" {
		t.Errorf("Cookie = %q, want %q", got, "a=1; b=2")
	}
	r = e.do(t, func(r *http.Request) { r.Header.Set("Cookie", "session="+tok) })
	wantOK(t, r)
	if _, ok := r.seen.Header["Cookie"]; ok {
		t.Errorf("Cookie = %q, want none", r.seen.Header["Cookie"])
	}
}

func TestClaimsInEdgeInfo(t *testing.T) {
	sg := newSigner(t, "ES256", "k1")
	cfg := baseConfig()
	cfg.Keys = []string{sg.pem(t)}
	r := newEdge(t, cfg, nil).bearer(t, sg.sign(t, claims("org", map[string]any{"id": "o1"})))
	wantOK(t, r)
	c := r.seen.Claims
	if c["sub"] != "user-1" || c["aud"] != "api" || c["exp"] != float64(t0.Add(time.Hour).Unix()) {
		t.Errorf("claims %v", c)
	}
	if org, _ := c["org"].(map[string]any); org["id"] != "o1" {
		t.Errorf("org %v", c["org"])
	}
}
