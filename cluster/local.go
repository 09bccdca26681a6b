package cluster

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
)

// LocalPoP is the PoP name StartLocal gives its leaf.
const LocalPoP = "local"

// Local is a hub and a leaf in one process, as `verge serve` runs them.
type Local struct {
	Hub  *Hub
	Leaf *Leaf
}

// StartLocal starts a hub and a leaf wired together under dir (dir/hub,
// dir/leaf). Neither has a client listener; the only socket is the hub's
// leaf-node listener on a random loopback port. It waits for the link so
// the caller can create mirrors immediately. logger may be nil.
func StartLocal(ctx context.Context, dir string, logger *slog.Logger) (*Local, error) {
	creds, err := NewCredentials()
	if err != nil {
		return nil, err
	}
	pub, err := creds.PublicKey()
	if err != nil {
		return nil, err
	}
	hub, err := StartHub(ctx, HubConfig{
		LeafListen: "127.0.0.1:0",
		StoreDir:   filepath.Join(dir, "hub"),
		Users:      []string{pub},
		Logger:     logger,
	})
	if err != nil {
		return nil, err
	}
	leaf, err := StartLeaf(ctx, LeafConfig{
		Name:        LocalPoP,
		HubURLs:     []string{hub.LeafURL()},
		Credentials: creds,
		StoreDir:    filepath.Join(dir, "leaf"),
		Logger:      logger,
	})
	if err != nil {
		hub.Close()
		return nil, err
	}
	if err := leaf.WaitConnected(ctx); err != nil {
		leaf.Close()
		hub.Close()
		return nil, fmt.Errorf("cluster: local: %w", err)
	}
	return &Local{Hub: hub, Leaf: leaf}, nil
}

// Close stops the leaf, then the hub.
func (l *Local) Close() error {
	l.Leaf.Close()
	return l.Hub.Close()
}
