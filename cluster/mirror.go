package cluster

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// HubAPIPrefix is the JetStream API prefix of the hub's domain, as seen from
// a leaf in the same account.
const HubAPIPrefix = "$JS." + HubDomain + ".API"

// MirrorKV creates (or updates) a local mirror of the hub KV bucket on this
// PoP, so reads are served locally even when the hub is unreachable.
func (l *Leaf) MirrorKV(ctx context.Context, bucket string) (jetstream.Stream, error) {
	js, err := jetstream.New(l.Conn())
	if err != nil {
		return nil, fmt.Errorf("cluster: mirror %s: %w", bucket, err)
	}
	return EnsureKVMirror(ctx, js, bucket)
}

// EnsureKVMirror creates (or updates) a stream on local that mirrors the hub
// KV bucket across domains. The mirror has the bucket's own stream name
// ("KV_<bucket>"), so KV direct gets on the PoP are answered by the mirror.
func EnsureKVMirror(ctx context.Context, local jetstream.JetStream, bucket string) (jetstream.Stream, error) {
	name := "KV_" + bucket
	cfg := jetstream.StreamConfig{
		Name:        name,
		Description: "local mirror of hub KV bucket " + bucket,
		Mirror: &jetstream.StreamSource{
			Name:     name,
			External: &jetstream.ExternalStream{APIPrefix: HubAPIPrefix},
		},
		Storage:           jetstream.FileStorage,
		MaxMsgsPerSubject: 1,
		MaxMsgs:           -1,
		MaxBytes:          -1,
		MaxMsgSize:        -1,
		AllowDirect:       true,
		MirrorDirect:      true,
		// The hub's bucket uses per-message TTLs; the mirror must accept
		// them and then expires its copies on the same schedule.
		AllowMsgTTL: true,
	}
	s, err := local.CreateOrUpdateStream(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("cluster: mirror %s: %w", bucket, err)
	}
	return s, nil
}
