package worker

import (
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkNeighbourUnderAttack measures a well-behaved worker's latency
// while another worker in the same process spins into its CPU limit on
// every request, and reports p99 with and without the attack (one run).
// One process stands in for one isolate host; on 2 cores the attacker gets
// one and the victim the other.
func BenchmarkNeighbourUnderAttack(b *testing.B) {
	p, err := NewPrelude()
	if err != nil {
		b.Fatal(err)
	}
	lim := Limits{CPU: 50 * time.Millisecond}
	mk := func(src string) *Worker {
		code, err := buildSource(src)
		if err != nil {
			b.Fatal(err)
		}
		w, err := New(Config{Name: "n", Code: code, Prelude: p, Limits: lim, Log: discardLog(), MaxVMs: 2})
		if err != nil {
			b.Fatal(err)
		}
		return w
	}
	good := mk(`export default { fetch() { return Response.json({ ok: true, t: Date.now() }) } }`)
	defer good.Close()
	bad := mk(`export default { fetch() { for (;;) {} } }`)
	defer bad.Close()

	p99 := func(n int) time.Duration {
		lat := make([]time.Duration, n)
		for i := range lat {
			start := time.Now()
			if rec := serve(good, "/"); rec.Code != 200 {
				b.Fatalf("status %d", rec.Code)
			}
			lat[i] = time.Since(start)
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		return lat[n*99/100]
	}
	n := max(b.N, 200)
	quiet := p99(n)

	var stop atomic.Bool
	var wg sync.WaitGroup
	var attacks atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			serve(bad, "/")
			attacks.Add(1)
		}
	}()
	time.Sleep(100 * time.Millisecond)
	loud := p99(n)
	stop.Store(true)
	wg.Wait()

	b.ReportMetric(float64(quiet.Microseconds()), "p99-quiet-µs")
	b.ReportMetric(float64(loud.Microseconds()), "p99-attack-µs")
	b.ReportMetric(float64(loud)/float64(quiet), "p99-ratio")
	b.ReportMetric(float64(attacks.Load()), "attacks")
}
