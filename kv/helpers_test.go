package kv_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/verge-edge/verge/cluster"
	"github.com/verge-edge/verge/kv"
)

func testLogger() *slog.Logger {
	if os.Getenv("VERGE_NATS_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

type env struct {
	hub  *cluster.Hub
	leaf *cluster.Leaf
}

// startEnv starts a hub and a PoP leaf on loopback random ports.
func startEnv(t testing.TB) *env {
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
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	hub, err := cluster.StartHub(ctx, cluster.HubConfig{
		LeafListen: "127.0.0.1:0",
		StoreDir:   filepath.Join(dir, "hub"),
		Users:      []string{pub},
		Logger:     testLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hub.Close() })
	leaf, err := cluster.StartLeaf(ctx, cluster.LeafConfig{
		Name:        "gru",
		HubURLs:     []string{hub.LeafURL()},
		Credentials: creds,
		StoreDir:    filepath.Join(dir, "leaf"),
		Logger:      testLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { leaf.Close() })
	if err := leaf.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	return &env{hub: hub, leaf: leaf}
}

func (e *env) open(t testing.TB, ns string, now func() time.Time) *kv.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := kv.Open(ctx, kv.Config{Namespace: ns, Conn: e.leaf.Conn(), Logger: testLogger(), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// eventually polls cond until it returns nil or the deadline passes.
func eventually(t testing.TB, d time.Duration, what string, cond func(ctx context.Context) error) {
	t.Helper()
	deadline := time.Now().Add(d)
	var err error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = cond(ctx)
		cancel()
		if err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s: still failing after %s: %v", what, d, err)
}

// waitValue waits until the mirror serves key with want (nil = absent).
func waitValue(t testing.TB, s *kv.Store, key string, want []byte) {
	t.Helper()
	eventually(t, 20*time.Second, fmt.Sprintf("get %q", key), func(ctx context.Context) error {
		v, _, found, err := s.Get(ctx, key)
		switch {
		case err != nil:
			return err
		case want == nil && found:
			return fmt.Errorf("still found (%d bytes)", len(v))
		case want != nil && !found:
			return fmt.Errorf("not found")
		case want != nil && string(v) != string(want):
			return fmt.Errorf("got %d bytes, want %d", len(v), len(want))
		}
		return nil
	})
}
