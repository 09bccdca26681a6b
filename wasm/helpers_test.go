package wasm

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
)

// guestDir holds the test guests, built once per run by TestMain, and
// cacheDir their machine code, shared by the tests that set no CacheDir.
var guestDir, cacheDir string

// guests are the folders under testdata built with GOOS=wasip1.
var guests = []string{"hello", "echo", "stream", "redirect", "panic", "exit", "loop", "oom", "clock", "edge"}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "verge-wasm-guests-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// One go build for all guests: it builds them in parallel and shares
	// the wasip1 runtime.
	args := []string{"build", "-o", dir + string(filepath.Separator)}
	for _, g := range guests {
		args = append(args, "./testdata/"+g)
	}
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building guests: %v\n%s", err, out)
		return 1
	}
	if err := buildReactorGuests(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	guestDir, cacheDir = dir, filepath.Join(dir, "cache")
	return m.Run()
}

// guest returns the bytes of a built test guest.
func guest(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(guestDir, name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// compile compiles a test guest, closing it at the end of the test.
func compile(tb testing.TB, name string, opts Options) *Module {
	tb.Helper()
	return compileBytes(tb, guest(tb, name), opts)
}

func compileBytes(tb testing.TB, wasm []byte, opts Options) *Module {
	tb.Helper()
	if opts.CacheDir == "" {
		opts.CacheDir = cacheDir
	}
	m, err := Compile(context.Background(), wasm, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := m.Close(context.Background()); err != nil {
			tb.Error(err)
		}
	})
	return m
}

// logBuffer collects log output from concurrent requests.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (l *logBuffer) mustContain(tb testing.TB, subs ...string) {
	tb.Helper()
	s := l.String()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			tb.Errorf("log lacks %q; log:\n%s", sub, s)
		}
	}
}

// checkStreamsBothWays posts to url a body whose second part the client
// sends only after reading the first part of the response. The guest waits
// for that line, so this completes only if both bodies stream while the
// guest runs.
func checkStreamsBothWays(t *testing.T, client *http.Client, url string) {
	t.Helper()
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", url, pr)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	first, err := br.ReadString('\n')
	if err != nil || first != "first\n" {
		t.Fatalf("first part %q, %v", first, err)
	}
	io.WriteString(pw, "go\n")
	pw.Close()
	rest, err := io.ReadAll(br)
	if err != nil || string(rest) != "second after go\n" {
		t.Errorf("rest %q, %v", rest, err)
	}
}

// allocated returns the bytes the Go heap has allocated so far.
func allocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
