package wasm

import (
	"bufio"
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
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/verge-edge/verge/edgeinfo"
	"github.com/verge-edge/verge/geo"
)

// serve runs one request through m and returns the recorded response.
func serve(m *Module, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	m.ServeHTTP(w, r)
	return w
}

func TestHello(t *testing.T) {
	m := compile(t, "hello", Options{})
	w := serve(m, httptest.NewRequest("GET", "/", nil))
	if w.Code != http.StatusCreated {
		t.Errorf("status %d, want 201", w.Code)
	}
	if got := w.Header().Get("Content-Type"); got != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type %q", got)
	}
	if got := w.Header().Get("X-Hello"); got != "world" {
		t.Errorf("X-Hello %q", got)
	}
	if got := w.Body.String(); got != "hello, wagi\n" {
		t.Errorf("body %q", got)
	}
}

type echoResult struct {
	Env    []string `json:"env"`
	Args   []string `json:"args"`
	Len    int      `json:"len"`
	SHA256 string   `json:"sha256"`
}

func (e echoResult) env() map[string]string {
	m := map[string]string{}
	for _, kv := range e.Env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func decodeEcho(t *testing.T, w *httptest.ResponseRecorder) echoResult {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var e echoResult
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatalf("decoding %q: %v", w.Body, err)
	}
	return e
}

func TestEchoRequest(t *testing.T) {
	m := compile(t, "echo", Options{Env: map[string]string{"API_KEY": "s3cret", "REQUEST_METHOD": "overridden"}})
	body := make([]byte, 1<<20)
	rand.Read(body)
	r := httptest.NewRequest("POST", "http://shop.example:8080/a%20b/c?greet=hi%21&x=1", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/octet-stream")
	r.Header.Set("X-Custom", "one")
	r.Header.Add("X-Custom", "two")
	r.Header.Set("Cookie", "a=1")
	r.Header.Add("Cookie", "b=2")
	r.Header["X_Spoof"] = []string{"dropped"}
	r.Header.Set("Proxy", "http://evil")
	r.RemoteAddr = "192.0.2.7:5555"
	w := serve(m, r)
	e := decodeEcho(t, w)

	if got := w.Header().Get("X-Echo-Method"); got != "POST" {
		t.Errorf("X-Echo-Method %q", got)
	}
	sum := sha256.Sum256(body)
	if e.Len != len(body) || e.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("stdin: got %d bytes sha256 %s, want %d bytes %x", e.Len, e.SHA256, len(body), sum)
	}
	if want := []string{"/a b/c", "greet=hi!", "x=1"}; !slices.Equal(e.Args, want) {
		t.Errorf("args %q, want %q", e.Args, want)
	}
	want := map[string]string{
		"GATEWAY_INTERFACE": "CGI/1.1",
		"SERVER_SOFTWARE":   "Verge",
		"SERVER_PROTOCOL":   "HTTP/1.1",
		"SERVER_NAME":       "shop.example",
		"SERVER_PORT":       "8080",
		"REQUEST_METHOD":    "POST",
		"SCRIPT_NAME":       "",
		"PATH_INFO":         "/a b/c",
		"PATH_TRANSLATED":   "/a b/c",
		"X_RAW_PATH_INFO":   "/a%20b/c",
		"QUERY_STRING":      "greet=hi%21&x=1",
		"X_FULL_URL":        "http://shop.example:8080/a%20b/c?greet=hi%21&x=1",
		"X_MATCHED_ROUTE":   "/...",
		"REMOTE_ADDR":       "192.0.2.7",
		"REMOTE_HOST":       "192.0.2.7",
		"AUTH_TYPE":         "",
		"REMOTE_USER":       "",
		"CONTENT_TYPE":      "application/octet-stream",
		"CONTENT_LENGTH":    strconv.Itoa(len(body)),
		"HTTP_HOST":         "shop.example:8080",
		"HTTP_X_CUSTOM":     "one, two",
		"HTTP_COOKIE":       "a=1; b=2",
		"API_KEY":           "s3cret",
	}
	got := e.env()
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %q (set %v), want %q", k, g, ok, v)
		}
	}
	// Nothing else: no host environment, no dropped headers.
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected variable %s=%q", k, got[k])
		}
	}
}

func TestEchoEdgeInfo(t *testing.T) {
	m := compile(t, "echo", Options{})
	r := httptest.NewRequest("GET", "https://example.com/", nil)
	r = r.WithContext(edgeinfo.With(r.Context(), &edgeinfo.Info{
		ClientIP: netip.MustParseAddr("2001:db8::1"),
		Colo:     "GRU",
		Location: geo.Location{Country: "AR", City: "Buenos Aires", ASN: 7303},
	}))
	got := decodeEcho(t, serve(m, r)).env()
	for k, v := range map[string]string{
		"REMOTE_ADDR": "2001:db8::1", "X_VERGE_COLO": "GRU", "X_VERGE_COUNTRY": "AR",
		"X_VERGE_CITY": "Buenos Aires", "X_VERGE_ASN": "7303", "HTTPS": "on", "SERVER_PORT": "443",
		"X_FULL_URL": "https://example.com/", "CONTENT_LENGTH": "0",
	} {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, ok := got["X_VERGE_REGION"]; ok {
		t.Error("unknown region should be absent")
	}
}

func TestEchoRawBody(t *testing.T) {
	m := compile(t, "echo", Options{})
	body := make([]byte, 1<<20)
	rand.Read(body)
	w := serve(m, httptest.NewRequest("PUT", "/?raw", bytes.NewReader(body)))
	if w.Code != http.StatusOK || !bytes.Equal(w.Body.Bytes(), body) {
		t.Errorf("status %d, %d bytes back, equal %v", w.Code, w.Body.Len(), bytes.Equal(w.Body.Bytes(), body))
	}
}

func TestRequestBodyLimit(t *testing.T) {
	var logs logBuffer
	m := compile(t, "echo", Options{RequestBody: 1000, Logger: logs.logger()})
	// Declared too large: refused before the guest runs.
	w := serve(m, httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", 1001))))
	assertError(t, w, http.StatusRequestEntityTooLarge, "verge-1111")
	// Chunked, so only reading finds out.
	r := httptest.NewRequest("POST", "/", io.MultiReader(strings.NewReader(strings.Repeat("x", 2000))))
	r.ContentLength = -1
	w = serve(m, r)
	assertError(t, w, http.StatusRequestEntityTooLarge, "verge-1111")
	logs.mustContain(t, "verge-1111", "reading stdin")
}

// assertError checks a Verge error page.
func assertError(t *testing.T, w *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	if w.Code != status {
		t.Errorf("status %d, want %d; body %q", w.Code, status, w.Body)
	}
	if got := w.Header().Get("X-Verge-Error"); got != code {
		t.Errorf("X-Verge-Error %q, want %q", got, code)
	}
	if !strings.HasPrefix(w.Body.String(), code+": ") {
		t.Errorf("body %q does not start with %s", w.Body, code)
	}
}

func TestRedirect(t *testing.T) {
	m := compile(t, "redirect", Options{})
	w := serve(m, httptest.NewRequest("GET", "/", nil))
	if w.Code != http.StatusFound || w.Header().Get("Location") != "https://example.com/elsewhere" {
		t.Errorf("status %d Location %q", w.Code, w.Header().Get("Location"))
	}
}

func TestStreaming(t *testing.T) {
	m := compile(t, "stream", Options{})
	srv := httptest.NewServer(m)
	defer srv.Close()

	checkStreamsBothWays(t, srv.Client(), srv.URL)
}

func TestFailureAfterStreamingAbortsResponse(t *testing.T) {
	var logs logBuffer
	m := compile(t, "stream", Options{Logger: logs.logger()})
	srv := httptest.NewServer(m)
	defer srv.Close()
	resp, err := srv.Client().Post(srv.URL+"/?fail", "text/plain", strings.NewReader("go\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(resp.Body)
	if err == nil {
		t.Errorf("read %q to a clean end; want the response cut", body)
	}
	logs.mustContain(t, "verge-1101", "failing after the body started")
}

func TestGuestFailures(t *testing.T) {
	for _, tc := range []struct {
		guest, query string
		opts         Options
		status       int
		code         string
		logs         []string
	}{
		{guest: "panic", status: 500, code: "verge-1101", logs: []string{"panic: boom from the guest", "exited with code 2"}},
		{guest: "exit", status: 500, code: "verge-1101", logs: []string{"giving up with code 3", "exited with code 3"}},
		{guest: "loop", opts: Options{WallTime: 300 * time.Millisecond}, status: 503, code: "verge-1104", logs: []string{"looping forever", "wall time limit"}},
		{guest: "oom", opts: Options{Memory: 32 << 20}, status: 503, code: "verge-1103", logs: []string{"allocating until the limit", "memory limit of 33554432 bytes"}},
		{guest: "edge", query: "nothing", status: 500, code: "verge-1105", logs: []string{"without writing a header block"}},
		{guest: "edge", query: "huge", status: 500, code: "verge-1105", logs: []string{"header block over 32768 bytes"}},
		{guest: "edge", query: "malformed", status: 500, code: "verge-1105", logs: []string{"bad header line"}},
		{guest: "edge", query: "badstatus", status: 500, code: "verge-1105", logs: []string{"bad Status"}},
	} {
		t.Run(tc.guest+tc.query, func(t *testing.T) {
			var logs logBuffer
			tc.opts.Logger = logs.logger()
			m := compile(t, tc.guest, tc.opts)
			w := serve(m, httptest.NewRequest("GET", "/?"+tc.query, nil))
			assertError(t, w, tc.status, tc.code)
			if strings.Contains(w.Body.String(), "\n\n") {
				t.Errorf("production error page shows details: %q", w.Body)
			}
			logs.mustContain(t, tc.logs...)
		})
	}
}

func TestDevShowsDetail(t *testing.T) {
	m := compile(t, "exit", Options{Dev: true, Logger: new(logBuffer).logger()})
	w := serve(m, httptest.NewRequest("GET", "/", nil))
	if want := "verge-1101: worker threw exception\n\nexited with code 3\n"; w.Body.String() != want {
		t.Errorf("body %q, want %q", w.Body, want)
	}
}

func TestModuleReusableAfterFailures(t *testing.T) {
	// A trapped instance must leave nothing behind: the pooled memory is
	// zeroed and the next request runs normally.
	m := compile(t, "oom", Options{Memory: 32 << 20, Logger: new(logBuffer).logger()})
	for range 3 {
		assertError(t, serve(m, httptest.NewRequest("GET", "/", nil)), 503, "verge-1103")
	}
}

func TestEdgeResponses(t *testing.T) {
	m := compile(t, "edge", Options{})
	w := serve(m, httptest.NewRequest("GET", "/?noblank", nil))
	if w.Code != 200 || w.Header().Get("X-Only") != "headers" || w.Body.Len() != 0 {
		t.Errorf("noblank: %d %v %q", w.Code, w.Header(), w.Body)
	}
	w = serve(m, httptest.NewRequest("GET", "/?crlf", nil))
	if w.Code != 404 || w.Header().Get("Content-Type") != "text/plain" || w.Body.String() != "not here\r\n" {
		t.Errorf("crlf: %d %v %q", w.Code, w.Header(), w.Body)
	}
	if w.Header().Get("Transfer-Encoding") != "" {
		t.Error("hop-by-hop header passed through")
	}
}

func TestStderrBounded(t *testing.T) {
	var logs logBuffer
	m := compile(t, "edge", Options{Stderr: 100, Logger: logs.logger()})
	w := serve(m, httptest.NewRequest("GET", "/?stderr", nil))
	if w.Code != 200 || w.Body.String() != "ok\n" {
		t.Fatalf("%d %q", w.Code, w.Body)
	}
	logs.mustContain(t, "module stderr", strings.Repeat("e", 100)+`\n[99900 more bytes dropped]`)
	if strings.Contains(logs.String(), strings.Repeat("e", 101)) {
		t.Error("stderr not bounded")
	}
}

func TestRealClockAndRandom(t *testing.T) {
	m := compile(t, "clock", Options{})
	var seen []string
	for range 2 {
		w := serve(m, httptest.NewRequest("GET", "/", nil))
		var unix int64
		var random string
		var slept int64
		if _, err := fmt.Sscan(w.Body.String(), &unix, &random, &slept); err != nil {
			t.Fatalf("%q: %v", w.Body, err)
		}
		if d := time.Since(time.Unix(unix, 0)); d < -time.Minute || d > time.Minute {
			t.Errorf("guest time %d is not now (%v off)", unix, d)
		}
		if slept < int64(time.Millisecond) {
			t.Errorf("time.Sleep(1ms) took %dns by the guest's monotonic clock", slept)
		}
		seen = append(seen, random)
	}
	if seen[0] == seen[1] {
		t.Errorf("two instances drew the same random bytes %s", seen[0])
	}
}

func TestConcurrentRequests(t *testing.T) {
	m := compile(t, "echo", Options{})
	srv := httptest.NewServer(m)
	defer srv.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Go(func() {
			body := strings.Repeat(strconv.Itoa(i), 1000+i)
			resp, err := srv.Client().Post(fmt.Sprintf("%s/req/%d?i=%d", srv.URL, i, i), "text/plain", strings.NewReader(body))
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			var e echoResult
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
				errs <- fmt.Errorf("request %d: status %d: %v", i, resp.StatusCode, err)
				return
			}
			env := e.env()
			sum := sha256.Sum256([]byte(body))
			if env["PATH_INFO"] != fmt.Sprintf("/req/%d", i) || env["QUERY_STRING"] != fmt.Sprintf("i=%d", i) || e.SHA256 != hex.EncodeToString(sum[:]) {
				errs <- fmt.Errorf("request %d got another request's view: %s %s", i, env["PATH_INFO"], env["QUERY_STRING"])
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCompilationCache(t *testing.T) {
	dir := t.TempDir()
	for range 2 { // the second compile reads the cache
		m := compileBytes(t, minimalModule(1, true), Options{CacheDir: dir, Logger: new(logBuffer).logger()})
		assertError(t, serve(m, httptest.NewRequest("GET", "/", nil)), 500, "verge-1105")
	}
	n := 0
	err := fsWalk(dir, func() { n++ })
	if err != nil || n == 0 {
		t.Errorf("cache dir holds %d files (%v)", n, err)
	}
}

func TestCompileErrors(t *testing.T) {
	ctx := context.Background()
	for name, tc := range map[string]struct {
		wasm []byte
		opts Options
		want string
	}{
		"garbage":      {[]byte("not wasm"), Options{}, "compiling"},
		"no _start":    {minimalModule(1, false), Options{}, "exports no _start"},
		"memory > cap": {minimalModule(600, true), Options{Memory: 32 << 20}, "needs 600 pages"},
		"bad env":      {minimalModule(1, true), Options{Env: map[string]string{"A=B": "x"}}, "Options.Env"},
		"huge memory":  {minimalModule(1, true), Options{Memory: 5 << 30}, "4 GiB"},
	} {
		t.Run(name, func(t *testing.T) {
			m, err := Compile(ctx, tc.wasm, tc.opts)
			if err == nil {
				m.Close(ctx)
				t.Fatal("compiled")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q lacks %q", err, tc.want)
			}
		})
	}
}

func TestMinimalModule(t *testing.T) {
	// A module that writes nothing, without the Go runtime: exercises the
	// pool with a module that has a declared memory and no WASI calls.
	m := compileBytes(t, minimalModule(1, true), Options{Logger: new(logBuffer).logger()})
	assertError(t, serve(m, httptest.NewRequest("GET", "/", nil)), 500, "verge-1105")
}

func TestClose(t *testing.T) {
	m, err := Compile(context.Background(), guest(t, "hello"), Options{CacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	assertError(t, serve(m, httptest.NewRequest("GET", "/", nil)), 503, "verge-1110")
	if err := m.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestCloseStopsInflight(t *testing.T) {
	var logs logBuffer
	m, err := Compile(context.Background(), guest(t, "loop"), Options{Logger: logs.logger(), CacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m)
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/?announce")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	if line, err := br.ReadString('\n'); line != "looping\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
	// The guest is running. Give Close no time to wait for it.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Close(ctx); err == nil || !strings.Contains(err.Error(), "stopped in-flight requests") {
		t.Errorf("Close: %v", err)
	}
	if rest, err := io.ReadAll(br); err == nil {
		t.Errorf("response ended cleanly after %q; want it cut", rest)
	}
	logs.mustContain(t, "verge-1109", "closed during the request")
}

// minimalModule is a hand-assembled module with a memory of pages pages and
// an empty _start when start is set (none otherwise).
func minimalModule(pages int, start bool) []byte {
	leb := func(n int) []byte {
		var b []byte
		for {
			c := byte(n & 0x7f)
			n >>= 7
			if n != 0 {
				c |= 0x80
			}
			b = append(b, c)
			if n == 0 {
				return b
			}
		}
	}
	section := func(id byte, body ...byte) []byte {
		return append(append([]byte{id}, leb(len(body))...), body...)
	}
	mod := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
	mod = append(mod, section(1, 1, 0x60, 0, 0)...) // type: () -> ()
	mod = append(mod, section(3, 1, 0)...)          // one function of type 0
	mod = append(mod, section(5, append([]byte{1, 0}, leb(pages)...)...)...)
	exports := []byte{1, 6, 'm', 'e', 'm', 'o', 'r', 'y', 2, 0}
	if start {
		exports = []byte{2, 6, 'm', 'e', 'm', 'o', 'r', 'y', 2, 0, 6, '_', 's', 't', 'a', 'r', 't', 0, 0}
	}
	mod = append(mod, section(7, exports...)...)
	mod = append(mod, section(10, 1, 2, 0, 0x0b)...) // body: no locals, end
	return mod
}

func fsWalk(dir string, f func()) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() {
			if err := fsWalk(dir+"/"+e.Name(), f); err != nil {
				return err
			}
			continue
		}
		f()
	}
	return nil
}
