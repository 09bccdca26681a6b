// Package e2e drives real HTTP requests through verge dev's server: real
// bundles, real workers, real bytes.
package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/verge-edge/verge/devserver"
	"github.com/verge-edge/verge/worker"
)

// syncBuffer collects the dev server's output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type dev struct {
	*devserver.Server
	out *syncBuffer
}

// start runs verge dev on a free port of 127.0.0.1.
func start(t *testing.T, opts devserver.Options) *dev {
	t.Helper()
	out := &syncBuffer{}
	opts.Out = out
	opts.Port = 0
	opts.Host = "127.0.0.1"
	if opts.Limits == nil {
		// Generous CPU: tests run under the race detector on a noisy
		// 2-core machine. Limit tests set their own.
		opts.Limits = &worker.Limits{CPU: 5 * time.Second}
	}
	s, err := devserver.New(opts)
	if err != nil {
		t.Fatalf("devserver.New: %v", err)
	}
	if err := s.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if !strings.Contains(out.String(), "Ready on http://127.0.0.1:") {
		t.Fatalf("no Ready line in %q", out.String())
	}
	return &dev{s, out}
}

// writeWorker writes files into a temp folder and returns the folder.
func writeWorker(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type response struct {
	status int
	header http.Header
	body   string
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, r.body)
	}
	return m
}

func do(t *testing.T, method, url string, body io.Reader, header map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		if strings.EqualFold(k, "Host") {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return response{res.StatusCode, res.Header, string(b)}
}

func get(t *testing.T, url string) response { return do(t, "GET", url, nil, nil) }

// eventually polls cond for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestHelloExample(t *testing.T) {
	d := start(t, devserver.Options{Entry: "../../examples/hello"})
	r := get(t, d.URL()+"/")
	if r.status != 200 || r.body != "Hello from the Edge" {
		t.Fatalf("got %d %q", r.status, r.body)
	}
	eventually(t, "request log line", func() bool { return strings.Contains(d.out.String(), "GET / 200 ") })
}

func TestHandlerStyles(t *testing.T) {
	tests := []struct {
		name, file, src, want string
	}{
		{"modules", "w.js", `export default { async fetch(req, env, ctx) { return new Response("modules " + new URL(req.url).pathname) } }`, "modules /x"},
		{"service worker", "w.js", `addEventListener("fetch", e => e.respondWith(new Response("sw " + e.request.method)))`, "sw GET"},
		{"vercel function", "w.js", `export default function handler(request) { return new Response("vercel") }`, "vercel"},
		{"vercel async arrow", "w.js", `export default async (req) => new Response("arrow")`, "arrow"},
		{"typescript", "w.ts", `interface Env { A: string }
			const greet = (n: string): string => "ts " + n;
			export default { fetch(req: Request, env: Env): Response { return new Response(greet("ok")) } }`, "ts ok"},
		{"local import", "w.js", `import { msg } from "./lib.js"; export default { fetch: () => new Response(msg) }`, "from lib"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeWorker(t, map[string]string{tt.file: tt.src, "lib.js": `export const msg = "from lib"`})
			d := start(t, devserver.Options{Entry: filepath.Join(dir, tt.file)})
			if r := get(t, d.URL()+"/x"); r.status != 200 || r.body != tt.want {
				t.Fatalf("got %d %q, want %q\n%s", r.status, r.body, tt.want, d.out)
			}
		})
	}
}

func TestEnvVarsAndWaitUntil(t *testing.T) {
	dir := writeWorker(t, map[string]string{
		"verge.toml": "name = \"envtest\"\nmain = \"index.js\"\n[vars]\nA = \"from toml\"\nB = \"toml b\"\n",
		"index.js": `export default { fetch(req, env, ctx) {
				ctx.waitUntil(new Promise(r => setTimeout(r, 30)).then(() => console.log("waitUntil ran after the response")));
				return Response.json({ A: env.A, B: env.B, keys: Object.keys(env).sort() });
			} }`,
	})
	d := start(t, devserver.Options{Entry: dir, Vars: map[string]string{"B": "from flag", "C": "c"}})
	got := get(t, d.URL()+"/").json(t)
	if got["A"] != "from toml" || got["B"] != "from flag" {
		t.Errorf("env = %v", got)
	}
	// Seen in the log rather than in a later response, which may be served
	// by another VM of the pool.
	eventually(t, "waitUntil work to run after the response", func() bool {
		return strings.Contains(d.out.String(), "waitUntil ran after the response")
	})
}

func TestGeoPricingWithCF(t *testing.T) {
	d := start(t, devserver.Options{Entry: "../../examples/geo-pricing/worker.js", CF: `{"country":"AR","city":"Buenos Aires"}`})
	got := get(t, d.URL()+"/").json(t)
	if got["currency"] != "ARS" || got["country"] != "AR" {
		t.Fatalf("pricing = %v", got)
	}
	pro := got["plans"].(map[string]any)["pro"].(map[string]any)
	if pro["total"].(float64) != 30250 {
		t.Errorf("pro total = %v, want 25*1000*1.21", pro["total"])
	}
}

func TestDefaultCFInDev(t *testing.T) {
	dir := writeWorker(t, map[string]string{"w.js": `export default { fetch: (req) => Response.json(req.cf) }`})
	d := start(t, devserver.Options{Entry: filepath.Join(dir, "w.js")})
	cf := get(t, d.URL()+"/").json(t)
	if cf["country"] != "US" || cf["colo"] != "DEV" {
		t.Errorf("default cf = %v", cf)
	}
}

func TestErrorsAreClearAndServerKeepsServing(t *testing.T) {
	tests := []struct {
		name, src  string
		status     int
		bodyHas    []string
		logHas     []string
		loadFailed bool
	}{
		{name: "thrown exception", status: 500,
			src:     "export default {\n  fetch() {\n    return helper();\n  }\n};\nfunction helper() {\n  throw new Error(\"boom at line 7\");\n}\n",
			bodyHas: []string{"verge-1101", "boom at line 7"}, logHas: []string{"w.js:7"}},
		{name: "rejected promise", status: 500,
			src:     `export default { async fetch() { await null; throw new TypeError("async nope") } }`,
			bodyHas: []string{"verge-1101", "TypeError: async nope"}},
		{name: "non-Response", status: 500,
			src:     `export default { fetch() { return "just a string" } }`,
			bodyHas: []string{"did not return a Response", "string"}},
		{name: "never settles", status: 500,
			src:     `export default { fetch() { return new Promise(() => {}) } }`,
			bodyHas: []string{"verge-1105"}},
		{name: "no handler", loadFailed: true,
			src:     `export const notAHandler = 1;`,
			bodyHas: []string{"No fetch handler found"}},
		{name: "syntax error", loadFailed: true,
			src:     "export default {\n  fetch() { return new Response( }\n};\n",
			bodyHas: []string{"w.js:2:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeWorker(t, map[string]string{"w.js": tt.src})
			d := start(t, devserver.Options{Entry: filepath.Join(dir, "w.js")})
			r := get(t, d.URL()+"/")
			if tt.loadFailed {
				if r.status != 500 {
					t.Errorf("status %d", r.status)
				}
			} else if r.status != tt.status {
				t.Errorf("status %d, want %d; body %q", r.status, tt.status, r.body)
			}
			for _, s := range tt.bodyHas {
				if !strings.Contains(r.body, s) && !strings.Contains(d.out.String(), s) {
					t.Errorf("neither body %q nor log mention %q\nlog:\n%s", r.body, s, d.out)
				}
			}
			for _, s := range tt.logHas {
				if !strings.Contains(d.out.String(), s) {
					t.Errorf("log lacks %q:\n%s", s, d.out)
				}
			}
			// The server still answers.
			if r2 := get(t, d.URL()+"/again"); r2.status == 0 {
				t.Error("server stopped answering")
			}
		})
	}
}

func TestHotReloadAndSyntaxErrorKeepsLastGoodVersion(t *testing.T) {
	dir := writeWorker(t, map[string]string{
		"w.js":   `import { v } from "./v.js"; export default { fetch: () => new Response("v" + v) }`,
		"v.js":   `export const v = 1;`,
		"unused": "",
	})
	d := start(t, devserver.Options{Entry: filepath.Join(dir, "w.js"), Watch: true})
	if r := get(t, d.URL()+"/"); r.body != "v1" {
		t.Fatalf("body %q", r.body)
	}
	builds := d.Builds()
	// Edit an imported module: the worker reloads.
	os.WriteFile(filepath.Join(dir, "v.js"), []byte(`export const v = 2;`), 0o644)
	eventually(t, "reload after edit", func() bool { return get(t, d.URL()+"/").body == "v2" })
	if d.Builds() <= builds {
		t.Errorf("builds %d -> %d", builds, d.Builds())
	}
	// A syntax error is reported with file:line and v2 keeps serving.
	os.WriteFile(filepath.Join(dir, "v.js"), []byte("export const v = ;\n"), 0o644)
	eventually(t, "syntax error report", func() bool { return strings.Contains(d.out.String(), "v.js:1:") })
	if r := get(t, d.URL()+"/"); r.body != "v2" {
		t.Errorf("after a broken edit: %q", r.body)
	}
	// Fixing it reloads again.
	os.WriteFile(filepath.Join(dir, "v.js"), []byte(`export const v = 3;`), 0o644)
	eventually(t, "reload after fix", func() bool { return get(t, d.URL()+"/").body == "v3" })
}

func TestConsoleOutputIsShown(t *testing.T) {
	dir := writeWorker(t, map[string]string{"w.js": `export default { fetch() {
		console.log("hello", { a: 1 }); console.warn("careful"); console.error("bad");
		return new Response("ok") } }`})
	d := start(t, devserver.Options{Entry: filepath.Join(dir, "w.js")})
	get(t, d.URL()+"/")
	for _, s := range []string{"hello { a: 1 }", "careful", "bad"} {
		if !strings.Contains(d.out.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, d.out)
		}
	}
}

func TestCPULimit(t *testing.T) {
	dir := writeWorker(t, map[string]string{"w.js": `export default { fetch(req) {
		if (new URL(req.url).pathname === "/spin") for (;;) {}
		return new Response("fine") } }`})
	d := start(t, devserver.Options{Entry: filepath.Join(dir, "w.js"), Limits: &worker.Limits{CPU: 50 * time.Millisecond}})
	r := get(t, d.URL()+"/spin")
	if r.status != 503 || !strings.Contains(r.body, "verge-1102") {
		t.Fatalf("got %d %q", r.status, r.body)
	}
	if r := get(t, d.URL()+"/"); r.status != 200 || r.body != "fine" {
		t.Fatalf("after the limit: %d %q", r.status, r.body)
	}
}

func TestConfigReload(t *testing.T) {
	dir := writeWorker(t, map[string]string{
		"verge.toml": "name = \"cfg\"\nmain = \"w.js\"\n[vars]\nMSG = \"one\"\n",
		"w.js":       `export default { fetch: (r, env) => new Response(env.MSG) }`,
	})
	d := start(t, devserver.Options{Entry: dir, Watch: true})
	if r := get(t, d.URL()+"/"); r.body != "one" {
		t.Fatalf("body %q", r.body)
	}
	os.WriteFile(filepath.Join(dir, "verge.toml"), []byte("name = \"cfg\"\nmain = \"w.js\"\n[vars]\nMSG = \"two\"\n"), 0o644)
	eventually(t, "reload after verge.toml edit", func() bool { return get(t, d.URL()+"/").body == "two" })
	os.WriteFile(filepath.Join(dir, "verge.toml"), []byte("name = \"cfg\"\nmian = \"w.js\"\n"), 0o644)
	eventually(t, "config error report", func() bool { return strings.Contains(d.out.String(), `did you mean "main"`) })
	if r := get(t, d.URL()+"/"); r.body != "two" {
		t.Errorf("after a broken verge.toml: %q", r.body)
	}
}

func TestPassThroughOnException(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write([]byte("origin got " + r.Method + " " + r.URL.Path + " " + string(b)))
	}))
	defer origin.Close()
	dir := writeWorker(t, map[string]string{
		"verge.toml": "name = \"pt\"\nmain = \"w.js\"\norigin = \"" + origin.URL + "\"\n",
		"w.js": `export default { fetch(req, env, ctx) {
			const p = new URL(req.url).pathname;
			if (p === "/pass") ctx.passThroughOnException();
			throw new Error("worker bug");
		} }`,
	})
	d := start(t, devserver.Options{Entry: dir})
	if r := do(t, "POST", d.URL()+"/pass", strings.NewReader("body"), nil); r.status != 200 || r.body != "origin got POST /pass body" {
		t.Errorf("pass through: %d %q", r.status, r.body)
	}
	if r := get(t, d.URL()+"/nopass"); r.status != 500 {
		t.Errorf("without passThroughOnException: %d %q", r.status, r.body)
	}
}

func TestVercelGeoHeaders(t *testing.T) {
	dir := writeWorker(t, map[string]string{"w.js": `export default function handler(req) {
		return Response.json({ country: req.headers.get("x-vercel-ip-country"), city: req.headers.get("x-vercel-ip-city") }) }`})
	d := start(t, devserver.Options{Entry: filepath.Join(dir, "w.js"), CF: `{"country":"AR","city":"Buenos Aires"}`})
	got := get(t, d.URL()+"/").json(t)
	if got["country"] != "AR" || got["city"] != "Buenos%20Aires" {
		t.Errorf("vercel headers: %v", got)
	}
	// The edge sets them; a client's own are dropped, never combined.
	got = do(t, "GET", d.URL()+"/", nil, map[string]string{"X-Vercel-Ip-Country": "XX"}).json(t)
	if got["country"] != "AR" {
		t.Errorf("with a forged x-vercel-ip-country: %v", got)
	}
}
