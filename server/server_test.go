package server

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"

	"github.com/verge-edge/verge/host"
)

// The test binary doubles as the isolate host.
func TestMain(m *testing.M) {
	if os.Getenv("VERGE_TEST_HOST") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
		defer stop()
		if f := os.Getenv("VERGE_HOST_CPUPROFILE"); f != "" { // see BenchmarkServeHello
			if out, err := os.Create(f); err == nil {
				pprof.StartCPUProfile(out)
			}
		}
		err := host.Run(ctx, host.Options{Log: slog.New(slog.NewJSONHandler(os.Stderr, nil))}, host.Limits{})
		pprof.StopCPUProfile()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// node writes projects and node.toml into a temp folder, starts the
// server on a free loopback port and returns its base URLs.
type node struct {
	t     testing.TB
	dir   string
	srv   *Server
	http  string
	tls   string
	admin string
}

func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func startNode(t testing.TB, files map[string]string) *node {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, files)
	cfg, err := LoadNode(filepath.Join(dir, "node.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Hosts.Count == 0 {
		cfg.Hosts.Count = 1
	}
	cfg.Hosts.User = "root" // the test binary is only readable by root
	var logTo io.Writer = io.Discard
	if os.Getenv("VERGE_TEST_LOG") != "" {
		logTo = os.Stderr // the front's and the hosts' logs
	}
	log := slog.New(slog.NewTextHandler(logTo, nil))
	srv, err := New(cfg, Options{HostCommand: []string{os.Args[0]}, HostEnv: []string{"VERGE_TEST_HOST=1"},
		Log: log, ConfigPath: filepath.Join(dir, "node.toml")})
	if err != nil {
		t.Fatal(err)
	}
	n := &node{t: t, dir: dir, srv: srv}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan Addrs)
	done := make(chan error)
	go func() { done <- srv.ListenAndServe(ctx, func(a Addrs) { ready <- a }) }()
	a := <-ready
	n.http, n.tls, n.admin = a.HTTP, a.HTTPS, a.Admin
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return n
}

type result struct {
	status int
	body   string
	header http.Header
	proto  string
}

func (n *node) do(method, url string, hdr map[string]string) result {
	n.t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		n.t.Fatal(err)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
		} else {
			req.Header.Set(k, v)
		}
	}
	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true},
		ForceAttemptHTTP2: true,
	}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{resp.StatusCode, string(b), resp.Header, resp.Proto}
}

// echoWorker answers with what it saw, as JSON.
const echoWorker = `export default { async fetch(req, env) {
	const h = Object.fromEntries(req.headers);
	return Response.json({ worker: env.NAME, url: req.url, cf: req.cf, headers: h });
} }`

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
	return m
}

func TestRoutesWorkersAndOrigins(t *testing.T) {
	var mu sync.Mutex
	var originSaw []*http.Request
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		originSaw = append(originSaw, r.Clone(context.Background()))
		mu.Unlock()
		fmt.Fprintf(w, "origin %s %s", r.Host, r.URL.RequestURI())
	}))
	defer origin.Close()

	n := startNode(t, map[string]string{
		"node.toml": `colo = "EZE"
projects = ["shop", "www"]
[listen]
http = "127.0.0.1:0"
[origins.static]
url = "` + origin.URL + `"
host_header = "origin"
[[routes]]
pattern = "shop.test/assets/*"
origin = "static"
`,
		"shop/verge.toml": `name = "shop"
main = "worker.js"
routes = ["shop.test/*", "shop.test/api/exact"]
origin = "` + origin.URL + `"
[vars]
NAME = "shop"
`,
		"shop/worker.js": `export default { async fetch(req, env) {
			const u = new URL(req.url);
			if (u.pathname === "/api/exact") return new Response("exact");
			if (u.pathname.startsWith("/pass")) return fetch(req);
			return new Response("shop " + u.pathname + " " + req.cf.colo);
		} }`,
		"www/verge.toml": "name = \"www\"\nmain = \"worker.js\"\nroutes = [\"*.example.com/*\"]\n[vars]\nNAME = \"www\"\n",
		"www/worker.js":  echoWorker,
	})

	cases := []struct{ host, path, want string }{
		{"shop.test", "/", "shop / EZE"},
		{"shop.test", "/api/exact", "exact"},
		{"shop.test", "/api/other", "shop /api/other EZE"},
		{"shop.test:8080", "/x", "shop /x EZE"},
		{"SHOP.TEST", "/x", "shop /x EZE"},
		{"shop.test", "/assets/app.css", "origin " + strings.TrimPrefix(origin.URL, "http://") + " /assets/app.css"},
		// fetch(request) to the worker's own host goes to its origin, with
		// the Host header kept, as on Cloudflare.
		{"shop.test", "/pass/x?q=1", "origin shop.test /pass/x?q=1"},
	}
	for _, c := range cases {
		r := n.do("GET", n.http+c.path, map[string]string{"Host": c.host})
		if r.status != 200 || r.body != c.want {
			t.Errorf("%s%s: %d %q, want %q", c.host, c.path, r.status, r.body, c.want)
		}
	}
	r := n.do("GET", n.http+"/a?b=1", map[string]string{"Host": "blog.example.com"})
	m := decode(t, r.body)
	if m["worker"] != "www" || m["url"] != "http://blog.example.com/a?b=1" {
		t.Errorf("wildcard host: %v", m)
	}
	if r := n.do("GET", n.http+"/", map[string]string{"Host": "nobody.test"}); r.status != 404 || !strings.Contains(r.body, "no route for nobody.test/") {
		t.Errorf("unknown host: %d %q", r.status, r.body)
	}
	// Origin requests carry the client address in the usual headers, and
	// a client cannot forge them.
	n.do("GET", n.http+"/assets/x", map[string]string{"Host": "shop.test", "X-Forwarded-For": "6.6.6.6", "CF-Connecting-IP": "6.6.6.6"})
	mu.Lock()
	last := originSaw[len(originSaw)-1]
	mu.Unlock()
	if got := last.Header.Get("X-Forwarded-For"); got != "127.0.0.1" {
		t.Errorf("X-Forwarded-For %q", got)
	}
	if got := last.Header.Get("CF-Connecting-IP"); got != "127.0.0.1" {
		t.Errorf("CF-Connecting-IP %q", got)
	}
	if got := last.Header.Get("Forwarded"); got != "for=127.0.0.1;host=shop.test;proto=http" {
		t.Errorf("Forwarded %q", got)
	}
}

// writeCityDB writes a City database placing 181.0.0.0/12 in Buenos
// Aires and 2.16.0.0/13 in Berlin, and returns its path.
//
// writeASNDB writes an ASN database putting 181.0.0.0/12 in AS 7303.
func writeASNDB(t testing.TB) string {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "GeoLite2-ASN", RecordSize: 28})
	if err != nil {
		t.Fatal(err)
	}
	_, ipn, _ := net.ParseCIDR("181.0.0.0/12")
	if err := tree.Insert(ipn, mmdbtype.Map{"autonomous_system_number": mmdbtype.Uint32(7303),
		"autonomous_system_organization": mmdbtype.String("Telecom Argentina S.A.")}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "asn.mmdb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := tree.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeCityDB(t testing.TB) string {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "GeoLite2-City", RecordSize: 28})
	if err != nil {
		t.Fatal(err)
	}
	for cidr, rec := range map[string][3]string{"181.0.0.0/12": {"AR", "SA", "Buenos Aires"}, "2.16.0.0/13": {"DE", "EU", "Berlin"},
		"2800:810::/32": {"AR", "SA", "Buenos Aires"}, "2a02:8100::/27": {"DE", "EU", "Berlin"}} {
		_, ipn, _ := net.ParseCIDR(cidr)
		err := tree.Insert(ipn, mmdbtype.Map{
			"country":   mmdbtype.Map{"iso_code": mmdbtype.String(rec[0])},
			"continent": mmdbtype.Map{"code": mmdbtype.String(rec[1])},
			"city":      mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String(rec[2])}},
			"subdivisions": mmdbtype.Slice{mmdbtype.Map{"iso_code": mmdbtype.String(rec[0][:1]),
				"names": mmdbtype.Map{"en": mmdbtype.String(rec[2] + " region")}}},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "city.mmdb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := tree.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestGeoAndTrustedProxies(t *testing.T) {
	db := writeCityDB(t)
	var originSaw atomic.Pointer[http.Header]
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Clone()
		originSaw.Store(&h)
	}))
	defer origin.Close()

	n := startNode(t, map[string]string{
		"node.toml": `colo = "GRU"
projects = ["echo"]
[listen]
http = "127.0.0.1:0"
[geo]
db = ["` + db + `"]
trusted_proxies = ["127.0.0.0/8", "10.0.0.0/8"]
[origins.o]
url = "` + origin.URL + `"
geo_headers = ["cloudflare", "vercel", "cloudfront"]
[[routes]]
pattern = "origin.test/*"
origin = "o"
`,
		"echo/verge.toml": "name = \"echo\"\nmain = \"worker.js\"\n",
		"echo/worker.js":  echoWorker,
	})
	// The peer 127.0.0.1 is a trusted proxy: the last untrusted
	// X-Forwarded-For entry is the client. An earlier, client-written
	// entry (2.16.0.1) is not believed.
	r := n.do("GET", n.http+"/", map[string]string{"X-Forwarded-For": "2.16.0.1, 181.1.2.3, 10.1.1.1"})
	m := decode(t, r.body)
	cf := m["cf"].(map[string]any)
	hdr := m["headers"].(map[string]any)
	if cf["country"] != "AR" || cf["city"] != "Buenos Aires" || cf["colo"] != "GRU" {
		t.Errorf("request.cf: %v", cf)
	}
	for k, want := range map[string]string{"x-vercel-ip-country": "AR", "cloudfront-viewer-country": "AR",
		"x-real-ip": "181.1.2.3", "cf-connecting-ip": "181.1.2.3", "x-vercel-ip-city": "Buenos%20Aires"} {
		if hdr[k] != want {
			t.Errorf("header %s = %v, want %s", k, hdr[k], want)
		}
	}
	for k := range hdr {
		if strings.HasPrefix(k, "verge-") {
			t.Errorf("protocol header %s leaked to the worker", k)
		}
	}
	// Headers the edge sets cannot be forged by the client, nor can the
	// protocol header that carries them to the isolate host.
	r = n.do("GET", n.http+"/", map[string]string{"X-Forwarded-For": "181.1.2.3", "X-Real-Ip": "6.6.6.6",
		"X-Vercel-Ip-Country": "XX", "Cloudfront-Viewer-City": "Nowhere", "Verge-Headers": "x-evil\tyes"})
	hdr = decode(t, r.body)["headers"].(map[string]any)
	for k, want := range map[string]any{"x-real-ip": "181.1.2.3", "x-vercel-ip-country": "AR",
		"cloudfront-viewer-city": "Buenos Aires", "x-evil": nil} {
		if hdr[k] != want {
			t.Errorf("forged: header %s = %v, want %v", k, hdr[k], want)
		}
	}
	// The origin gets the configured geo header sets; forged ones are dropped.
	n.do("GET", n.http+"/", map[string]string{"Host": "origin.test", "X-Forwarded-For": "181.1.2.3", "X-Vercel-Ip-Postal-Code": "forged"})
	oh := *originSaw.Load()
	for k, want := range map[string]string{"Cf-Ipcountry": "AR", "X-Vercel-Ip-Country": "AR", "Cloudfront-Viewer-Country": "AR", "X-Vercel-Ip-Postal-Code": ""} {
		if got := oh.Get(k); got != want {
			t.Errorf("origin header %s = %q, want %q", k, got, want)
		}
	}
}

func TestHTTPSAndHTTP2(t *testing.T) {
	n := startNode(t, map[string]string{
		"node.toml":       "projects = [\"echo\"]\n[listen]\nhttps = \"127.0.0.1:0\"\nself_signed = true\n",
		"echo/verge.toml": "name = \"echo\"\nmain = \"worker.js\"\n",
		"echo/worker.js":  echoWorker,
	})
	r := n.do("GET", n.tls+"/", nil)
	if r.status != 200 || r.proto != "HTTP/2.0" {
		t.Fatalf("%d %s", r.status, r.proto)
	}
	cf := decode(t, r.body)["cf"].(map[string]any)
	if cf["httpProtocol"] != "HTTP/2" || cf["tlsVersion"] != "TLSv1.3" || !strings.HasPrefix(decode(t, r.body)["url"].(string), "https://") {
		t.Errorf("request.cf over TLS: %v", cf)
	}
}

func TestReload(t *testing.T) {
	n := startNode(t, map[string]string{
		"node.toml":      "projects = [\"app\"]\n[listen]\nhttp = \"127.0.0.1:0\"\n",
		"app/verge.toml": "name = \"app\"\nmain = \"worker.js\"\n",
		"app/worker.js":  `export default { fetch() { return new Response("v1"); } }`,
	})
	if r := n.do("GET", n.http+"/", nil); r.body != "v1" {
		t.Fatalf("v1: %q", r.body)
	}
	writeFiles(t, n.dir, map[string]string{"app/worker.js": `export default { fetch() { return new Response("v2"); } }`})
	if err := n.srv.Reload(); err != nil {
		t.Fatal(err)
	}
	if r := n.do("GET", n.http+"/", nil); r.body != "v2" {
		t.Fatalf("after reload: %q", r.body)
	}
	// A broken version is refused and v2 keeps serving.
	writeFiles(t, n.dir, map[string]string{"app/worker.js": `export default { fetch() { return new Response("v3") }`})
	if err := n.srv.Reload(); err == nil || !strings.Contains(err.Error(), "worker.js") {
		t.Fatalf("broken reload: %v", err)
	}
	writeFiles(t, n.dir, map[string]string{"node.toml": "projects = [\"app\"]\nbogus = 1\n[listen]\nhttp = \"127.0.0.1:0\"\n"})
	if err := n.srv.Reload(); err == nil || !strings.Contains(err.Error(), "unknown key bogus") {
		t.Fatalf("broken node.toml: %v", err)
	}
	if r := n.do("GET", n.http+"/", nil); r.body != "v2" {
		t.Fatalf("after failed reloads: %q", r.body)
	}
}

// TestGracefulShutdown: a request in flight when the server is told to
// stop still gets its response.
func TestGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"app/verge.toml": "name = \"app\"\nmain = \"worker.js\"\n",
		"app/worker.js": `export default { async fetch() {
			await new Promise(r => setTimeout(r, 300));
			return new Response("finished");
		} }`,
	})
	cfg, err := ParseNode([]byte("projects = [\"app\"]\n[listen]\nhttp = \"127.0.0.1:0\"\n[hosts]\ncount = 1\nuser = \"root\"\n"), dir, "node.toml")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(cfg, Options{HostCommand: []string{os.Args[0]}, HostEnv: []string{"VERGE_TEST_HOST=1"},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan Addrs)
	done := make(chan error)
	go func() { done <- srv.ListenAndServe(ctx, func(a Addrs) { ready <- a }) }()
	base := (<-ready).HTTP
	got := make(chan string)
	go func() {
		resp, err := http.Get(base + "/")
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	time.Sleep(100 * time.Millisecond) // let the request reach the worker
	cancel()
	if b := <-got; b != "finished" {
		t.Errorf("in-flight request: %q", b)
	}
	if err := <-done; err != nil {
		t.Error(err)
	}
}

func TestNodeConfigErrors(t *testing.T) {
	for src, want := range map[string]string{
		"":                                    "listen: give http or https",
		"[listen]\nhttps = \":443\"\n":        "https needs cert and key",
		"[listen]\nhttp = \":80\"\nfoo = 1\n": "unknown key listen.foo",
		"[listen]\nhttp = \":80\"\n[origins.a]\nurl = \"ftp://x\"\n":                    `origins.a.url: "ftp://x" is not an http(s) URL`,
		"[listen]\nhttp = \":80\"\n[[routes]]\npattern = \"a.com\"\norigin = \"x\"\n":   "routes[0].pattern",
		"[listen]\nhttp = \":80\"\n[[routes]]\npattern = \"a.com/*\"\norigin = \"x\"\n": `no origin named "x"`,
		"[listen]\nhttp = \":80\"\n[geo]\ntrusted_proxies = [\"nope\"]\n":               `"nope" is not a CIDR`,
		"colo = 3\n": `line 1 (last key "colo")`,
	} {
		_, err := ParseNode([]byte(src), "/", "node.toml")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want it to mention %q", src, err, want)
		}
	}
}

func TestRouteSpecificity(t *testing.T) {
	var rs []route
	for _, p := range []string{"*/*", "*.example.com/*", "shop.example.com/*", "shop.example.com/api/*", "shop.example.com/api/v1", "*.example.com/api/*"} {
		pt, err := parsePattern(p)
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, route{pattern: pt})
	}
	tb := newTable(rs)
	for _, c := range [][3]string{
		{"shop.example.com", "/api/v1", "shop.example.com/api/v1"},
		{"shop.example.com", "/api/v2", "shop.example.com/api/*"},
		{"shop.example.com", "/", "shop.example.com/*"},
		{"blog.example.com", "/api/x", "*.example.com/api/*"},
		{"blog.example.com", "/", "*.example.com/*"},
		{"example.org", "/", "*/*"},
		{"[::1]:8080", "/", "*/*"},
	} {
		r, ok := tb.match(c[0], c[1])
		if !ok || r.raw != c[2] {
			t.Errorf("%s%s matched %q, want %q", c[0], c[1], r.raw, c[2])
		}
	}
	if _, err := parsePattern("a*.com/*"); err == nil {
		t.Error("a mid-host wildcard was accepted")
	}
}

func TestOriginHealthFailover(t *testing.T) {
	var sick atomic.Bool
	primary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" && sick.Load() {
			http.Error(w, "sick", 500)
			return
		}
		io.WriteString(w, "primary")
	}))
	defer primary.Close()
	secondary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "secondary")
	}))
	defer secondary.Close()
	n := startNode(t, map[string]string{
		"node.toml": `[listen]
http = "127.0.0.1:0"
[origins.main]
url = "` + primary.URL + `"
health_check = "/healthz"
health_interval = "20ms"
fallback = "backup"
[origins.backup]
url = "` + secondary.URL + `"
[[routes]]
pattern = "*/*"
origin = "main"
`})
	body := func() string { return n.do("GET", n.http+"/", nil).body }
	if b := body(); b != "primary" {
		t.Fatalf("healthy: %q", b)
	}
	sick.Store(true)
	waitUntil(t, "traffic fails over to the backup", func() bool { return body() == "secondary" })
	sick.Store(false)
	waitUntil(t, "traffic returns to the primary", func() bool { return body() == "primary" })
}

func TestCompressionThroughWorker(t *testing.T) {
	n := startNode(t, map[string]string{
		"node.toml":      "projects = [\"app\"]\n[listen]\nhttp = \"127.0.0.1:0\"\n",
		"app/verge.toml": "name = \"app\"\nmain = \"worker.js\"\n",
		"app/worker.js":  "export default { fetch() { return new Response(\"edge \".repeat(2000), { headers: { \"content-type\": \"text/plain\" } }); } }",
	})
	r := n.do("GET", n.http+"/", map[string]string{"Accept-Encoding": "br"})
	if r.header.Get("Content-Encoding") != "br" || len(r.body) > 1000 {
		t.Fatalf("Content-Encoding %q, %d bytes", r.header.Get("Content-Encoding"), len(r.body))
	}
	plain, err := io.ReadAll(brotli.NewReader(strings.NewReader(r.body)))
	if err != nil || string(plain) != strings.Repeat("edge ", 2000) {
		t.Fatalf("decoded %d bytes, %v", len(plain), err)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
