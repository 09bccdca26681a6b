package kv_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/verge-edge/verge/kv"
)

// BenchmarkPutVisibleAtMirror: Put through the PoP (stored at the hub), then
// poll the PoP's mirror until the new value is served. Reports the
// distribution of put-ack and put-to-visible latencies.
func BenchmarkPutVisibleAtMirror(b *testing.B) {
	e := startEnv(b)
	s := e.open(b, "bench", nil)
	ctx := ctxT(b, 10*time.Minute)
	var ack, vis []time.Duration
	i := 0
	for b.Loop() {
		i++
		v := []byte(strconv.Itoa(i))
		start := time.Now()
		if err := s.Put(ctx, "k", v, kv.PutOptions{}); err != nil {
			b.Fatal(err)
		}
		ack = append(ack, time.Since(start))
		deadline := start.Add(10 * time.Second)
		for {
			got, _, found, err := s.Get(ctx, "k")
			if err != nil {
				b.Fatal(err)
			}
			if found && string(got) == string(v) {
				break
			}
			if time.Now().After(deadline) {
				b.Fatal("value never reached the mirror")
			}
		}
		vis = append(vis, time.Since(start))
	}
	report(b, "ack", ack)
	report(b, "visible", vis)
}

func report(b *testing.B, name string, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	q := func(p float64) float64 {
		return float64(d[min(len(d)-1, int(p*float64(len(d))))].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.50), name+"-p50-ms")
	b.ReportMetric(q(0.99), name+"-p99-ms")
}

// BenchmarkGetFromMirror: a Get of a 1 KiB value served by the PoP's mirror.
func BenchmarkGetFromMirror(b *testing.B) {
	e := startEnv(b)
	s := e.open(b, "benchget", nil)
	ctx := ctxT(b, 10*time.Minute)
	v := make([]byte, 1024)
	if err := s.Put(ctx, "k", v, kv.PutOptions{Metadata: []byte(`{"a":1}`)}); err != nil {
		b.Fatal(err)
	}
	waitValue(b, s, "k", v)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, found, err := s.Get(context.Background(), "k"); err != nil || !found {
			b.Fatal(found, err)
		}
	}
}
