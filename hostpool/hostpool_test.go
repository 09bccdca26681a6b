package hostpool

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/verge-edge/verge/bundle"
	"github.com/verge-edge/verge/host"
	"github.com/verge-edge/verge/worker"
)

// The test binary doubles as the isolate host: the pool starts it again
// with VERGE_TEST_HOST=1.
func TestMain(m *testing.M) {
	if os.Getenv("VERGE_TEST_HOST") == "1" {
		if f := os.Getenv("VERGE_TEST_CRASH_FILE"); f != "" {
			if _, err := os.Stat(f); err == nil {
				os.Exit(3) // a host that crashes at start, for the backoff test
			}
		}
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
		defer stop()
		if f := os.Getenv("VERGE_HOST_CPUPROFILE"); f != "" {
			out, err := os.Create(f)
			if err == nil {
				pprof.StartCPUProfile(out)
				defer pprof.StopCPUProfile()
			}
		}
		log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
		if err := host.Run(ctx, host.Options{Log: log}, host.Limits{OpenFiles: 4096}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	os.Exit(m.Run())
}

func startPool(t *testing.T, cfg Config) *Pool {
	t.Helper()
	if cfg.Command == nil {
		cfg.Command = []string{os.Args[0]}
	}
	cfg.Env = append(cfg.Env, "VERGE_TEST_HOST=1")
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.User == "" {
		cfg.User = "root" // the test binary sits in a directory only root can read
	}
	p, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// front is a minimal edge front: every request goes to worker id.
func front(t *testing.T, p *Pool, id string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		p.Serve(rw, r, id, worker.RequestInfo{URL: "http://example.com" + r.URL.RequestURI(),
			CF: map[string]any{"country": "AR", "colo": "EZE"}})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// load loads a worker with a CPU limit far above the default: these tests
// are about processes, and hosts built with the race detector run
// JavaScript about ten times slower (the limits have their own tests in
// package worker).
func load(t testing.TB, p *Pool, id, src string) {
	t.Helper()
	spec := host.Spec{ID: id, Name: id, Code: build(t, src), Limits: worker.Limits{CPU: 2 * time.Second}}
	if err := p.Load(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
}

func build(t testing.TB, src string) []byte {
	t.Helper()
	res, err := bundle.Build(bundle.Options{Source: src, Entry: "worker.js"})
	if err != nil {
		t.Fatal(err)
	}
	return res.Code
}

func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

const hello = `export default { fetch(req) {
	globalThis.n = (globalThis.n || 0) + 1;
	return new Response("hello " + req.cf.country + " " + new URL(req.url).pathname + " " + n,
		{ headers: { "x-worker": "1" } });
} }`

func TestServe(t *testing.T) {
	p := startPool(t, Config{Hosts: 2})
	load(t, p, "hello@1", hello)
	srv := front(t, p, "hello@1")
	for i := 1; i <= 5; i++ {
		code, body, hdr := get(t, srv.URL+"/a/b")
		if want := fmt.Sprintf("hello AR /a/b %d", i); code != 200 || body != want {
			t.Fatalf("request %d: %d %q, want 200 %q", i, code, body, want)
		}
		if hdr.Get("x-worker") != "1" || hdr.Get(host.HeaderStatus) != "" {
			t.Fatalf("headers: %v", hdr)
		}
	}
	// Sequential requests stay on the worker's first host, where global
	// state persists (the counter above), as on Cloudflare.
	first := p.WorkerHosts("hello@1")[0]
	if st := p.Status(); st[first].Workers != 1 || st[1-first].Workers != 0 {
		t.Fatalf("status: %+v", st)
	}
}

func TestLoadError(t *testing.T) {
	p := startPool(t, Config{Hosts: 1})
	err := p.Load(context.Background(), host.Spec{ID: "bad@1", Name: "bad", Code: []byte("var x = {")})
	var le *LoadError
	if !errors.As(err, &le) || le.Status != http.StatusUnprocessableEntity || !strings.Contains(le.Message, "verge-1108") {
		t.Fatalf("err = %v", err)
	}
	srv := front(t, p, "unknown@1")
	if code, body, _ := get(t, srv.URL); code != 503 || !strings.HasPrefix(body, "verge-1110") {
		t.Fatalf("unknown worker: %d %q", code, body)
	}
}

func TestStreamingBodies(t *testing.T) {
	p := startPool(t, Config{Hosts: 1})
	load(t, p, "stream@1", `export default { async fetch(req) {
		if (req.method === "POST") {
			const b = new Uint8Array(await req.arrayBuffer());
			const d = new Uint8Array(await crypto.subtle.digest("SHA-256", b));
			return new Response(b.length + " " + [...d].map(x => x.toString(16).padStart(2, "0")).join(""));
		}
		const { readable, writable } = new TransformStream();
		const w = writable.getWriter();
		(async () => {
			await w.write(new TextEncoder().encode("first\n"));
			await new Promise(r => setTimeout(r, 300));
			await w.write(new TextEncoder().encode("second\n"));
			await w.close();
		})();
		return new Response(readable);
	} }`)
	srv := front(t, p, "stream@1")

	body := make([]byte, 5<<20)
	rand.Read(body)
	resp, err := http.Post(srv.URL, "application/octet-stream", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(string(got), "5242880 ") {
		t.Fatalf("POST: %s", got)
	}

	resp, err = http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 6)
	if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != "first\n" {
		t.Fatalf("first chunk: %q %v", buf, err)
	}
	// The first chunk arrived while the worker was still producing: the
	// front streams instead of buffering.
	rest, _ := io.ReadAll(resp.Body)
	if string(rest) != "second\n" {
		t.Fatalf("rest: %q", rest)
	}
}

// TestHostKilledMidRequest kills the host serving two slow requests: the
// GET is retried on the other host, the POST gets a clean 503, and the
// supervisor restarts the host, which serves again.
func TestHostKilledMidRequest(t *testing.T) {
	p := startPool(t, Config{Hosts: 2, SpreadAt: 100, MinBackoff: 10 * time.Millisecond})
	load(t, p, "slow@1", `export default { async fetch(req) {
		await new Promise(r => setTimeout(r, 500));
		return new Response(req.method + " done");
	} }`)
	srv := front(t, p, "slow@1")
	first := p.WorkerHosts("slow@1")[0]
	pid := p.Status()[first].PID

	var wg sync.WaitGroup
	var getCode, postCode int
	var getBody, postBody string
	wg.Add(2)
	go func() {
		defer wg.Done()
		getCode, getBody, _ = get(t, srv.URL)
	}()
	go func() {
		defer wg.Done()
		resp, err := http.Post(srv.URL, "text/plain", strings.NewReader("x"))
		if err != nil {
			t.Error(err)
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		postCode, postBody = resp.StatusCode, string(b)
	}()
	waitFor(t, "both requests in flight on the first host", func() bool { return p.Status()[first].InFlight == 2 })
	syscall.Kill(pid, syscall.SIGKILL)
	wg.Wait()

	if getCode != 200 || getBody != "GET done" {
		t.Errorf("GET: %d %q, want it retried on the other host", getCode, getBody)
	}
	if postCode != 503 || !strings.HasPrefix(postBody, "verge-1109: isolate host failed") {
		t.Errorf("POST: %d %q, want 503 verge-1109", postCode, postBody)
	}
	waitFor(t, "the host restarted", func() bool {
		st := p.Status()[first]
		return st.Up && st.Restarts == 1 && st.PID != pid
	})
	// After the restart the worker is loaded again on its first host.
	waitFor(t, "the worker pre-warmed on the restarted host", func() bool { return p.hosts[first].has("slow@1") })
	if code, body, _ := get(t, srv.URL); code != 200 || body != "GET done" {
		t.Fatalf("after restart: %d %q", code, body)
	}
}

func TestCrashLoopBackoff(t *testing.T) {
	crash := filepath.Join(t.TempDir(), "crash")
	p := startPool(t, Config{Hosts: 1, MinBackoff: 10 * time.Millisecond, MaxBackoff: 160 * time.Millisecond,
		Env: []string{"VERGE_TEST_CRASH_FILE=" + crash}})
	load(t, p, "hello@1", hello)
	srv := front(t, p, "hello@1")
	if err := os.WriteFile(crash, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	syscall.Kill(p.Status()[0].PID, syscall.SIGKILL)
	waitFor(t, "several failed restarts", func() bool { return p.Status()[0].Restarts >= 5 })
	st := p.Status()[0]
	if st.Up || st.Backoff != 160*time.Millisecond {
		t.Fatalf("status after a crash loop: %+v (want down, backoff at its maximum)", st)
	}
	// Meanwhile requests fail fast and cleanly.
	if code, body, _ := get(t, srv.URL); code != 503 || !strings.HasPrefix(body, "verge-1110") {
		t.Fatalf("while down: %d %q", code, body)
	}
	os.Remove(crash)
	waitFor(t, "the host back up", func() bool { return p.Status()[0].Up })
	if code, body, _ := get(t, srv.URL); code != 200 || !strings.HasPrefix(body, "hello AR / ") {
		t.Fatalf("after recovery: %d %q", code, body)
	}
}

// TestHotWorkerSpreads checks that a worker with many concurrent requests
// is served by more than its first host.
func TestHotWorkerSpreads(t *testing.T) {
	p := startPool(t, Config{Hosts: 2, SpreadAt: 1})
	load(t, p, "hot@1", `export default { async fetch() {
		await new Promise(r => setTimeout(r, 200));
		return new Response("ok");
	} }`)
	srv := front(t, p, "hot@1")
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, body, _ := get(t, srv.URL); code != 200 || body != "ok" {
				t.Errorf("%d %q", code, body)
			}
		}()
	}
	wg.Wait()
	if !p.hosts[0].has("hot@1") || !p.hosts[1].has("hot@1") {
		t.Fatalf("the hot worker did not spread: %+v", p.Status())
	}
}

// TestEvictedWorkerReloads: a host that dropped a worker (memory budget,
// restart) answers unknown-worker and the front loads it again.
func TestEvictedWorkerReloads(t *testing.T) {
	p := startPool(t, Config{Hosts: 1})
	load(t, p, "hello@1", hello)
	srv := front(t, p, "hello@1")
	get(t, srv.URL)
	// Unload behind the pool's back, as the host's LRU eviction does.
	if err := controlRequest(context.Background(), p.hosts[0].ctl, http.MethodDelete, "/workers/hello@1", nil); err != nil {
		t.Fatal(err)
	}
	code, body, _ := get(t, srv.URL)
	if code != 200 || body != "hello AR / 1" {
		t.Fatalf("%d %q, want a fresh VM", code, body)
	}
}

// TestHostsDropPrivileges runs hosts from a copy of the test binary that
// an unprivileged user can execute, and checks their uid and rlimits.
func TestHostsDropPrivileges(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to drop privileges")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	dir, err := os.MkdirTemp("", "verge-host-bin-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, "host")
	src, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, src, 0o755); err != nil {
		t.Fatal(err)
	}
	p := startPool(t, Config{Hosts: 1, Command: []string{bin}, User: "nobody"})
	load(t, p, "hello@1", hello)
	srv := front(t, p, "hello@1")
	if code, _, _ := get(t, srv.URL); code != 200 {
		t.Fatalf("status %d", code)
	}
	pid := p.Status()[0].PID
	status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if !strings.Contains(string(status), "\nUid:\t"+nobody.Uid+"\t"+nobody.Uid+"\t"+nobody.Uid) {
		t.Errorf("host does not run as nobody (uid %s):\n%s", nobody.Uid, status)
	}
	limits, _ := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	for _, want := range []string{"Max core file size        0                    0", "Max open files            4096                 4096"} {
		if !strings.Contains(string(limits), want) {
			t.Errorf("host limits lack %q:\n%s", want, limits)
		}
	}
}

func TestRendezvous(t *testing.T) {
	counts := make([]int, 4)
	moved := 0
	for i := range 4000 {
		id := fmt.Sprintf("worker-%d@v1", i)
		o4 := rendezvous(id, 4)
		o3 := rendezvous(id, 3)
		counts[o4[0]]++
		// Removing host 3 moves only the workers whose first host it was.
		if o4[0] != 3 && o4[0] != o3[0] {
			moved++
		}
		if o4[0] == 3 && o3[0] != o4[1] {
			t.Fatalf("%s: a worker of the removed host must go to its second choice", id)
		}
	}
	if moved != 0 {
		t.Errorf("%d workers moved between surviving hosts", moved)
	}
	for h, c := range counts {
		if c < 800 || c > 1200 {
			t.Errorf("host %d has %d of 4000 workers, want about 1000", h, c)
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// BenchmarkForwardHello measures the front's side of a hello-world request
// forwarded to an isolate host (the request never touches a TCP client).
// With VERGE_HOST_CPUPROFILE=FILE the host writes its own profile.
func BenchmarkForwardHello(b *testing.B) {
	p, err := Start(Config{Hosts: 1, Command: []string{os.Args[0]}, User: "root",
		Env: []string{"VERGE_TEST_HOST=1", "GOMAXPROCS=1"},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	load(b, p, "hello@1", `export default { fetch() { return new Response("Hello from the Edge") } }`)
	info := worker.RequestInfo{URL: "http://example.com/", CF: map[string]any{"country": "AR", "colo": "EZE"}}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			p.Serve(rec, httptest.NewRequest("GET", "http://example.com/", nil), "hello@1", info)
			if rec.Code != 200 {
				b.Fatalf("%d %s", rec.Code, rec.Body)
			}
		}
	})
}

// TestClientGoesAway: a client that gives up while the worker is still
// working frees the front's side at once, and the pool keeps serving.
func TestClientGoesAway(t *testing.T) {
	p := startPool(t, Config{Hosts: 1})
	load(t, p, "slow@1", `export default { async fetch(req) {
		if (new URL(req.url).pathname === "/slow") await new Promise(r => setTimeout(r, 1000));
		return new Response("ok");
	} }`)
	srv := front(t, p, "slow@1")
	get(t, srv.URL+"/") // warm a connection
	before := runtime.NumGoroutine()
	client := &http.Client{Timeout: 100 * time.Millisecond}
	for range 5 {
		if _, err := client.Get(srv.URL + "/slow"); err == nil {
			t.Fatal("the slow request did not time out")
		}
	}
	if code, body, _ := get(t, srv.URL+"/"); code != 200 || body != "ok" {
		t.Fatalf("after abandoned requests: %d %q", code, body)
	}
	client.CloseIdleConnections()
	http.DefaultClient.CloseIdleConnections()
	waitFor(t, "the abandoned requests' goroutines to end", func() bool { return runtime.NumGoroutine() <= before+2 })
}

// TestCanceledRequestsLeaveConnsUsable cancels requests at every moment of
// their exchange with the host; the next request must still succeed. A
// cancellation that expired the connection just after its response was
// read once put the expired connection back in the pool, and the next
// request on it failed.
func TestCanceledRequestsLeaveConnsUsable(t *testing.T) {
	p := startPool(t, Config{Hosts: 1})
	load(t, p, "hello@1", hello)
	serve := func(ctx context.Context) int {
		r := httptest.NewRequestWithContext(ctx, "GET", "http://example.com/", nil)
		rec := httptest.NewRecorder()
		p.Serve(rec, r, "hello@1", worker.RequestInfo{URL: "http://example.com/", CF: map[string]any{"country": "AR"}})
		return rec.Code
	}
	if code := serve(context.Background()); code != 200 {
		t.Fatalf("status %d", code)
	}
	start := time.Now()
	serve(context.Background())
	took := time.Since(start)
	for i := range 400 {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { serve(ctx); close(done) }()
		time.Sleep(took * time.Duration(i%20) / 16)
		cancel()
		<-done
		if code := serve(context.Background()); code != 200 {
			t.Fatalf("after a request canceled %v in: status %d", took*time.Duration(i%20)/16, code)
		}
	}
}

func TestWriteHeader(t *testing.T) {
	h := http.Header{
		"X-A":          {"1", " 2 "},
		"X-Broken":     {"a\r\nInjected: yes", "b\nc"},
		"Bad Name":     {"dropped"},
		"Verge-Worker": {"a client's own protocol header, dropped"},
	}
	var b strings.Builder
	bw := bufio.NewWriter(&b)
	writeHeader(bw, h)
	bw.Flush()
	lines := strings.Split(strings.TrimSuffix(b.String(), "\r\n"), "\r\n")
	slices.Sort(lines)
	want := []string{"X-A: 1", "X-A: 2", "X-Broken: a Injected: yes", "X-Broken: b c"}
	if !slices.Equal(lines, want) {
		t.Fatalf("wrote %q, want %q", lines, want)
	}
}

// TestOnlyHostKilledMidRequest: with no other host to retry on, a GET
// whose host died gets 503 verge-1109 (the host failed), not 1110.
func TestOnlyHostKilledMidRequest(t *testing.T) {
	p := startPool(t, Config{Hosts: 1, MinBackoff: 10 * time.Millisecond})
	load(t, p, "slow@1", `export default { async fetch() {
		await new Promise(r => setTimeout(r, 500));
		return new Response("done");
	} }`)
	srv := front(t, p, "slow@1")
	pid := p.Status()[0].PID
	done := make(chan struct{})
	var code int
	var body string
	go func() { code, body, _ = get(t, srv.URL); close(done) }()
	waitFor(t, "the request in flight", func() bool { return p.Status()[0].InFlight == 1 })
	syscall.Kill(pid, syscall.SIGKILL)
	<-done
	if code != 503 || !strings.HasPrefix(body, "verge-1109") {
		t.Fatalf("GET on the dead only host: %d %q, want 503 verge-1109", code, body)
	}
}
