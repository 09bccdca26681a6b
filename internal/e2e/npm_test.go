package e2e

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/verge-edge/verge/devserver"
)

// The npm apps need `npm ci` in testdata/npm (scripts/test does it).
func requireNPM(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("testdata/npm/node_modules/hono/package.json"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("npm packages missing: run scripts/test (it runs npm ci in testdata/npm)")
		}
		t.Skip("npm packages not installed: run scripts/test, or npm ci in internal/e2e/testdata/npm")
	}
}

func TestHonoApp(t *testing.T) {
	requireNPM(t)
	d := start(t, devserver.Options{Entry: "testdata/npm/hono/worker.ts", Vars: map[string]string{"GREETING": "Hola"}, CF: `{"country":"BR"}`})
	if r := get(t, d.URL()+"/"); r.status != 200 || r.body != "Hola, Hono!" || r.header.Get("x-response-time") == "" {
		t.Errorf("GET /: %d %q %v", r.status, r.body, r.header)
	}
	if got := get(t, d.URL()+"/users/42?q=abc").json(t); got["id"] != "42" || got["q"] != "abc" {
		t.Errorf("params: %v", got)
	}
	r := do(t, "POST", d.URL()+"/echo", strings.NewReader(`{"name":"verge"}`), map[string]string{"content-type": "application/json"})
	if r.status != 201 || r.json(t)["hello"] != "verge" {
		t.Errorf("POST /echo: %d %s", r.status, r.body)
	}
	r = do(t, "GET", d.URL()+"/api/country", nil, map[string]string{"Origin": "https://app.example"})
	if r.json(t)["country"] != "BR" || r.header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("cors + cf: %s %v", r.body, r.header)
	}
	if r := get(t, d.URL()+"/nope"); r.status != 404 || r.json(t)["path"] != "/nope" {
		t.Errorf("404: %d %s", r.status, r.body)
	}
	if r := get(t, d.URL()+"/boom"); r.status != 500 || r.json(t)["error"] != "kaboom" {
		t.Errorf("onError: %d %s", r.status, r.body)
	}
}

func TestIttyRouterApp(t *testing.T) {
	requireNPM(t)
	d := start(t, devserver.Options{Entry: "testdata/npm/itty/worker.js"})
	if r := get(t, d.URL()+"/todos/1"); r.status != 200 || r.json(t)["title"] != "ship verge" {
		t.Errorf("GET /todos/1: %d %s", r.status, r.body)
	}
	if r := get(t, d.URL()+"/todos/9"); r.status != 404 {
		t.Errorf("missing todo: %d %s", r.status, r.body)
	}
	r := do(t, "POST", d.URL()+"/todos", strings.NewReader(`{"title":"test it"}`), map[string]string{"content-type": "application/json"})
	if r.status != 201 || r.json(t)["id"] != "2" {
		t.Errorf("POST: %d %s", r.status, r.body)
	}
	if r := do(t, "POST", d.URL()+"/todos", strings.NewReader(`{}`), nil); r.status != 400 {
		t.Errorf("bad POST: %d %s", r.status, r.body)
	}
	if got := get(t, d.URL()+"/search?q=x&tag=a&tag=b").json(t); got["q"] != "x" || len(got["tags"].([]any)) != 2 {
		t.Errorf("query: %v", got)
	}
	if r := get(t, d.URL()+"/unknown"); r.status != 404 {
		t.Errorf("unknown route: %d", r.status)
	}
}

// rsaKey makes an RSA key and its public JWK.
func rsaKey(t *testing.T) (*rsa.PrivateKey, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	jwk, _ := json.Marshal(map[string]string{
		"kty": "RSA", "alg": "RS256", "use": "sig",
		"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes()),
	})
	return key, string(jwk)
}

// signJWT makes an RS256 token.
func signJWT(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	b64 := base64.RawURLEncoding.EncodeToString
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT"})
	c, _ := json.Marshal(claims)
	input := b64(h) + "." + b64(c)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64(sig)
}

func TestJoseApp(t *testing.T) {
	requireNPM(t)
	key, jwk := rsaKey(t)
	other, _ := rsaKey(t)
	d := start(t, devserver.Options{Entry: "testdata/npm/jose/worker.js", Vars: map[string]string{"PUBLIC_JWK": jwk}})
	now := time.Now().Unix()
	tests := []struct {
		name   string
		token  string
		status int
		code   string
	}{
		{"valid", signJWT(t, key, map[string]any{"sub": "alice", "iss": "verge-test", "exp": now + 60}), 200, ""},
		{"expired", signJWT(t, key, map[string]any{"sub": "alice", "iss": "verge-test", "exp": now - 60}), 401, "ERR_JWT_EXPIRED"},
		{"bad signature", signJWT(t, other, map[string]any{"sub": "alice", "iss": "verge-test", "exp": now + 60}), 401, "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"},
		{"wrong issuer", signJWT(t, key, map[string]any{"sub": "alice", "iss": "someone", "exp": now + 60}), 401, "ERR_JWT_CLAIM_VALIDATION_FAILED"},
		{"garbage", "not.a.jwt", 401, "ERR_JWS_INVALID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, "GET", d.URL()+"/", nil, map[string]string{"Authorization": "Bearer " + tt.token})
			got := r.json(t)
			if r.status != tt.status {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if tt.status == 200 && (got["sub"] != "alice" || got["alg"] != "RS256") {
				t.Errorf("payload %v", got)
			}
			if tt.code != "" && got["code"] != tt.code {
				t.Errorf("code %v, want %s (%v)", got["code"], tt.code, got["message"])
			}
		})
	}
}

func TestJWTGatewayExample(t *testing.T) {
	key, jwk := rsaKey(t)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"user": r.Header.Get("x-user-id"), "path": r.URL.RequestURI(), "auth": r.Header.Get("authorization")})
	}))
	defer origin.Close()
	dir := t.TempDir()
	src, err := os.ReadFile("../../examples/jwt-gateway/worker.js")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "worker.js"), src, 0o644)
	os.WriteFile(filepath.Join(dir, "verge.toml"), []byte("name = \"gw\"\nmain = \"worker.js\"\norigin = \""+origin.URL+"\"\n[vars]\nORIGIN = \""+origin.URL+"\"\n"), 0o644)
	d := start(t, devserver.Options{Entry: dir, Vars: map[string]string{"JWT_PUBLIC_JWK": jwk}})

	token := signJWT(t, key, map[string]any{"sub": "bob", "exp": time.Now().Unix() + 60})
	r := do(t, "GET", d.URL()+"/orders?id=7", nil, map[string]string{"Authorization": "Bearer " + token})
	if r.status != 200 {
		t.Fatalf("valid token: %d %s", r.status, r.body)
	}
	if got := r.json(t); got["user"] != "bob" || got["path"] != "/orders?id=7" || got["auth"] != "" {
		t.Errorf("origin saw %v", got)
	}
	for name, hdr := range map[string]string{
		"no token":  "",
		"expired":   "Bearer " + signJWT(t, key, map[string]any{"sub": "bob", "exp": time.Now().Unix() - 5}),
		"tampered":  "Bearer " + token[:len(token)-4] + "AAAA",
		"malformed": "Bearer abc",
	} {
		r := do(t, "GET", d.URL()+"/orders", nil, map[string]string{"Authorization": hdr})
		if r.status != 401 || r.header.Get("www-authenticate") == "" {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
}
