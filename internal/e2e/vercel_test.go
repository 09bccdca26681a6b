package e2e

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/verge-edge/verge/devserver"
)

// vercelMiddleware is Routing Middleware written the way Vercel's docs
// show it, with the real @vercel/functions package from npm: auth,
// redirect by country, an A/B test by cookie, and request headers.
const vercelMiddleware = `import { geolocation, ipAddress, next, rewrite } from "@vercel/functions";

export const config = { matcher: ["/((?!api|_next/static|favicon.ico).*)"] };

export default function middleware(request: Request) {
  const url = new URL(request.url);
  if (url.pathname.startsWith("/admin") && request.headers.get("authorization") !== "Bearer letmein") {
    return new Response("Unauthorized", { status: 401, headers: { "www-authenticate": 'Bearer realm="admin"' } });
  }
  const { country } = geolocation(request);
  if (url.pathname === "/" && country === "DE") {
    return Response.redirect(new URL("/de", request.url), 307);
  }
  if (url.pathname === "/home") {
    const bucket = /(?:^|; )ab=(a|b)/.exec(request.headers.get("cookie") ?? "")?.[1] ?? "a";
    return rewrite(new URL("/home-" + bucket, request.url));
  }
  const headers = new Headers(request.headers);
  headers.set("x-country", country ?? "unknown");
  headers.set("x-client-ip", ipAddress(request) ?? "");
  return next({ request: { headers }, headers: { "x-mw-ran": "1" } });
}
`

func TestVercelMiddlewareWithVercelFunctions(t *testing.T) {
	requireNPM(t)
	var mu sync.Mutex
	var seen *http.Request
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = r.Clone(r.Context())
		mu.Unlock()
		io.WriteString(w, "origin "+r.URL.RequestURI())
	}))
	defer origin.Close()
	last := func() *http.Request {
		mu.Lock()
		defer mu.Unlock()
		return seen
	}
	dir := writeWorker(t, map[string]string{
		"middleware.ts": vercelMiddleware,
		"verge.toml":    "name = \"mw\"\nmain = \"middleware.ts\"\norigin = \"" + origin.URL + "\"\n",
	})
	modules, err := filepath.Abs("testdata/npm/node_modules")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(modules, filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}

	ar := start(t, devserver.Options{Entry: dir, CF: `{"country":"AR"}`})
	r := get(t, ar.URL()+"/")
	if r.body != "origin /" || r.header.Get("X-Mw-Ran") != "1" ||
		last().Header.Get("X-Country") != "AR" || last().Header.Get("X-Client-Ip") != "127.0.0.1" {
		t.Errorf("next with request headers: %q %v; origin saw %v", r.body, r.header, last().Header)
	}
	if r := get(t, ar.URL()+"/api/users"); r.body != "origin /api/users" || r.header.Get("X-Mw-Ran") != "" {
		t.Errorf("the matcher should skip /api: %q %v", r.body, r.header)
	}
	for cookie, want := range map[string]string{"ab=b": "origin /home-b", "": "origin /home-a", "x=1; ab=a": "origin /home-a"} {
		if r := do(t, "GET", ar.URL()+"/home", nil, map[string]string{"Cookie": cookie}); r.body != want {
			t.Errorf("A/B with cookie %q: %q, want %q", cookie, r.body, want)
		}
	}
	if r := get(t, ar.URL()+"/admin"); r.status != 401 || r.header.Get("Www-Authenticate") == "" {
		t.Errorf("auth: %d %v", r.status, r.header)
	}
	if r := do(t, "GET", ar.URL()+"/admin", nil, map[string]string{"Authorization": "Bearer letmein"}); r.body != "origin /admin" {
		t.Errorf("auth with token: %d %q", r.status, r.body)
	}

	de := start(t, devserver.Options{Entry: dir, CF: `{"country":"DE"}`})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(de.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 307 || resp.Header.Get("Location") != de.URL()+"/de" {
		t.Errorf("redirect by country: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}
