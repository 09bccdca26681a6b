package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/verge-edge/verge/cluster"
)

// TestCloseLeavesNoGoroutines runs a hub outage with a watchdog restart,
// closes everything and checks the goroutine count returns to its baseline.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	tp := startTopo(t, true)
	// The bucket must exist: nats-server's mirror setup goroutine waits up
	// to 30 s for an answer from the hub and ignores shutdown meanwhile.
	kv, mirror := tp.setupBucket(t, "x")
	tp.hub.Close()
	waitFor(t, 10*time.Second, "link down", func() error {
		if tp.leaf.Connected() {
			return errors.New("still up")
		}
		return nil
	})
	tp.hub = startHub(t, tp.hubCfg)
	waitFor(t, 20*time.Second, "watchdog restart", func() error {
		if tp.leaf.Restarts() != 1 {
			return fmt.Errorf("%d restarts", tp.leaf.Restarts())
		}
		return nil
	})
	// Let the restarted mirror finish its consumer setup (same reason).
	if _, err := kv.Put(ctxT(t, 10*time.Second), "k", []byte("v")); err == nil {
		t.Fatal("put on the closed hub's bucket handle succeeded")
	}
	hjs, err := jetstream.New(tp.hub.Conn())
	if err != nil {
		t.Fatal(err)
	}
	kv2, err := hjs.KeyValue(ctxT(t, 10*time.Second), "x")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv2.Put(ctxT(t, 10*time.Second), "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	waitMirror(t, 20*time.Second, mirror, "x", "k", "v")
	tp.leaf.Close()
	tp.hub.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l, err := cluster.StartLocal(ctx, t.TempDir(), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	l.Close() // idempotent

	waitFor(t, 15*time.Second, "goroutines back to baseline", func() error {
		buf := make([]byte, 1<<20)
		stacks := strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n")
		n := 0
		for _, st := range stacks {
			// nats-server's mirror consumer setup waits up to 30 s for the
			// hub's answer and does not watch shutdown; it exits on its own.
			if !strings.Contains(st, "setupMirrorConsumer") {
				n++
			}
		}
		if n > before {
			return fmt.Errorf("%d goroutines, %d before:\n%s", n, before, strings.Join(stacks, "\n\n"))
		}
		return nil
	})
}
