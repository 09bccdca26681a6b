package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/verge-edge/verge/cluster"
)

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("VERGE_NATS_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	var err error
	for time.Now().Before(deadline) {
		if err = cond(); err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s: not true after %s: %v", what, d, err)
}

type topo struct {
	hubCfg cluster.HubConfig
	hub    *cluster.Hub
	leaf   *cluster.Leaf
	creds  cluster.Credentials
}

func startHub(t testing.TB, cfg cluster.HubConfig) *cluster.Hub {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, err := cluster.StartHub(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func startTopo(t testing.TB, watchdog bool) *topo {
	t.Helper()
	creds, err := cluster.NewCredentials()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := creds.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tp := &topo{creds: creds, hubCfg: cluster.HubConfig{
		ClientListen: "127.0.0.1:0",
		LeafListen:   "127.0.0.1:0",
		StoreDir:     filepath.Join(dir, "hub"),
		Users:        []string{pub},
		Logger:       testLogger(t).With("side", "hub"),
	}}
	tp.hub = startHub(t, tp.hubCfg)
	// Pin the ports so a restarted hub comes back where the leaf looks.
	u, _ := url.Parse(tp.hub.LeafURL())
	tp.hubCfg.LeafListen = u.Host
	cu, _ := url.Parse(tp.hub.ClientURL())
	tp.hubCfg.ClientListen = cu.Host

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tp.leaf, err = cluster.StartLeaf(ctx, cluster.LeafConfig{
		Name:        "gru",
		HubURLs:     []string{tp.hub.LeafURL()},
		Credentials: creds,
		StoreDir:    filepath.Join(dir, "leaf"),
		Watchdog:    cluster.WatchdogConfig{Disabled: !watchdog},
		Logger:      testLogger(t).With("side", "leaf"),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tp.leaf.Close() })
	if err := tp.leaf.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	return tp
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// setupBucket creates bucket b at the hub and its mirror at the leaf.
func (tp *topo) setupBucket(t testing.TB, b string) (hubKV jetstream.KeyValue, mirror jetstream.Stream) {
	t.Helper()
	ctx := ctxT(t, 30*time.Second)
	hjs, err := jetstream.New(tp.hub.Conn())
	if err != nil {
		t.Fatal(err)
	}
	hubKV, err = hjs.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: b, Storage: jetstream.FileStorage})
	if err != nil {
		t.Fatal(err)
	}
	mirror, err = tp.leaf.MirrorKV(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	return hubKV, mirror
}

func mirrorValue(ctx context.Context, s jetstream.Stream, bucket, key string) (string, error) {
	m, err := s.GetLastMsgForSubject(ctx, "$KV."+bucket+"."+key)
	if err != nil {
		return "", err
	}
	return string(m.Data), nil
}

func waitMirror(t testing.TB, d time.Duration, s jetstream.Stream, bucket, key, want string) {
	t.Helper()
	waitFor(t, d, fmt.Sprintf("mirror %s=%s", key, want), func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		got, err := mirrorValue(ctx, s, bucket, key)
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("got %q", got)
		}
		return nil
	})
}

func TestHubToLeafMirror(t *testing.T) {
	tp := startTopo(t, true)
	kv, mirror := tp.setupBucket(t, "cfg")
	ctx := ctxT(t, 30*time.Second)
	if _, err := kv.Put(ctx, "a", []byte("1")); err != nil {
		t.Fatal(err)
	}
	waitMirror(t, 10*time.Second, mirror, "cfg", "a", "1")

	// Writes through the leaf connection with the hub domain land at the hub.
	js, err := jetstream.NewWithDomain(tp.leaf.Conn(), cluster.HubDomain)
	if err != nil {
		t.Fatal(err)
	}
	kvAtHub, err := js.KeyValue(ctx, "cfg")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kvAtHub.Put(ctx, "b", []byte("2")); err != nil {
		t.Fatal(err)
	}
	waitMirror(t, 10*time.Second, mirror, "cfg", "b", "2")
}

func TestWrongCredentialsRefused(t *testing.T) {
	tp := startTopo(t, false)
	bad, err := cluster.NewCredentials()
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t, 30*time.Second)
	leaf, err := cluster.StartLeaf(ctx, cluster.LeafConfig{
		Name:        "bad",
		HubURLs:     []string{tp.hub.LeafURL()},
		Credentials: bad,
		StoreDir:    t.TempDir(),
		Logger:      testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { leaf.Close() })
	wctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	err = leaf.WaitConnected(wctx)
	if !errors.Is(err, cluster.ErrUnauthorized) {
		t.Fatalf("WaitConnected = %v, want ErrUnauthorized", err)
	}
	if n := tp.hub.Server().NumLeafNodes(); n != 1 {
		t.Fatalf("hub has %d leaf nodes, want only the good one", n)
	}
}

// TestOutage: the hub goes away, the leaf keeps serving reads from its
// mirror; the hub comes back, a new write reaches the mirror.
func TestOutage(t *testing.T) {
	tp := startTopo(t, true)
	kv, mirror := tp.setupBucket(t, "cfg")
	ctx := ctxT(t, 60*time.Second)
	if _, err := kv.Put(ctx, "k", []byte("v1")); err != nil {
		t.Fatal(err)
	}
	waitMirror(t, 10*time.Second, mirror, "cfg", "k", "v1")

	tp.hub.Close()
	waitFor(t, 10*time.Second, "link down", func() error {
		if tp.leaf.Connected() {
			return errors.New("still connected")
		}
		return nil
	})
	got, err := mirrorValue(ctx, mirror, "cfg", "k")
	if err != nil || got != "v1" {
		t.Fatalf("read during outage = %q, %v", got, err)
	}

	catchUp := outageAndWrite(t, tp, mirror, "v2")
	t.Logf("mirror catch-up after hub return (watchdog on, %d restarts): %s", tp.leaf.Restarts(), catchUp)
}

// outageAndWrite restarts the (already stopped) hub, writes v and returns the
// time from the write until the mirror shows it.
func outageAndWrite(t *testing.T, tp *topo, mirror jetstream.Stream, v string) time.Duration {
	t.Helper()
	tp.hub = startHub(t, tp.hubCfg)
	ctx := ctxT(t, 30*time.Second)
	hjs, err := jetstream.New(tp.hub.Conn())
	if err != nil {
		t.Fatal(err)
	}
	kv, err := hjs.KeyValue(ctx, "cfg")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := kv.Put(ctx, "k", []byte(v)); err != nil {
		t.Fatal(err)
	}
	waitMirror(t, 4*time.Minute, mirror, "cfg", "k", v)
	return time.Since(start)
}

// TestCatchUpWithoutWatchdog measures the stale window the watchdog fixes.
// It takes up to minutes, so it runs only with VERGE_SLOW_TESTS=1.
func TestCatchUpWithoutWatchdog(t *testing.T) {
	if os.Getenv("VERGE_SLOW_TESTS") == "" {
		t.Skip("set VERGE_SLOW_TESTS=1 to measure mirror catch-up without the watchdog")
	}
	outages := []time.Duration{2 * time.Second, 30 * time.Second}
	if v := os.Getenv("VERGE_OUTAGE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		outages = []time.Duration{d}
	}
	for _, outage := range outages {
		for _, wd := range []bool{false, true} {
			t.Run(fmt.Sprintf("outage=%s/watchdog=%v", outage, wd), func(t *testing.T) {
				tp := startTopo(t, wd)
				kv, mirror := tp.setupBucket(t, "cfg")
				ctx := ctxT(t, 30*time.Second)
				if _, err := kv.Put(ctx, "k", []byte("v1")); err != nil {
					t.Fatal(err)
				}
				waitMirror(t, 10*time.Second, mirror, "cfg", "k", "v1")
				tp.hub.Close()
				time.Sleep(outage) // the outage itself, not an assertion
				d := outageAndWrite(t, tp, mirror, "v2")
				t.Logf("mirror catch-up: outage=%s watchdog=%v restarts=%d: %s", outage, wd, tp.leaf.Restarts(), d)
			})
		}
	}
}

func TestStartLocal(t *testing.T) {
	ctx := ctxT(t, 30*time.Second)
	l, err := cluster.StartLocal(ctx, t.TempDir(), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	if l.Hub.ClientURL() != "" {
		t.Fatalf("local hub has a client listener: %s", l.Hub.ClientURL())
	}
	hjs, _ := jetstream.New(l.Hub.Conn())
	kv, err := hjs.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "x"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := l.Leaf.MirrorKV(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	waitMirror(t, 10*time.Second, m, "x", "k", "v")
}
