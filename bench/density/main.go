// Command density measures idle warm workers per GiB and the cold start of
// never-seen workers in an isolate host: it loads N distinct 2 KB workers
// (each keeps one warm VM), serves one request to each, and reports the
// resident memory they added and the load latency percentiles.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/verge-edge/verge/bundle"
	"github.com/verge-edge/verge/host"
)

func main() {
	n := flag.Int("n", 1000, "workers to load")
	nodeCompat := flag.Bool("nodejs_compat", false, "build the workers with the nodejs_compat flag")
	flag.Parse()
	s, err := host.NewServer(host.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	// A 2 KB worker, different per index so nothing is shared.
	pad := strings.Repeat("x", 1800)
	runtime.GC()
	debug.FreeOSMemory()
	before := rss()
	var loads []time.Duration
	for i := range *n {
		src := fmt.Sprintf(`const pad = %q; export default { fetch() { return new Response("hello %d " + pad.length) } }`, pad, i)
		res, err := bundle.Build(bundle.Options{Source: src, Entry: "worker.js", NodeCompat: *nodeCompat})
		if err != nil {
			log.Fatal(err)
		}
		id := "w" + strconv.Itoa(i) + "@1"
		t0 := time.Now()
		if err := s.Load(host.Spec{ID: id, Name: "w" + strconv.Itoa(i), Code: res.Code, MaxVMs: 1}); err != nil {
			log.Fatal(err)
		}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "http://example.com/", nil)
		req.Header.Set(host.HeaderWorker, id)
		s.ServeHTTP(rec, req)
		loads = append(loads, time.Since(t0))
		if rec.Code != 200 {
			log.Fatalf("worker %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	runtime.GC()
	debug.FreeOSMemory()
	after := rss()
	per := float64(after-before) / float64(*n)
	slices.Sort(loads)
	fmt.Printf("workers=%d rss_added_mib=%.1f per_worker_kib=%.0f workers_per_gib=%.0f cold_p50_ms=%.2f cold_p99_ms=%.2f\n",
		*n, float64(after-before)/(1<<20), per/1024, float64(1<<30)/per,
		ms(loads[len(loads)/2]), ms(loads[len(loads)*99/100]))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// rss reads the resident set size from /proc.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		log.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	log.Fatal("no VmRSS")
	return 0
}
