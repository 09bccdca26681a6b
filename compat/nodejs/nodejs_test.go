package nodejs_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/verge-edge/verge/bundle"
	"github.com/verge-edge/verge/engine"
	"github.com/verge-edge/verge/worker"
)

var update = flag.Bool("update", false, "rewrite testdata/cases/*.json with what node prints")

var (
	preludeOnce sync.Once
	prelude     *engine.Prelude
	preludeErr  error
)

func testPrelude(t testing.TB) *engine.Prelude {
	t.Helper()
	preludeOnce.Do(func() { prelude, preludeErr = worker.NewPrelude() })
	if preludeErr != nil {
		t.Fatal(preludeErr)
	}
	return prelude
}

// newWorker bundles src (an entry in testdata) and loads it.
func newWorker(t testing.TB, src string, opts bundle.Options, vars map[string]string) *worker.Worker {
	t.Helper()
	opts.Source = src
	if opts.Entry == "" {
		opts.Entry = "testdata/entry.js"
	}
	res, err := bundle.Build(opts)
	if err != nil {
		t.Fatal(err)
	}
	w, err := worker.New(worker.Config{
		Name: "node", Code: res.Code, SourceMap: res.SourceMap, Prelude: testPrelude(t), Vars: vars,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Dev: true,
		Limits: worker.Limits{CPU: 5 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	return w
}

// get serves one GET and returns the status and body.
func get(w *worker.Worker, path string) (int, string) {
	rec := httptest.NewRecorder()
	w.Serve(rec, httptest.NewRequest("GET", "http://example.com"+path, nil), worker.RequestInfo{URL: "http://example.com" + path})
	return rec.Code, rec.Body.String()
}

// runCase runs testdata/cases/<file> in a worker: its default export
// returns (or resolves to) a JSON-able value, which the response carries.
func runCase(t *testing.T, file string) string {
	src := `import run from "./cases/` + file + `";
export default { async fetch() { return new Response(JSON.stringify(await run())); } };`
	w := newWorker(t, src, bundle.Options{NodeCompat: true}, map[string]string{"GREETING": "hello"})
	status, body := get(w, "/")
	if status != 200 {
		t.Fatalf("%s: %d %s", file, status, body)
	}
	return body
}

// runNode runs the same case in node, with the same environment variable.
func runNode(t *testing.T, file string) (string, bool) {
	node, err := exec.LookPath("node")
	if err != nil {
		return "", false
	}
	abs, err := filepath.Abs(filepath.Join("testdata/cases", file))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--no-deprecation", "--input-type=module", "-e",
		"import run from "+strconv.Quote("file://"+abs)+"; console.log(JSON.stringify(await run()));")
	cmd.Env = []string{"GREETING=hello", "PATH=" + os.Getenv("PATH")}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", file, err, stderr.String())
	}
	return strings.TrimSpace(string(out)), true
}

// TestModulesMatchNode runs each case in testdata/cases in a worker and
// compares what it returns with the case's .json, which is what Node 20
// returned (go test -update rewrites them with node's output). When node
// is installed, the test also checks that node still agrees.
func TestModulesMatchNode(t *testing.T) {
	cases, err := filepath.Glob("testdata/cases/*.*js")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no cases")
	}
	checkedNode := false
	for _, c := range cases {
		file := filepath.Base(c)
		t.Run(file, func(t *testing.T) {
			golden := strings.TrimSuffix(c, filepath.Ext(c)) + ".json"
			fromNode, haveNode := runNode(t, file)
			if haveNode {
				checkedNode = true
				if *update {
					if err := os.WriteFile(golden, []byte(fromNode+"\n"), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update with node installed)", err)
			}
			if haveNode && fromNode != strings.TrimSpace(string(want)) {
				t.Errorf("node no longer agrees with %s: %s", golden, diff(fromNode, string(want)))
			}
			if got := runCase(t, file); got != strings.TrimSpace(string(want)) {
				t.Errorf("verge differs from node: %s", diff(got, string(want)))
			}
		})
	}
	if !checkedNode {
		t.Log("node is not installed: compared with the recorded outputs of Node 20 only")
	}
}

// diff shows where two long JSON texts first differ.
func diff(got, want string) string {
	want = strings.TrimSpace(want)
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-150)
	return fmt.Sprintf("at byte %d\ngot:  ...%s\nwant: ...%s", i, got[from:min(len(got), i+150)], want[from:min(len(want), i+150)])
}

// TestMemory reports the heap of one VM of a hello-world worker without
// the flag, with it, and with it using Buffer, and bounds what the flag
// adds. go test -run TestMemory -v prints the figures.
func TestMemory(t *testing.T) {
	const hello = `export default { fetch() { return new Response("hello"); } };`
	const buffer = `export default { fetch() { return new Response(Buffer.from("aGVsbG8=", "base64").toString()); } };`
	heap := func(src string, flag bool) int64 {
		w := newWorker(t, src, bundle.Options{NodeCompat: flag}, nil)
		// Memory is sampled when a VM goes back to the pool; the load
		// measured it once.
		m := w.Memory()
		if status, body := get(w, "/"); status != 200 || body != "hello" {
			t.Fatalf("%d %q", status, body)
		}
		return m
	}
	base := heap(hello, false)
	flagged := heap(hello, true)
	used := heap(buffer, true)
	t.Logf("heap of one VM: hello %d KiB; with nodejs_compat %d KiB (+%d KiB); using Buffer %d KiB (+%d KiB)",
		base>>10, flagged>>10, (flagged-base)>>10, used>>10, (used-base)>>10)
	if flagged-base > 64<<10 {
		t.Errorf("nodejs_compat adds %d KiB to a hello-world VM", (flagged-base)>>10)
	}
}

// BenchmarkCreateHash is a request that hashes with node:crypto's
// createHash (SHA-256 of 1 KiB and of 1 MiB) or signs with createHmac.
func BenchmarkCreateHash(b *testing.B) {
	w := newWorker(b, `import { createHash, createHmac } from "node:crypto";
const kib = "a".repeat(1024), mib = "a".repeat(1 << 20);
export default { fetch(req) {
  const p = new URL(req.url).pathname;
  if (p === "/hmac") return new Response(createHmac("sha256", "k").update("cookie=value").digest("hex"));
  return new Response(createHash("sha256").update(p === "/kib" ? kib : mib).digest("hex"));
} }`, bundle.Options{NodeCompat: true}, nil)
	for _, path := range []string{"/kib", "/mib", "/hmac"} {
		b.Run(path[1:], func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if code, body := get(w, path); code != 200 || len(body) != 64 {
					b.Fatalf("%d %q", code, body)
				}
			}
		})
	}
}
