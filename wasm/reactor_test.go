package wasm

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/verge-edge/verge/edgeinfo"
	"github.com/verge-edge/verge/geo"
)

func serveReactor(x *Reactor, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	x.ServeHTTP(w, r)
	return w
}

// count asks the app guest's /count route for its instance's request
// counter and instance id.
func count(t *testing.T, x *Reactor) (int, string) {
	t.Helper()
	w := serveReactor(x, httptest.NewRequest("GET", "/count", nil))
	n, id, ok := strings.Cut(w.Body.String(), " ")
	c, err := strconv.Atoi(n)
	if w.Code != http.StatusOK || !ok || err != nil {
		t.Fatalf("/count: status %d body %q", w.Code, w.Body)
	}
	return c, id
}

func TestReactorHello(t *testing.T) {
	x := compileReactor(t, "hello", Options{})
	for range 3 { // the same instance serves them all
		w := serveReactor(x, httptest.NewRequest("GET", "/", nil))
		if w.Code != http.StatusCreated {
			t.Errorf("status %d, want 201", w.Code)
		}
		for k, want := range map[string]string{"Content-Type": "text/plain; charset=utf-8", "X-Hello": "world", "Content-Length": "13"} {
			if got := w.Header().Get(k); got != want {
				t.Errorf("%s %q, want %q", k, got, want)
			}
		}
		if got := w.Body.String(); got != "hello, verge\n" {
			t.Errorf("body %q", got)
		}
	}
}

type reactorEcho struct {
	Method   string              `json:"method"`
	URL      string              `json:"url"`
	Host     string              `json:"host"`
	Proto    string              `json:"proto"`
	Remote   string              `json:"remote"`
	Header   map[string][]string `json:"header"`
	Length   int64               `json:"content_length"`
	Len      int                 `json:"len"`
	SHA256   string              `json:"sha256"`
	Env      string              `json:"env"`
	OSEnv    string              `json:"os_env"`
	Geo      map[string]any      `json:"geo"`
	Instance string              `json:"instance"`
}

func decodeReactorEcho(t *testing.T, code int, body []byte) reactorEcho {
	t.Helper()
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, body)
	}
	var e reactorEcho
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("decoding %q: %v", body, err)
	}
	return e
}

func TestReactorEcho(t *testing.T) {
	x := compileReactor(t, "app", Options{Env: map[string]string{"API_KEY": "s3cret"}})
	body := make([]byte, 1<<20)
	rand.Read(body)
	r := httptest.NewRequest("POST", "http://shop.example:8080/echo/a%20b?greet=hi%21&x=1", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/octet-stream")
	r.Header.Set("X-Custom", "one")
	r.Header.Add("X-Custom", "two")
	r.Header.Set("Cookie", "a=1")
	r.RemoteAddr = "192.0.2.7:5555"
	info := &edgeinfo.Info{
		ClientIP: netip.MustParseAddr("198.51.100.9"),
		Colo:     "EZE",
		Location: geo.Location{Country: "AR", City: "Buenos Aires", ASN: 7303},
	}
	r = r.WithContext(edgeinfo.With(r.Context(), info))
	w := serveReactor(x, r)
	e := decodeReactorEcho(t, w.Code, w.Body.Bytes())

	if got := w.Header().Get("X-Echo-Method"); got != "POST" {
		t.Errorf("X-Echo-Method %q", got)
	}
	sum := sha256.Sum256(body)
	if e.Len != len(body) || e.Length != int64(len(body)) || e.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("body: got %d bytes (Content-Length %d) sha256 %s, want %d bytes %x", e.Len, e.Length, e.SHA256, len(body), sum)
	}
	for name, c := range []struct{ got, want string }{
		{e.Method, "POST"},
		{e.URL, "http://shop.example:8080/echo/a%20b?greet=hi%21&x=1"},
		{e.Host, "shop.example:8080"},
		{e.Proto, "HTTP/1.1"},
		{e.Remote, "198.51.100.9:0"},
		{e.Env, "s3cret"},
		{e.OSEnv, "s3cret"},
		{fmt.Sprint(e.Geo["Country"], e.Geo["City"], e.Geo["ASN"], e.Geo["Colo"]), "ARBuenos Aires7303EZE"},
	} {
		if c.got != c.want {
			t.Errorf("%d: got %q, want %q", name, c.got, c.want)
		}
	}
	if got := e.Header["X-Custom"]; !slices.Equal(got, []string{"one", "two"}) {
		t.Errorf("X-Custom %q", got)
	}
	if got := e.Header["Cookie"]; !slices.Equal(got, []string{"a=1"}) {
		t.Errorf("Cookie %q", got)
	}
	if _, ok := e.Header["Host"]; ok {
		t.Errorf("Host in the header map: %v", e.Header)
	}

	// Without edgeinfo: the connection's peer, no location.
	w = serveReactor(x, httptest.NewRequest("GET", "/echo/", nil))
	e = decodeReactorEcho(t, w.Code, w.Body.Bytes())
	if e.Remote != "192.0.2.1:0" || e.Geo["Country"] != "" || e.Len != 0 || e.Length != 0 {
		t.Errorf("remote %q geo %v len %d/%d", e.Remote, e.Geo, e.Len, e.Length)
	}
}

func TestReactorRequestBodyLimit(t *testing.T) {
	x := compileReactor(t, "app", Options{RequestBody: 1000, Logger: new(logBuffer).logger()})
	w := serveReactor(x, httptest.NewRequest("POST", "/echo/", strings.NewReader(strings.Repeat("x", 1001))))
	assertError(t, w, http.StatusRequestEntityTooLarge, "verge-1111")
	// A chunked body is cut at the limit: the guest sees ErrBodyTooLarge.
	r := httptest.NewRequest("POST", "/echo/", io.MultiReader(strings.NewReader(strings.Repeat("x", 1001))))
	r.ContentLength = -1
	w = serveReactor(x, r)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "request body over the limit") {
		t.Errorf("chunked: status %d body %q", w.Code, w.Body)
	}
}

func TestReactorStreaming(t *testing.T) {
	x := compileReactor(t, "app", Options{})
	srv := httptest.NewServer(x)
	defer srv.Close()

	checkStreamsBothWays(t, srv.Client(), srv.URL+"/stream")
}

func TestReactorFailureAfterStreamingAbortsResponse(t *testing.T) {
	var logs logBuffer
	x := compileReactor(t, "app", Options{Logger: logs.logger()})
	srv := httptest.NewServer(x)
	defer srv.Close()
	resp, err := srv.Client().Post(srv.URL+"/stream?fail", "text/plain", strings.NewReader("go\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || err == nil {
		t.Errorf("status %d, read %q, %v; want 200 cut short", resp.StatusCode, body, err)
	}
	logs.mustContain(t, "verge-1101", "failing after the body started")
}

func TestReactorFailures(t *testing.T) {
	for _, tc := range []struct {
		path   string
		opts   Options
		status int
		code   string
		logs   []string
	}{
		{path: "/panic", status: 500, code: "verge-1101", logs: []string{"boom from the reactor", "goroutine", "the handler failed"}},
		{path: "/exit", status: 500, code: "verge-1101", logs: []string{"giving up with code 3", "exited with code 3"}},
		{path: "/loop", opts: Options{WallTime: 500 * time.Millisecond}, status: 503, code: "verge-1104", logs: []string{"looping forever", "wall time limit"}},
		{path: "/oom", opts: Options{Memory: 32 << 20}, status: 503, code: "verge-1103", logs: []string{"allocating until the limit", "memory limit of 33554432 bytes"}},
	} {
		t.Run(tc.path[1:], func(t *testing.T) {
			var logs logBuffer
			tc.opts.Logger = logs.logger()
			tc.opts.Reactor.Instances = 1
			x := compileReactor(t, "app", tc.opts)
			n, before := count(t, x)
			w := serveReactor(x, httptest.NewRequest("GET", tc.path, nil))
			assertError(t, w, tc.status, tc.code)
			if strings.Contains(w.Body.String(), "\n\n") {
				t.Errorf("production error page shows details: %q", w.Body)
			}
			if w.Header().Get("X-Before") != "" {
				t.Errorf("headers of the failed handler leaked: %v", w.Header())
			}
			logs.mustContain(t, tc.logs...)
			// The failed instance was replaced: a fresh one counts from 1.
			m, after := count(t, x)
			if n != 1 || m != 1 || after == before {
				t.Errorf("counts %d, %d and instances %s, %s: want 1, 1 on two instances", n, m, before, after)
			}
		})
	}
}

func TestReactorDevShowsDetail(t *testing.T) {
	x := compileReactor(t, "app", Options{Dev: true, Logger: new(logBuffer).logger()})
	w := serveReactor(x, httptest.NewRequest("GET", "/exit", nil))
	if want := "verge-1101: worker threw exception\n\nexited with code 3\n"; w.Body.String() != want {
		t.Errorf("body %q, want %q", w.Body, want)
	}
}

func TestReactorConcurrentRequests(t *testing.T) {
	x := compileReactor(t, "app", Options{Reactor: ReactorOptions{Instances: 2}})
	srv := httptest.NewServer(x)
	defer srv.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	var mu sync.Mutex
	instances := map[string]bool{}
	for i := range 50 {
		wg.Go(func() {
			body := strings.Repeat(strconv.Itoa(i), 1000+i)
			resp, err := srv.Client().Post(fmt.Sprintf("%s/echo/%d?i=%d", srv.URL, i, i), "text/plain", strings.NewReader(body))
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			var e reactorEcho
			if err == nil {
				err = json.Unmarshal(b, &e)
			}
			if resp.StatusCode != http.StatusOK || err != nil {
				errs <- fmt.Errorf("request %d: status %d: %v: %s", i, resp.StatusCode, err, b)
				return
			}
			sum := sha256.Sum256([]byte(body))
			if want := fmt.Sprintf("/echo/%d?i=%d", i, i); !strings.HasSuffix(e.URL, want) || e.SHA256 != hex.EncodeToString(sum[:]) {
				errs <- fmt.Errorf("request %d got another request's view: %s", i, e.URL)
			}
			mu.Lock()
			instances[e.Instance] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(instances) > 2 {
		t.Errorf("%d instances served, over the cap of 2", len(instances))
	}
}

func TestReactorRecyclesAfterRequests(t *testing.T) {
	x := compileReactor(t, "app", Options{Reactor: ReactorOptions{Instances: 1, Requests: 3}})
	var counts []int
	ids := map[string]bool{}
	for range 7 {
		n, id := count(t, x)
		counts = append(counts, n)
		ids[id] = true
	}
	if want := []int{1, 2, 3, 1, 2, 3, 1}; !slices.Equal(counts, want) || len(ids) != 3 {
		t.Errorf("counts %v on %d instances, want %v on 3", counts, len(ids), want)
	}
}

func TestReactorRecyclesAfterMemoryHighWater(t *testing.T) {
	x := compileReactor(t, "app", Options{Memory: 64 << 20, Reactor: ReactorOptions{Instances: 1, MemoryHighWater: 24 << 20}})
	grow := func(mib int) string {
		w := serveReactor(x, httptest.NewRequest("GET", fmt.Sprintf("/grow?mib=%d", mib), nil))
		if w.Code != http.StatusOK {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		return w.Body.String()
	}
	a, b, c, d := grow(0), grow(0), grow(32), grow(0)
	if a != b || b != c || c == d {
		t.Errorf("instances %s %s %s %s: want the third replaced after it grew", a, b, c, d)
	}
}

func TestReactorLog(t *testing.T) {
	var logs logBuffer
	x := compileReactor(t, "app", Options{Logger: logs.logger()})
	w := serveReactor(x, httptest.NewRequest("GET", "/log", nil))
	if w.Code != http.StatusNoContent {
		t.Errorf("status %d", w.Code)
	}
	logs.mustContain(t, `level=WARN msg="module log" method=GET path=/log log="msg=\"from slog\" n=42"`,
		`level=ERROR msg="module log" method=GET path=/log log="from verge.Log"`,
		`msg="module stderr" method=GET path=/log stderr="from stderr"`)
}

func TestReactorRealClockAndRandom(t *testing.T) {
	x := compileReactor(t, "app", Options{})
	var seen []string
	for range 2 {
		w := serveReactor(x, httptest.NewRequest("GET", "/clock", nil))
		sec, random, _ := strings.Cut(w.Body.String(), " ")
		n, err := strconv.ParseInt(sec, 10, 64)
		if err != nil || time.Since(time.Unix(n, 0)).Abs() > time.Hour {
			t.Errorf("guest clock %q, host %v", sec, time.Now())
		}
		seen = append(seen, random)
	}
	if seen[0] == seen[1] {
		t.Errorf("same random text twice: %q", seen[0])
	}
}

func TestCompileReactorErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		wasm []byte
		opts Options
		want string
	}{
		"garbage":      {[]byte("not wasm"), Options{}, "compiling"},
		"WAGI command": {guest(t, "hello"), Options{}, "exports no verge_"},
		"bad env":      {guest(t, "reactor-hello"), Options{Env: map[string]string{"A=B": "x"}}, "Options.Env"},
		"huge memory":  {guest(t, "reactor-hello"), Options{Memory: 5 << 30}, "4 GiB"},
	} {
		t.Run(name, func(t *testing.T) {
			tc.opts.CacheDir = cacheDir
			x, err := CompileReactor(context.Background(), tc.wasm, tc.opts)
			if err == nil {
				x.Close(context.Background())
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q lacks %q", err, tc.want)
			}
		})
	}
}

func TestReactorClose(t *testing.T) {
	x, err := CompileReactor(context.Background(), guest(t, "reactor-hello"), Options{CacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	if w := serveReactor(x, httptest.NewRequest("GET", "/", nil)); w.Code != http.StatusCreated {
		t.Fatalf("status %d", w.Code)
	}
	if err := x.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	assertError(t, serveReactor(x, httptest.NewRequest("GET", "/", nil)), http.StatusServiceUnavailable, "verge-1110")
}
