package jwtauth

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// withKid returns a signer with sg's key under another kid.
func withKid(sg *signer, kid string) *signer {
	c := *sg
	c.kid = kid
	return &c
}

func jwksConfig(url string) Config {
	cfg := baseConfig()
	cfg.JWKSURL = url
	return cfg
}

func wantHits(t *testing.T, srv *jwksServer, want int32) {
	t.Helper()
	if got := srv.hits.Load(); got != want {
		t.Fatalf("JWKS fetched %d times, want %d", got, want)
	}
}

func TestKeyRotation(t *testing.T) {
	k1 := newSigner(t, "RS256", "k1")
	k2 := newSigner(t, "RS256", "k2")
	srv := newJWKSServer(t, k1)
	clock := newClock()
	e := newEdge(t, jwksConfig(srv.URL), clock)
	wantOK(t, e.bearer(t, k1.sign(t, claims())))
	wantHits(t, srv, 1)

	// The issuer publishes k2 and starts signing with it: the first k2
	// token refreshes the set on demand.
	srv.setKeys(t, k1, k2)
	wantOK(t, e.bearer(t, k2.sign(t, claims())))
	wantHits(t, srv, 2)
	// Tokens signed with k1 still verify.
	wantOK(t, e.bearer(t, k1.sign(t, claims())))

	// k1 is withdrawn; we learn of it at the next refresh.
	srv.setKeys(t, k2)
	wantOK(t, e.bearer(t, k1.sign(t, claims())))
	clock.Advance(onDemandGap)
	wantRefused(t, e.bearer(t, withKid(k2, "k3").sign(t, claims())), "unknown signing key")
	wantHits(t, srv, 3)
	wantRefused(t, e.bearer(t, k1.sign(t, claims())), "unknown signing key")
	wantOK(t, e.bearer(t, k2.sign(t, claims())))
}

func TestOnDemandRefreshIsRateLimited(t *testing.T) {
	k1 := newSigner(t, "ES256", "k1")
	srv := newJWKSServer(t, k1)
	clock := newClock()
	e := newEdge(t, jwksConfig(srv.URL), clock)
	wantHits(t, srv, 1)

	random := func(i int) string { return withKid(k1, fmt.Sprintf("random-%d", i)).sign(t, claims()) }
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if r := e.bearer(t, random(i)); r.status != http.StatusUnauthorized {
				t.Errorf("random kid: status %d", r.status)
			}
		})
	}
	wg.Wait()
	wantHits(t, srv, 2)

	clock.Advance(onDemandGap - time.Second)
	wantRefused(t, e.bearer(t, random(100)), "unknown signing key")
	wantHits(t, srv, 2)
	clock.Advance(time.Second)
	wantRefused(t, e.bearer(t, random(101)), "unknown signing key")
	wantHits(t, srv, 3)
	// Known kids never wait for or cause a fetch.
	wantOK(t, e.bearer(t, k1.sign(t, claims())))
	wantHits(t, srv, 3)
}

func TestStaleFallback(t *testing.T) {
	k1 := newSigner(t, "EdDSA", "k1")
	k2 := newSigner(t, "EdDSA", "k2")
	srv := newJWKSServer(t, k1)
	clock := newClock()
	e := newEdge(t, jwksConfig(srv.URL), clock)
	wantOK(t, e.bearer(t, k1.sign(t, claims())))

	good := jwksBody(t, k1)
	breakages := []struct {
		name   string
		status int
		body   string
	}{
		{"500", http.StatusInternalServerError, good},
		{"not json", http.StatusOK, "<html>oops</html>"},
		{"empty set", http.StatusOK, `{"keys":[]}`},
		{"only enc keys", http.StatusOK, strings.Replace(jwksBody(t, k2), `"sig"`, `"enc"`, 1)},
		{"over the size limit", http.StatusOK, `{"keys":[],"pad":"` + strings.Repeat("x", maxJWKSBytes) + `"}`},
	}
	for _, b := range breakages {
		srv.setStatus(b.status)
		srv.setBody([]byte(b.body))
		clock.Advance(onDemandGap)
		before := srv.hits.Load()
		// An unknown kid makes us try the broken server...
		wantRefused(t, e.bearer(t, k2.sign(t, claims())), "unknown signing key")
		wantHits(t, srv, before+1)
		// ...and the last good set stays in use.
		if r := e.bearer(t, k1.sign(t, claims())); r.status != http.StatusOK {
			t.Errorf("%s: k1 refused after a failed refresh: %d %s", b.name, r.status, r.body)
		}
	}
}

func jwksBody(t *testing.T, signers ...*signer) string {
	t.Helper()
	s := &jwksServer{}
	s.setKeys(t, signers...)
	return string(s.body)
}

func TestInitialFetchFailure(t *testing.T) {
	k1 := newSigner(t, "ES256", "k1")
	srv := newJWKSServer(t, k1)
	srv.setStatus(http.StatusServiceUnavailable)
	clock := newClock()
	e := newEdge(t, jwksConfig(srv.URL), clock) // not an error
	wantHits(t, srv, 1)

	srv.setStatus(http.StatusOK)
	// A token without a kid also retries: we have no keys at all.
	noKid := withKid(k1, "")
	wantOK(t, e.bearer(t, noKid.sign(t, claims())))
	wantHits(t, srv, 2)
	wantOK(t, e.bearer(t, k1.sign(t, claims())))
	wantHits(t, srv, 2)
}

func TestUnreachableJWKS(t *testing.T) {
	srv := newJWKSServer(t)
	url := srv.URL
	srv.Close() // nothing listens there now
	k1 := newSigner(t, "ES256", "k1")
	e := newEdge(t, jwksConfig(url), nil)
	wantRefused(t, e.bearer(t, k1.sign(t, claims())), "unknown signing key")
}

func TestBackgroundRefresh(t *testing.T) {
	k1 := newSigner(t, "ES256", "k1")
	k2 := newSigner(t, "ES256", "k2")
	srv := newJWKSServer(t, k1)
	cfg := jwksConfig(srv.URL)
	cfg.JWKSRefresh = Duration(time.Second)
	e := newEdge(t, cfg, nil)
	srv.setKeys(t, k1, k2)

	// Wait for the refresh loop (not a token) to pick up k2.
	deadline := time.Now().Add(30 * time.Second)
	for e.auth.v.remote.current().byKid["k2"] == nil {
		if time.Now().After(deadline) {
			t.Fatalf("k2 not loaded in the background; %d fetches", srv.hits.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
	wantOK(t, e.bearer(t, k2.sign(t, claims())))

	// Close stops the loop and on-demand fetches; the keys stay usable.
	e.auth.Close()
	e.auth.Close()
	n := srv.hits.Load()
	wantRefused(t, e.bearer(t, withKid(k1, "new").sign(t, claims())), "unknown signing key")
	wantOK(t, e.bearer(t, k1.sign(t, claims())))
	wantHits(t, srv, n)
}

func TestJWKSSkipsUnusableKeys(t *testing.T) {
	k1 := newSigner(t, "RS256", "k1")
	enc := newSigner(t, "RS256", "enc")
	enc.pub.Set("use", "enc")
	body := jwksBody(t, k1, enc)
	// A symmetric key must never come from a URL, an unknown key type
	// must not break the set, and neither may verify-less key_ops.
	extra := `{"kty":"oct","kid":"oct","k":"` + strings.Repeat("A", 86) + `"},` +
		`{"kty":"XYZ","kid":"future","x":"1"},` +
		`{"kty":"OKP","crv":"Ed25519","kid":"signonly","key_ops":["sign"],"x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},`
	body = strings.Replace(body, `{"keys":[`, `{"keys":[`+extra, 1)
	srv := newJWKSServer(t)
	srv.setBody([]byte(body))
	cfg := jwksConfig(srv.URL)
	cfg.Algorithms = []string{"RS256", "HS256"}
	cfg.Secret = strings.Repeat("x", 32)
	e := newEdge(t, cfg, nil)

	wantOK(t, e.bearer(t, k1.sign(t, claims())))
	ks := e.auth.v.remote.current()
	if len(ks.all) != 1 {
		t.Errorf("loaded %d keys, want 1 (k1)", len(ks.all))
	}
	wantRefused(t, e.bearer(t, enc.sign(t, claims())), "unknown signing key")
	oct := newSigner(t, "HS256", "oct")
	oct.priv = make([]byte, 64) // "AAAA..." decodes to zeros
	wantRefused(t, e.bearer(t, oct.sign(t, claims())), "invalid signature")
}

// TestConcurrentRotation runs requests while the key set changes, for the
// race detector.
func TestConcurrentRotation(t *testing.T) {
	keys := []*signer{newSigner(t, "ES256", "a"), newSigner(t, "ES256", "b"), newSigner(t, "ES256", "c")}
	srv := newJWKSServer(t, keys[0])
	clock := newClock()
	e := newEdge(t, jwksConfig(srv.URL), clock)
	tokens := make([]string, len(keys))
	for i, k := range keys {
		tokens[i] = k.sign(t, claims())
	}
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			for j := range 20 {
				r := e.bearer(t, tokens[(i+j)%len(tokens)])
				if r.status != http.StatusOK && r.status != http.StatusUnauthorized {
					t.Errorf("status %d", r.status)
				}
			}
		})
	}
	for i := range 10 {
		srv.setKeys(t, keys[:1+i%3]...)
		clock.Advance(onDemandGap)
	}
	wg.Wait()
}

// TestKeyTriesBounded: a token without a kid is tried against every key
// that fits, but not against an unbounded number of them.
func TestKeyTriesBounded(t *testing.T) {
	var keys []*signer
	for i := range maxKeysTried + 1 {
		keys = append(keys, newSigner(t, "ES256", fmt.Sprintf("k%d", i)))
	}
	srv := newJWKSServer(t, keys...)
	e := newEdge(t, jwksConfig(srv.URL), nil)
	last := keys[len(keys)-1]
	wantOK(t, e.bearer(t, last.sign(t, claims())))
	wantRefused(t, e.bearer(t, withKid(last, "").sign(t, claims())), "ambiguous signing key")

	srv.setKeys(t, keys[:maxKeysTried]...)
	e = newEdge(t, jwksConfig(srv.URL), nil)
	wantOK(t, e.bearer(t, withKid(keys[maxKeysTried-1], "").sign(t, claims())))
}

// TestRotationWithStaticKey: a kid-less static key fits every kid, yet a
// token signed with a new JWKS key still causes the refresh that finds it.
func TestRotationWithStaticKey(t *testing.T) {
	static := newSigner(t, "ES256", "")
	k1 := newSigner(t, "ES256", "k1")
	k2 := newSigner(t, "ES256", "k2")
	srv := newJWKSServer(t, k1)
	clock := newClock()
	cfg := jwksConfig(srv.URL)
	cfg.Keys = []string{static.pem(t)}
	e := newEdge(t, cfg, clock)
	wantOK(t, e.bearer(t, withKid(static, "anything").sign(t, claims())))
	wantOK(t, e.bearer(t, k1.sign(t, claims())))
	wantHits(t, srv, 1)
	// A forged token with a known kid is refused without a refresh.
	wantRefused(t, e.bearer(t, withKid(k2, "k1").sign(t, claims())), "invalid signature")
	wantHits(t, srv, 1)

	srv.setKeys(t, k1, k2)
	wantOK(t, e.bearer(t, k2.sign(t, claims())))
	wantHits(t, srv, 2)
}
