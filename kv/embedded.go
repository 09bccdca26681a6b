package kv

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"

	"github.com/verge-edge/verge/cluster"
)

// Embedded is the KV of a single machine (verge serve, verge dev): a hub
// and a PoP leaf in this process (cluster.StartLocal) under dir, started on
// first use so that nodes without KV bindings pay nothing. It serves the
// same calls as Namespaces and is safe for concurrent use.
type Embedded struct {
	dir string
	log *slog.Logger

	mu    sync.Mutex
	local *cluster.Local
	ns    *Namespaces
}

// NewEmbedded returns the KV kept under dir.
func NewEmbedded(dir string, log *slog.Logger) *Embedded {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Embedded{dir: dir, log: log}
}

func (e *Embedded) namespaces(ctx context.Context) (*Namespaces, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ns != nil {
		return e.ns, nil
	}
	local, err := cluster.StartLocal(ctx, e.dir, e.log)
	if err != nil {
		return nil, fmt.Errorf("kv: starting the embedded store in %s: %w", e.dir, err)
	}
	e.local, e.ns = local, NewNamespaces(local.Leaf.Conn(), e.log)
	return e.ns, nil
}

// Get is Store.Get in namespace ns.
func (e *Embedded) Get(ctx context.Context, ns, key string) ([]byte, json.RawMessage, bool, error) {
	n, err := e.namespaces(ctx)
	if err != nil {
		return nil, nil, false, err
	}
	return n.Get(ctx, ns, key)
}

// Put is Store.Put in namespace ns.
func (e *Embedded) Put(ctx context.Context, ns, key string, value []byte, opts PutOptions) error {
	n, err := e.namespaces(ctx)
	if err != nil {
		return err
	}
	return n.Put(ctx, ns, key, value, opts)
}

// Delete is Store.Delete in namespace ns.
func (e *Embedded) Delete(ctx context.Context, ns, key string) error {
	n, err := e.namespaces(ctx)
	if err != nil {
		return err
	}
	return n.Delete(ctx, ns, key)
}

// List is Store.List in namespace ns.
func (e *Embedded) List(ctx context.Context, ns string, opts ListOptions) (ListResult, error) {
	n, err := e.namespaces(ctx)
	if err != nil {
		return ListResult{}, err
	}
	return n.List(ctx, ns, opts)
}

// Close stops the embedded servers, if they were started.
func (e *Embedded) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.local == nil {
		return nil
	}
	err := e.local.Close()
	e.local, e.ns = nil, nil
	return err
}

// PutBulk is Store.PutBulk in namespace ns.
func (e *Embedded) PutBulk(ctx context.Context, ns string, entries []BulkEntry) error {
	n, err := e.namespaces(ctx)
	if err != nil {
		return err
	}
	s, err := n.Store(ctx, ns)
	if err != nil {
		return err
	}
	return s.PutBulk(ctx, entries)
}

// Local starts the embedded hub and leaf if needed and returns them, for
// the other users of the node's NATS (deployments).
func (e *Embedded) Local(ctx context.Context) (*cluster.Local, error) {
	if _, err := e.namespaces(ctx); err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.local == nil {
		return nil, fmt.Errorf("kv: the embedded store in %s is closed", e.dir)
	}
	return e.local, nil
}

// Create makes namespace ns, if it does not exist yet.
func (e *Embedded) Create(ctx context.Context, ns string) error {
	n, err := e.namespaces(ctx)
	if err != nil {
		return err
	}
	return n.Create(ctx, ns)
}

// ListNamespaces returns the namespaces that exist, sorted.
func (e *Embedded) ListNamespaces(ctx context.Context) ([]string, error) {
	n, err := e.namespaces(ctx)
	if err != nil {
		return nil, err
	}
	return n.ListNamespaces(ctx)
}
