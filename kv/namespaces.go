package kv

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"

	"github.com/nats-io/nats.go"
)

// Namespaces opens the Stores of many namespaces on one connection (a
// PoP's leaf), each on first use, and serves Workers KV calls by namespace
// id: the store behind the worker binding. It is safe for concurrent use.
type Namespaces struct {
	conn *nats.Conn
	log  *slog.Logger
	mu   sync.Mutex
	m    map[string]*Store
}

// NewNamespaces returns an empty set on conn.
func NewNamespaces(conn *nats.Conn, log *slog.Logger) *Namespaces {
	return &Namespaces{conn: conn, log: log, m: map[string]*Store{}}
}

// Store returns the namespace's Store, opening it the first time.
func (n *Namespaces) Store(ctx context.Context, ns string) (*Store, error) {
	n.mu.Lock()
	s := n.m[ns]
	n.mu.Unlock()
	if s != nil {
		return s, nil
	}
	s, err := Open(ctx, Config{Namespace: ns, Conn: n.conn, Logger: n.log})
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if prev := n.m[ns]; prev != nil {
		return prev, nil // opened concurrently; Open is idempotent
	}
	n.m[ns] = s
	return s, nil
}

// Get is Store.Get in namespace ns.
func (n *Namespaces) Get(ctx context.Context, ns, key string) ([]byte, json.RawMessage, bool, error) {
	s, err := n.Store(ctx, ns)
	if err != nil {
		return nil, nil, false, err
	}
	return s.Get(ctx, key)
}

// Put is Store.Put in namespace ns.
func (n *Namespaces) Put(ctx context.Context, ns, key string, value []byte, opts PutOptions) error {
	s, err := n.Store(ctx, ns)
	if err != nil {
		return err
	}
	return s.Put(ctx, key, value, opts)
}

// Delete is Store.Delete in namespace ns.
func (n *Namespaces) Delete(ctx context.Context, ns, key string) error {
	s, err := n.Store(ctx, ns)
	if err != nil {
		return err
	}
	return s.Delete(ctx, key)
}

// List is Store.List in namespace ns.
func (n *Namespaces) List(ctx context.Context, ns string, opts ListOptions) (ListResult, error) {
	s, err := n.Store(ctx, ns)
	if err != nil {
		return ListResult{}, err
	}
	return s.List(ctx, opts)
}

// PutBulk is Store.PutBulk in namespace ns.
func (n *Namespaces) PutBulk(ctx context.Context, ns string, entries []BulkEntry) error {
	s, err := n.Store(ctx, ns)
	if err != nil {
		return err
	}
	return s.PutBulk(ctx, entries)
}

// Close does nothing: the connection belongs to the caller. It lets
// Namespaces stand where an Embedded store does.
func (n *Namespaces) Close() error { return nil }

// Create makes namespace ns at the hub, if it does not exist yet.
func (n *Namespaces) Create(ctx context.Context, ns string) error {
	_, err := n.Store(ctx, ns)
	return err
}

// ListNamespaces returns the namespaces that exist at the hub, sorted.
func (n *Namespaces) ListNamespaces(ctx context.Context) ([]string, error) {
	return listNamespaces(ctx, n.conn)
}
