package server

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/verge-edge/verge/cluster"
	"github.com/verge-edge/verge/tail"
)

// TestPublishTail: the server's tail events reach a viewer on the hub,
// named after the PoP, until the bridge's context ends.
func TestPublishTail(t *testing.T) {
	local, err := cluster.StartLocal(context.Background(), t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	s := &Server{tail: tail.NewHub(), log: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := s.PublishTail(ctx, local.Leaf.Conn(), "gru"); err != nil {
		t.Fatal(err)
	}
	st, err := tail.Subscribe(context.Background(), local.Hub.Conn(), tail.Filter{Worker: "shop"}, tail.StreamOptions{Lease: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	next := func() tail.Event {
		t.Helper()
		select {
		case e := <-st.C:
			return e
		case <-time.After(30 * time.Second):
			t.Fatal("no event")
		}
		return tail.Event{}
	}
	if e := next(); e.Kind != tail.KindAttached || e.PoP != "gru" {
		t.Fatalf("first event %+v", e)
	}
	s.tail.Publish(tail.Event{Worker: "shop", Kind: "console", Level: "log", Message: "hi"})
	if e := next(); e.Kind != "console" || e.PoP != "gru" || e.Message != "hi" {
		t.Fatalf("event %+v", e)
	}
	cancel()
	for deadline := time.Now().Add(30 * time.Second); s.tail.Watched(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the bridge still watches the server's tail after its context ended")
		}
	}
}
