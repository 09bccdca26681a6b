package transform

import (
	"net/http"
	"testing"
)

func preflight(t *testing.T, cfg CORS, headers ...string) *http.Response {
	t.Helper()
	srv := serve(t, Config{CORS: &cfg}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("preflight reached the handler behind")
	}))
	resp, _ := do(t, srv, http.MethodOptions, "/api", headers...)
	return resp
}

func TestCORSPreflightAllowed(t *testing.T) {
	cfg := CORS{
		AllowOrigins:     []string{"https://app.example.com"},
		AllowMethods:     []string{"GET", "PUT", "DELETE"},
		AllowHeaders:     []string{"Content-Type", "Authorization"},
		AllowCredentials: true,
		MaxAge:           600,
	}
	resp := preflight(t, cfg, "Origin: https://app.example.com", "Access-Control-Request-Method: PUT",
		"Access-Control-Request-Headers: content-type, authorization")
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("status %d, want 204", resp.StatusCode)
	}
	h := resp.Header
	wantHeader(t, "allowed", h, "Access-Control-Allow-Origin", "https://app.example.com")
	wantHeader(t, "allowed", h, "Access-Control-Allow-Credentials", "true")
	wantHeader(t, "allowed", h, "Access-Control-Allow-Methods", "GET, PUT, DELETE")
	wantHeader(t, "allowed", h, "Access-Control-Allow-Headers", "Content-Type, Authorization")
	wantHeader(t, "allowed", h, "Access-Control-Max-Age", "600")
	wantHeader(t, "allowed", h, "Vary", "Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers")

	// A safelisted method needs no listing.
	resp = preflight(t, cfg, "Origin: https://app.example.com", "Access-Control-Request-Method: POST")
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("POST: status %d, want 204", resp.StatusCode)
	}
	wantHeader(t, "no requested headers", resp.Header, "Access-Control-Allow-Headers")
}

func TestCORSPreflightDenied(t *testing.T) {
	cfg := CORS{
		AllowOrigins: []string{"https://app.example.com", "https://*.example.org"},
		AllowMethods: []string{"GET", "PUT"},
		AllowHeaders: []string{"Content-Type"},
	}
	tests := []struct {
		name    string
		headers []string
	}{
		{"origin", []string{"Origin: https://evil.example", "Access-Control-Request-Method: GET"}},
		{"origin scheme", []string{"Origin: http://app.example.com", "Access-Control-Request-Method: GET"}},
		{"origin suffix", []string{"Origin: https://app.example.com.evil", "Access-Control-Request-Method: GET"}},
		{"pattern base", []string{"Origin: https://example.org", "Access-Control-Request-Method: GET"}},
		{"pattern lookalike", []string{"Origin: https://evilexample.org", "Access-Control-Request-Method: GET"}},
		{"method", []string{"Origin: https://app.example.com", "Access-Control-Request-Method: DELETE"}},
		{"header", []string{"Origin: https://app.example.com", "Access-Control-Request-Method: PUT", "Access-Control-Request-Headers: content-type, x-secret"}},
	}
	for _, tt := range tests {
		resp := preflight(t, cfg, tt.headers...)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", tt.name, resp.StatusCode)
		}
		wantHeader(t, tt.name, resp.Header, "Access-Control-Allow-Origin")
		wantHeader(t, tt.name, resp.Header, "Vary", "Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers")
	}
}

func TestCORSWildcards(t *testing.T) {
	cfg := CORS{AllowOrigins: []string{"https://*.example.com", "http://*.dev.test:8080"}}
	for origin, ok := range map[string]bool{
		"https://app.example.com":       true,
		"https://a.b.example.com":       true,
		"https://APP.Example.com":       true,
		"https://example.com":           false,
		"https://.example.com":          false,
		"https://evil.com?.example.com": false,
		"https://x.example.com:8443":    false,
		"http://app.example.com":        false,
		"http://x.dev.test:8080":        true,
		"http://x.dev.test":             false,
		"http://x.dev.test:9090":        false,
	} {
		resp := preflight(t, cfg, "Origin: "+origin, "Access-Control-Request-Method: GET")
		if got := resp.StatusCode == http.StatusNoContent; got != ok {
			t.Errorf("%s: allowed %v, want %v", origin, got, ok)
		}
		if ok {
			wantHeader(t, origin, resp.Header, "Access-Control-Allow-Origin", origin)
		}
	}

	// "*" allows any origin, answers "*" and so needs no Vary: Origin;
	// "*" methods and headers echo what was asked.
	resp := preflight(t, CORS{AllowOrigins: []string{"*"}, AllowMethods: []string{"*"}, AllowHeaders: []string{"*"}},
		"Origin: https://anyone.example", "Access-Control-Request-Method: PATCH", "Access-Control-Request-Headers: X-Custom")
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("any: status %d", resp.StatusCode)
	}
	wantHeader(t, "any", resp.Header, "Access-Control-Allow-Origin", "*")
	wantHeader(t, "any", resp.Header, "Access-Control-Allow-Methods", "PATCH")
	wantHeader(t, "any", resp.Header, "Access-Control-Allow-Headers", "x-custom")
	wantHeader(t, "any", resp.Header, "Access-Control-Allow-Credentials")
	wantHeader(t, "any", resp.Header, "Vary", "Access-Control-Request-Method", "Access-Control-Request-Headers")
}

func TestCORSActualResponse(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The origin's own CORS answer is replaced by the policy's.
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Vary", "Accept-Encoding")
		w.Write([]byte("ok"))
	})
	srv := serve(t, Config{CORS: &CORS{
		AllowOrigins:     []string{"https://app.example.com"},
		ExposeHeaders:    []string{"X-Request-Id"},
		AllowCredentials: true,
	}}, next)

	resp, _ := do(t, srv, http.MethodGet, "/", "Origin: https://app.example.com")
	wantHeader(t, "allowed", resp.Header, "Access-Control-Allow-Origin", "https://app.example.com")
	wantHeader(t, "allowed", resp.Header, "Access-Control-Allow-Credentials", "true")
	wantHeader(t, "allowed", resp.Header, "Access-Control-Expose-Headers", "X-Request-Id")
	wantHeader(t, "allowed", resp.Header, "Vary", "Accept-Encoding", "Origin")

	resp, body := do(t, srv, http.MethodGet, "/", "Origin: https://evil.example")
	if resp.StatusCode != http.StatusOK || body != "ok" {
		t.Errorf("denied origin: %d %q; the request itself is not refused", resp.StatusCode, body)
	}
	wantHeader(t, "denied", resp.Header, "Access-Control-Allow-Origin")
	wantHeader(t, "denied", resp.Header, "Access-Control-Allow-Credentials")
	wantHeader(t, "denied", resp.Header, "Vary", "Accept-Encoding", "Origin")

	resp, _ = do(t, srv, http.MethodGet, "/")
	wantHeader(t, "no origin", resp.Header, "Access-Control-Allow-Origin")
	wantHeader(t, "no origin: still varies", resp.Header, "Vary", "Accept-Encoding", "Origin")

	// An OPTIONS that is not a preflight goes through.
	resp, _ = do(t, srv, http.MethodOptions, "/", "Origin: https://app.example.com")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("plain OPTIONS: %d", resp.StatusCode)
	}
}

func TestCORSAnyOriginActual(t *testing.T) {
	srv := serve(t, Config{CORS: &CORS{AllowOrigins: []string{"*"}}}, echo())
	resp, _ := do(t, srv, http.MethodGet, "/", "Origin: https://x.example")
	wantHeader(t, "any", resp.Header, "Access-Control-Allow-Origin", "*")
	wantHeader(t, "any", resp.Header, "Vary")
}
