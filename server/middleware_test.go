package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// middlewareTS is Vercel Routing Middleware as users write it, in
// TypeScript, with the matcher from Vercel's docs.
const middlewareTS = `export const config = {
  matcher: ["/((?!api|_next/static|_next/image|favicon.ico).*)"],
};

export default function middleware(request: Request) {
  const url = new URL(request.url);
  switch (url.pathname) {
    case "/old":
      return Response.redirect(new URL("/new", request.url), 308);
    case "/blocked":
      return new Response("blocked by middleware", { status: 403 });
    case "/rewrite":
      return new Response(null, { headers: { "x-middleware-rewrite": new URL("/rewritten" + url.search, request.url).toString() } });
    case "/headers":
      return new Response(null, { headers: {
        "x-middleware-next": "1",
        "x-middleware-override-headers": "x-from-mw,user-agent",
        "x-middleware-request-x-from-mw": "yes",
        "x-middleware-request-user-agent": "mw",
        "x-response-tag": "t1",
      } });
    case "/nothing":
      return;
  }
  return new Response(null, { headers: { "x-middleware-next": "1", "x-mw": "ran" } });
}
`

func TestVercelMiddleware(t *testing.T) {
	var mu sync.Mutex
	var seen *http.Request
	var seenBody string
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen, seenBody = r.Clone(r.Context()), string(b)
		mu.Unlock()
		io.WriteString(w, "origin "+r.URL.RequestURI())
	}))
	defer origin.Close()
	last := func() (*http.Request, string) {
		mu.Lock()
		defer mu.Unlock()
		return seen, seenBody
	}
	n := startNode(t, map[string]string{
		"node.toml":         "projects = [\"app\"]\n[listen]\nhttp = \"127.0.0.1:0\"\n",
		"app/verge.toml":    "name = \"app\"\nmain = \"middleware.ts\"\norigin = \"" + origin.URL + "\"\nroutes = [\"app.test/*\"]\n",
		"app/middleware.ts": middlewareTS,
	})
	get := func(path string, hdr map[string]string) result {
		h := map[string]string{"Host": "app.test", "User-Agent": "client", "X-Other": "1"}
		for k, v := range hdr {
			h[k] = v
		}
		return n.do("GET", n.http+path, h)
	}

	if r := get("/", nil); r.body != "origin /" || r.header.Get("X-Mw") != "ran" || r.header.Get("X-Middleware-Next") != "" {
		t.Errorf("next: %d %q %v", r.status, r.body, r.header)
	}
	if r := get("/api/users", nil); r.body != "origin /api/users" || r.header.Get("X-Mw") != "" {
		t.Errorf("a path the matcher excludes ran the middleware: %q %v", r.body, r.header)
	}
	if r := get("/nothing", nil); r.body != "origin /nothing" {
		t.Errorf("returning nothing: %d %q", r.status, r.body)
	}
	if r := get("/old", nil); r.status != 308 || r.header.Get("Location") != "http://app.test/new" {
		t.Errorf("redirect: %d %q", r.status, r.header.Get("Location"))
	}
	before, _ := last()
	if r := get("/blocked", nil); r.status != 403 || r.body != "blocked by middleware" {
		t.Errorf("response: %d %q", r.status, r.body)
	}
	if after, _ := last(); after != before {
		t.Error("a request the middleware answered reached the origin")
	}
	if r := get("/rewrite?q=1", nil); r.body != "origin /rewritten?q=1" {
		t.Errorf("rewrite: %d %q", r.status, r.body)
	}
	r := get("/headers", nil)
	req, _ := last()
	if r.body != "origin /headers" || r.header.Get("X-Response-Tag") != "t1" ||
		req.Header.Get("X-From-Mw") != "yes" || req.Header.Get("User-Agent") != "mw" || req.Header.Get("X-Other") != "" {
		t.Errorf("request headers: body %q tag %q; origin saw %v", r.body, r.header.Get("X-Response-Tag"), req.Header)
	}
	// A request body reaches the origin after the middleware.
	req2, _ := http.NewRequest("POST", n.http+"/nothing", strings.NewReader("hello"))
	req2.Host = "app.test"
	resp, err := http.DefaultClient.Do(req2)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, body := last(); body != "hello" {
		t.Errorf("origin got body %q", body)
	}
}

func TestMiddlewareRouteNeedsVercelHandler(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"w/verge.toml": "name = \"w\"\nmain = \"worker.js\"\n",
		"w/worker.js":  "export default { fetch() { return new Response('x') } }",
	})
	_, err := buildNode(t, "projects = [\""+dir+"/w\"]\n[listen]\nhttp = \"127.0.0.1:0\"\n[origins.o]\nurl = \"http://127.0.0.1:1\"\n[[routes]]\npattern = \"m.test/*\"\nworker = \"w\"\norigin = \"o\"\n")
	if err == nil || !strings.Contains(err.Error(), "routes[0]: a route with both worker and origin runs the worker as middleware") {
		t.Fatalf("error %v", err)
	}
}
