package server

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
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
)

func TestJWTRoutePolicy(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef"
	var hits atomic.Int64
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprintf(w, "user=%s auth=%q", r.Header.Get("X-User-Id"), r.Header.Get("Authorization"))
	}))
	defer origin.Close()
	n := startNode(t, map[string]string{
		"node.toml": `[listen]
http = "127.0.0.1:0"
[origins.api]
url = "` + origin.URL + `"
[[routes]]
pattern = "api.test/*"
origin = "api"
[routes.jwt]
secret = "` + secret + `"
algorithms = ["HS256"]
audience = ["api"]
strip_token = true
[routes.jwt.forward_claims]
sub = "X-User-Id"
`,
	})
	sign := func(payload string) string {
		tok, err := jws.Sign([]byte(payload), jws.WithKey(jwa.HS256(), []byte(secret)))
		if err != nil {
			t.Fatal(err)
		}
		return string(tok)
	}
	exp := time.Now().Add(time.Hour).Unix()
	good := sign(fmt.Sprintf(`{"sub":"u42","aud":"api","exp":%d}`, exp))
	other := sign(fmt.Sprintf(`{"sub":"u42","aud":"billing","exp":%d}`, exp))
	cases := []struct {
		name, auth string
		status     int
		body       string
	}{
		{"valid", "Bearer " + good, 200, `user=u42 auth=""`},
		{"missing", "", 401, ""},
		{"other audience", "Bearer " + other, 401, ""},
		{"malformed", "Bearer not.a.jwt", 401, ""},
		{"alg none", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1NDIiLCJhdWQiOiJhcGkifQ.", 401, ""},
	}
	for _, c := range cases {
		hdr := map[string]string{"Host": "api.test", "X-User-Id": "forged"}
		if c.auth != "" {
			hdr["Authorization"] = c.auth
		}
		before := hits.Load()
		r := n.do("GET", n.http+"/me", hdr)
		if r.status != c.status || (c.body != "" && r.body != c.body) {
			t.Errorf("%s: %d %q, want %d %q", c.name, r.status, r.body, c.status, c.body)
		}
		if c.status == 401 {
			if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s: WWW-Authenticate %q", c.name, r.header.Get("WWW-Authenticate"))
			}
			if hits.Load() != before {
				t.Errorf("%s: a refused request reached the origin", c.name)
			}
		}
	}
}

// rsaSigner is an RS256 key with a kid, and its public JWK.
type rsaSigner struct {
	priv, pub jwk.Key
}

func newRSASigner(t *testing.T, kid string) rsaSigner {
	t.Helper()
	raw, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := jwk.Import(raw)
	if err != nil {
		t.Fatal(err)
	}
	priv.Set(jwk.KeyIDKey, kid)
	priv.Set(jwk.AlgorithmKey, jwa.RS256())
	pub, err := priv.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	return rsaSigner{priv, pub}
}

func (s rsaSigner) sign(t *testing.T, claims string) string {
	t.Helper()
	tok, err := jws.Sign([]byte(claims), jws.WithKey(jwa.RS256(), s.priv))
	if err != nil {
		t.Fatal(err)
	}
	return "Bearer " + string(tok)
}

// TestJWKSRotationThroughServer: a route verifies tokens against a JWKS
// served by a test server; when the issuer rotates keys, tokens with the
// new kid are accepted at once (refresh on unknown kid) and the retired
// key's tokens are refused.
func TestJWKSRotationThroughServer(t *testing.T) {
	k1, k2 := newRSASigner(t, "k1"), newRSASigner(t, "k2")
	var mu sync.Mutex
	keys := []jwk.Key{k1.pub}
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		set := jwk.NewSet()
		for _, k := range keys {
			set.AddKey(k)
		}
		mu.Unlock()
		json.NewEncoder(w).Encode(set)
	}))
	defer jwks.Close()
	origin := newRecordingOrigin(t, "api")
	n := startNode(t, map[string]string{"node.toml": `[listen]
http = "127.0.0.1:0"
[origins.api]
url = "` + origin.URL + `"
[[routes]]
pattern = "api.test/*"
origin = "api"
[routes.jwt]
jwks_url = "` + jwks.URL + `"
issuer = ["https://issuer.test/"]
algorithms = ["RS256"]
`})
	claims := fmt.Sprintf(`{"sub":"u1","iss":"https://issuer.test/","exp":%d}`, time.Now().Add(time.Hour).Unix())
	call := func(auth string) int {
		return n.do("GET", n.http+"/", map[string]string{"Host": "api.test", "Authorization": auth}).status
	}
	old := k1.sign(t, claims)
	if s := call(old); s != 200 {
		t.Fatalf("token signed with the published key: %d", s)
	}
	mu.Lock()
	keys = []jwk.Key{k2.pub}
	mu.Unlock()
	if s := call(k2.sign(t, claims)); s != 200 {
		t.Errorf("token signed with the rotated-in key: %d", s)
	}
	if s := call(old); s != 401 {
		t.Errorf("token signed with the retired key: %d", s)
	}
	if s := call(k2.sign(t, strings.Replace(claims, "issuer.test", "evil.test", 1))); s != 401 {
		t.Errorf("token from another issuer: %d", s)
	}
	// Hostile input: a 64 KiB header is refused by the front's header
	// limit (32 KiB) before any policy reads it; 30 KiB of garbage token
	// reaches the JWT check and is refused there.
	if s := call("Bearer " + strings.Repeat("a", 64<<10)); s != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("64 KiB token: %d", s)
	}
	if s := call("Bearer " + strings.Repeat("a", 30<<10)); s != 401 {
		t.Errorf("30 KiB token: %d", s)
	}
}
