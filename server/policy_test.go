package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
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
