package server

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// Lambda@Edge handlers as they are written for AWS: CommonJS with a
// callback, and ES modules with async handlers.
const (
	viewerRequestFn = `exports.handler = (event, context, callback) => {
  const request = event.Records[0].cf.request;
  if (request.uri === "/denied") {
    callback(null, {
      status: "403",
      statusDescription: "Forbidden",
      headers: { "content-type": [{ key: "Content-Type", value: "text/plain" }] },
      body: "denied at the edge",
    });
    return;
  }
  if (request.uri === "/throw") throw new Error("boom");
  request.headers["x-viewer-fn"] = [{ key: "X-Viewer-Fn", value: event.Records[0].cf.config.eventType + " " + request.clientIp }];
  if (request.uri === "/pretty") request.uri = "/index.html";
  callback(null, request);
};`
	originRequestFn = `export const handler = async (event) => {
  const request = event.Records[0].cf.request;
  const country = request.headers["cloudfront-viewer-country"];
  request.headers["x-origin-fn"] = [{ key: "X-Origin-Fn", value: request.origin.custom.domainName + " " + (country ? country[0].value : "none") }];
  if (request.uri.startsWith("/alt")) {
    request.origin.custom.port = Number(ALT_PORT);
    request.headers.host = [{ key: "Host", value: "127.0.0.1:" + ALT_PORT }];
  }
  return request;
};`
	originResponseFn = `exports.handler = async (event) => {
  const response = event.Records[0].cf.response;
  response.headers["x-origin-response"] = [{ key: "X-Origin-Response", value: "seen " + response.status }];
  return response;
};`
	viewerResponseFn = `exports.handler = async (event) => {
  const { request, response } = event.Records[0].cf;
  response.headers["x-viewer-response"] = [{ key: "X-Viewer-Response", value: "seen" }];
  if (request.uri === "/bad-status") response.status = "500";
  return response;
};`
)

func TestLambdaEdgeTriggers(t *testing.T) {
	main := newRecordingOrigin(t, "main")
	alt := newRecordingOrigin(t, "alt")
	altPort := alt.URL[strings.LastIndex(alt.URL, ":")+1:]
	fn := func(name, code string) map[string]string {
		return map[string]string{name + "/verge.toml": "name = \"" + name + "\"\nmain = \"index.js\"\n", name + "/index.js": code}
	}
	files := map[string]string{"node.toml": `projects = ["vr", "or", "ors", "vrs"]
[listen]
http = "127.0.0.1:0"
[geo]
db = ["` + writeCityDB(t) + `"]
trusted_proxies = ["127.0.0.0/8"]
[origins.main]
url = "` + main.URL + `"
[origins.alt]
url = "` + alt.URL + `"
[[routes]]
pattern = "cdn.test/*"
origin = "main"
[routes.cache]
[routes.lambda_edge]
viewer_request = "vr"
origin_request = "or"
origin_response = "ors"
viewer_response = "vrs"
`}
	for name, code := range map[string]string{"vr": viewerRequestFn, "or": strings.ReplaceAll(originRequestFn, "ALT_PORT", `"`+altPort+`"`), "ors": originResponseFn, "vrs": viewerResponseFn} {
		for k, v := range fn(name, code) {
			files[k] = v
		}
	}
	n := startNode(t, files)
	get := func(path string) result {
		return n.do("GET", n.http+path, map[string]string{"Host": "cdn.test", "X-Forwarded-For": clientAR})
	}

	r := get("/pretty")
	if r.body != "main /index.html" || r.header.Get("X-Origin-Response") != "seen 200" || r.header.Get("X-Viewer-Response") != "seen" {
		t.Fatalf("all four triggers: %d %q %v", r.status, r.body, r.header)
	}
	if got := main.lastHeader("X-Viewer-Fn"); got != "viewer-request "+clientAR {
		t.Errorf("origin saw X-Viewer-Fn %q", got)
	}
	// Origin events see the route's origin and CloudFront's viewer headers.
	if got := main.lastHeader("X-Origin-Fn"); got != "127.0.0.1 AR" {
		t.Errorf("origin saw X-Origin-Fn %q", got)
	}
	// A cache hit runs the viewer triggers only: the origin-response
	// header was stored with the response.
	hits := main.hits.Load()
	r = get("/pretty")
	if r.header.Get("CF-Cache-Status") != "HIT" || main.hits.Load() != hits || r.header.Get("X-Origin-Response") != "seen 200" || r.header.Get("X-Viewer-Response") != "seen" {
		t.Errorf("second request: %s, origin hits %d -> %d, %v", r.header.Get("CF-Cache-Status"), hits, main.hits.Load(), r.header)
	}
	// A generated response never reaches the cache or the origin.
	if r := get("/denied"); r.status != 403 || r.body != "denied at the edge" || main.hits.Load() != hits {
		t.Errorf("generated response: %d %q", r.status, r.body)
	}
	// origin-request switches to another configured origin.
	if r := get("/alt/x"); r.body != "alt /alt/x" {
		t.Errorf("origin switch: %d %q", r.status, r.body)
	}
	// A handler that throws is CloudFront's 503; a viewer-response that
	// changes the status is an invalid result, 502.
	if r := get("/throw"); r.status != 503 || !strings.Contains(r.body, "viewer-request") {
		t.Errorf("throwing handler: %d %q", r.status, r.body)
	}
	if r := get("/bad-status"); r.status != 502 || !strings.Contains(r.body, "viewer-response cannot change the status") {
		t.Errorf("status change in viewer-response: %d %q", r.status, r.body)
	}
}

func TestLambdaEdgeConfigErrors(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"w/verge.toml": "name = \"w\"\nmain = \"worker.js\"\n",
		"w/worker.js":  "export default { fetch() { return new Response('x') } }",
	})
	base := "projects = [\"" + dir + "/w\"]\n[listen]\nhttp = \"127.0.0.1:0\"\n[origins.o]\nurl = \"http://127.0.0.1:1\"\n[[routes]]\npattern = \"*/*\"\norigin = \"o\"\n[routes.lambda_edge]\n"
	for table, want := range map[string]string{
		"viewer_request = \"nope\"\n": `routes[0].lambda_edge.viewer_request: no project named "nope"`,
		"viewer_request = \"w\"\n":    `routes[0].lambda_edge.viewer_request: project "w" is not a Lambda@Edge handler`,
		"include_body = true\n":       "routes[0].lambda_edge: name a project for at least one trigger",
	} {
		if _, err := buildNode(t, base+table); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", table, err, want)
		}
	}
}

// TestLambdaEdgeHandlers runs handlers shaped like AWS's examples (written
// here): A/B by cookie, body access, redirect by country, generated
// responses at each trigger, and the violations CloudFront refuses.
func TestLambdaEdgeHandlers(t *testing.T) {
	o := newRecordingOrigin(t, "origin")
	const vr = `exports.handler = (event, context, callback) => {
  const request = event.Records[0].cf.request;
  const cookies = (request.headers.cookie || []).map((c) => c.value).join("; ");
  switch (request.uri) {
    case "/ab":
      request.uri = /(?:^|; )ab=b/.test(cookies) ? "/ab-b.html" : "/ab-a.html";
      return callback(null, request);
    case "/body": {
      const text = atob(request.body.data);
      return callback(null, { status: "200", body: "got " + text.toUpperCase() + " " + request.body.inputTruncated });
    }
    case "/readonly":
      request.headers["via"] = [{ key: "Via", value: "1.1 evil" }];
      return callback(null, request);
    case "/big":
      return callback(null, { status: "200", body: "x".repeat(50 * 1024) });
    case "/malformed":
      return callback(null, "not an event object");
    case "/twice":
      callback(null, request);
      callback(null, { status: "500", body: "second call" });
      return;
  }
  callback(null, request);
};`
	const or = `export const handler = async (event) => {
  const request = event.Records[0].cf.request;
  const country = request.headers["cloudfront-viewer-country"];
  if (request.uri === "/" && country && country[0].value === "DE") {
    return { status: "302", statusDescription: "Found", headers: { location: [{ key: "Location", value: "https://example.de/" }] } };
  }
  if (request.uri === "/gen-origin") return { status: "200", body: "from origin-request" };
  return request;
};`
	const ors = `exports.handler = async (event) => {
  const { request, response } = event.Records[0].cf;
  if (request.uri === "/replace") {
    response.status = "201";
    response.body = "replaced by origin-response";
  }
  return response;
};`
	const vrs = `exports.handler = async (event) => {
  const { request, response } = event.Records[0].cf;
  if (request.uri === "/vr-body") response.body = "replaced by viewer-response";
  return response;
};`
	files := map[string]string{"node.toml": `projects = ["vr", "or", "ors", "vrs"]
[listen]
http = "127.0.0.1:0"
[geo]
db = ["` + writeCityDB(t) + `"]
trusted_proxies = ["127.0.0.0/8"]
[origins.o]
url = "` + o.URL + `"
[[routes]]
pattern = "le.test/*"
origin = "o"
[routes.lambda_edge]
viewer_request = "vr"
origin_request = "or"
include_body = true
[[routes]]
pattern = "resp.test/*"
origin = "o"
[routes.lambda_edge]
origin_response = "ors"
viewer_response = "vrs"
`}
	for name, code := range map[string]string{"vr": vr, "or": or, "ors": ors, "vrs": vrs} {
		// The race detector slows the engine tenfold; this test is about
		// results, not the CPU limit.
		files[name+"/verge.toml"] = "name = \"" + name + "\"\nmain = \"index.js\"\n[limits]\ncpu_ms = 2000\n"
		files[name+"/index.js"] = code
	}
	n := startNode(t, files)
	req := func(method, host, path, client, cookie, body string) result {
		h := map[string]string{"Host": host, "X-Forwarded-For": client}
		if cookie != "" {
			h["Cookie"] = cookie
		}
		if body == "" {
			return n.do(method, n.http+path, h)
		}
		r, err := http.NewRequest(method, n.http+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Host = host
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return result{status: resp.StatusCode, body: string(b), header: resp.Header}
	}
	for _, c := range []struct {
		name, method, host, path, client, cookie, body string
		status                                         int
		want                                           string
	}{
		{"A/B bucket b", "GET", "le.test", "/ab", clientAR, "x=1; ab=b", "", 200, "origin /ab-b.html"},
		{"A/B default", "GET", "le.test", "/ab", clientAR, "", "", 200, "origin /ab-a.html"},
		{"body access", "POST", "le.test", "/body", clientAR, "", "hello edge", 200, "got HELLO EDGE false"},
		{"redirect by country", "GET", "le.test", "/", clientDE, "", "", 302, ""},
		{"no redirect elsewhere", "GET", "le.test", "/", clientAR, "", "", 200, "origin /"},
		{"origin-request response", "GET", "le.test", "/gen-origin", clientAR, "", "", 200, "from origin-request"},
		{"origin-response body", "GET", "resp.test", "/replace", clientAR, "", "", 201, "replaced by origin-response"},
		{"viewer-response body", "GET", "resp.test", "/vr-body", clientAR, "", "", 200, "replaced by viewer-response"},
		{"callback twice: the first wins", "GET", "le.test", "/twice", clientAR, "", "", 200, "origin /twice"},
		{"read-only header", "GET", "le.test", "/readonly", clientAR, "", "", 502, "via"},
		{"generated response too large", "GET", "le.test", "/big", clientAR, "", "", 502, "limit"},
		{"malformed result", "GET", "le.test", "/malformed", clientAR, "", "", 502, "Lambda@Edge viewer-request"},
	} {
		r := req(c.method, c.host, c.path, c.client, c.cookie, c.body)
		if r.status != c.status || !strings.Contains(strings.ToLower(r.body), strings.ToLower(c.want)) {
			t.Errorf("%s: %d %q, want %d containing %q", c.name, r.status, r.body, c.status, c.want)
		}
		if c.name == "redirect by country" && r.header.Get("Location") != "https://example.de/" {
			t.Errorf("%s: Location %q", c.name, r.header.Get("Location"))
		}
	}
}
