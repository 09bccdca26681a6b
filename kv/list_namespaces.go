package kv

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/verge-edge/verge/cluster"
)

// listNamespaces lists the hub's KV buckets that are namespaces (not the
// control plane's own).
func listNamespaces(ctx context.Context, conn *nats.Conn) ([]string, error) {
	js, err := jetstream.NewWithDomain(conn, cluster.HubDomain)
	if err != nil {
		return nil, err
	}
	out := []string{}
	names := js.StreamNames(ctx, jetstream.WithStreamListSubject("$KV.>"))
	for name := range names.Name() {
		ns, ok := strings.CutPrefix(name, "KV_")
		if ok && !strings.HasPrefix(strings.ToLower(ns), ReservedPrefix) {
			out = append(out, ns)
		}
	}
	if err := names.Err(); err != nil {
		return nil, fmt.Errorf("kv: listing namespaces: %w", err)
	}
	slices.Sort(out)
	return out, nil
}
