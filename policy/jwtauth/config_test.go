package jwtauth

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

func TestConfigFromTOML(t *testing.T) {
	var route struct {
		JWT Config `toml:"jwt"`
	}
	const src = `
[jwt]
header = "X-Token"
cookie = "session"
jwks_url = "https://issuer.example.com/.well-known/jwks.json"
jwks_refresh = "5m"
issuer = ["https://issuer.example.com/"]
audience = ["api"]
algorithms = ["RS256", "ES256"]
clock_skew = "0s"
required_claims = ["sub"]
strip_token = true
realm = "api"
[jwt.forward_claims]
sub = "X-User-Id"
`
	md, err := toml.Decode(src, &route)
	if err != nil {
		t.Fatal(err)
	}
	if u := md.Undecoded(); len(u) > 0 {
		t.Fatalf("undecoded keys %v", u)
	}
	s, err := route.JWT.validate()
	if err != nil {
		t.Fatal(err)
	}
	if s.header != "X-Token" || s.bearerOnly || s.cookie != "session" || s.jwksRefresh != 5*time.Minute ||
		s.skew != 0 || !s.stripToken || s.realm != "api" || len(s.algs) != 2 ||
		len(s.forward) != 1 || s.forward[0] != (forwardClaim{"sub", "X-User-Id"}) {
		t.Errorf("settings %+v", s)
	}

	var bad struct {
		JWT Config `toml:"jwt"`
	}
	if _, err := toml.Decode("[jwt]\nclock_skew = \"soon\"", &bad); err == nil {
		t.Error("clock_skew = soon: no error")
	}
}

func TestConfigDefaults(t *testing.T) {
	s, err := (&Config{Secret: strings.Repeat("x", 32), Algorithms: []string{"HS256"}}).validate()
	if err != nil {
		t.Fatal(err)
	}
	if s.header != "Authorization" || !s.bearerOnly || s.skew != 60*time.Second || s.jwksRefresh != 15*time.Minute {
		t.Errorf("settings %+v", s)
	}
	s, err = (&Config{JWKSURL: "http://127.0.0.1:1/jwks"}).validate()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"RS256", "ES256", "EdDSA"} {
		if s.algs[a] == nil {
			t.Errorf("default algorithms lack %s", a)
		}
	}
	if len(s.algs) != 3 {
		t.Errorf("default algorithms %v", s.algs)
	}
}

func TestConfigErrors(t *testing.T) {
	rsaPEM := newSigner(t, "RS256", "").pem(t)
	url := "https://issuer.example.com/jwks"
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no keys", Config{}, "jwt: give keys, secret or jwks_url"},
		{"none", Config{JWKSURL: url, Algorithms: []string{"RS256", "none"}}, `jwt.algorithms: "none" is never allowed`},
		{"None", Config{JWKSURL: url, Algorithms: []string{"None"}}, `jwt.algorithms: "none" is never allowed`},
		{"unknown alg", Config{JWKSURL: url, Algorithms: []string{"rs256"}}, `jwt.algorithms: unknown algorithm "rs256"`},
		{"plain http", Config{JWKSURL: "http://issuer.example.com/jwks"}, "jwt.jwks_url: \"http://issuer.example.com/jwks\": use https"},
		{"ftp", Config{JWKSURL: "ftp://issuer.example.com/jwks"}, "jwt.jwks_url:"},
		{"no host", Config{JWKSURL: "https:///jwks"}, "jwt.jwks_url:"},
		{"bad url", Config{JWKSURL: "https://[::1"}, "jwt.jwks_url:"},
		{"refresh too short", Config{JWKSURL: url, JWKSRefresh: Duration(time.Millisecond)}, "jwt.jwks_refresh: must be at least 1s"},
		{"negative skew", Config{JWKSURL: url, ClockSkew: dur("-1s")}, "jwt.clock_skew:"},
		{"huge skew", Config{JWKSURL: url, ClockSkew: dur("2h")}, "jwt.clock_skew:"},
		{"short secret", Config{Secret: "short", Algorithms: []string{"HS256"}}, "jwt.secret: must be at least 32 bytes"},
		{"secret without HS", Config{Secret: strings.Repeat("x", 32)}, "jwt.secret: set, but jwt.algorithms allows none of HS256"},
		{"jwks with only HMAC", Config{JWKSURL: url, Algorithms: []string{"HS256"}}, "jwt.jwks_url: set, but jwt.algorithms allows only HMAC"},
		{"bad header", Config{JWKSURL: url, Header: "X Token"}, "jwt.header:"},
		{"bad cookie", Config{JWKSURL: url, Cookie: "a;b"}, "jwt.cookie:"},
		{"bad realm", Config{JWKSURL: url, Realm: `a"b`}, "jwt.realm:"},
		{"empty issuer", Config{JWKSURL: url, Issuer: []string{""}}, "jwt.issuer[0]: empty"},
		{"empty audience", Config{JWKSURL: url, Audience: []string{"a", ""}}, "jwt.audience[1]: empty"},
		{"empty required claim", Config{JWKSURL: url, RequiredClaims: []string{""}}, "jwt.required_claims[0]: empty"},
		{"bad forward header", Config{JWKSURL: url, ForwardClaims: map[string]string{"sub": "X User"}}, "jwt.forward_claims.sub:"},
		{"forward onto token header", Config{JWKSURL: url, ForwardClaims: map[string]string{"sub": "authorization"}}, "jwt.forward_claims.sub: cannot set Authorization"},
		{"forward twice", Config{JWKSURL: url, ForwardClaims: map[string]string{"a": "X-A", "b": "x-a"}}, "jwt.forward_claims."},
		{"garbage key", Config{Keys: []string{"hello"}}, "jwt.keys[0]: neither PEM nor JWK JSON"},
		{"bad PEM", Config{Keys: []string{"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"}}, "jwt.keys[0]:"},
		{"bad JWK", Config{Keys: []string{`{"kty":"RSA"}`}}, "jwt.keys[0]:"},
		{"key fits no algorithm", Config{Keys: []string{rsaPEM}, Algorithms: []string{"ES256"}}, "jwt.keys[0]: RSA key fits none of jwt.algorithms"},
		{"short oct key", Config{Keys: []string{`{"kty":"oct","k":"c2hvcnQ"}`}, Algorithms: []string{"HS256"}}, "jwt.keys[0]: HMAC key fits none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := New(context.Background(), tc.cfg, Options{})
			if err == nil {
				a.Close()
				t.Fatalf("no error, want %q", tc.want)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error %q, want %q", err, tc.want)
			}
		})
	}
}

func TestDurationText(t *testing.T) {
	var d Duration
	if err := d.UnmarshalText([]byte("1m30s")); err != nil || time.Duration(d) != 90*time.Second {
		t.Fatalf("got %v, %v", time.Duration(d), err)
	}
	b, _ := d.MarshalText()
	if string(b) != "1m30s" {
		t.Errorf("MarshalText = %q", b)
	}
}
