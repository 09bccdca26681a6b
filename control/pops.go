package control

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/verge-edge/verge/cluster"
	"github.com/verge-edge/verge/deploy"
)

const popsBucket = "verge_pops"

// DownAfter is how long a PoP may miss heartbeats before it is "down".
const DownAfter = 5 * time.Second

// Heartbeat is what a PoP reports about itself, every second.
type Heartbeat struct {
	Name     string    `json:"name"`
	Lat      float64   `json:"lat"`
	Lon      float64   `json:"lon"`
	Started  time.Time `json:"started"`
	Time     time.Time `json:"time"`
	Requests uint64    `json:"requests"` // since the PoP started
	// RPS is the request rate over the last interval.
	RPS float64 `json:"rps"`
	// Serving is each deployed worker's split as the PoP serves it.
	Serving map[string][]deploy.Split `json:"serving"`
}

// PoP is a PoP as GET /v1/pops lists it.
type PoP struct {
	Heartbeat
	Health string `json:"health"` // "up" or "down"
	// Age is the time since the last heartbeat, in seconds.
	Age float64 `json:"age_seconds"`
}

// pops are the PoPs' last heartbeats, at the hub.
type pops struct{ kv jetstream.KeyValue }

// OpenPoPs opens the heartbeat bucket at the hub.
func OpenPoPs(ctx context.Context, conn *nats.Conn) (*pops, error) {
	js, err := jetstream.NewWithDomain(conn, cluster.HubDomain)
	if err != nil {
		return nil, err
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:  popsBucket,
		History: 1,
		Storage: jetstream.FileStorage,
		// A PoP that is gone for good drops off the list after a day.
		TTL: 24 * time.Hour,
	})
	if err != nil {
		return nil, fmt.Errorf("control: pops: %w", err)
	}
	return &pops{kv: kv}, nil
}

// List returns every PoP that reported in the last day, by name.
func (p *pops) List(ctx context.Context) ([]PoP, error) {
	out := []PoP{}
	keys, err := p.kv.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	for k := range keys.Keys() {
		e, err := p.kv.Get(ctx, k)
		if err != nil {
			continue
		}
		var hb Heartbeat
		if json.Unmarshal(e.Value(), &hb) != nil {
			continue
		}
		pop := PoP{Heartbeat: hb, Health: "up", Age: now.Sub(hb.Time).Seconds()}
		if now.Sub(hb.Time) > DownAfter {
			pop.Health = "down"
		}
		out = append(out, pop)
	}
	slices.SortFunc(out, func(a, b PoP) int {
		if a.Name < b.Name {
			return -1
		}
		return 1
	})
	return out, nil
}

// ReportHeartbeats publishes report() to the hub every interval until ctx
// ends. Failures (the hub away) are logged once per outage: the PoP keeps
// serving, and the next beat after the hub returns updates it.
func ReportHeartbeats(ctx context.Context, conn *nats.Conn, interval time.Duration, report func() Heartbeat, log *slog.Logger) {
	var p *pops
	failing := false
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		var err error
		if p == nil {
			octx, cancel := context.WithTimeout(ctx, interval)
			p, err = OpenPoPs(octx, conn)
			cancel()
		}
		if p != nil {
			hb := report()
			b, _ := json.Marshal(hb)
			pctx, cancel := context.WithTimeout(ctx, interval)
			_, err = p.kv.Put(pctx, hb.Name, b)
			cancel()
		}
		if err != nil && !failing && ctx.Err() == nil {
			log.Warn("heartbeat to the hub failed; retrying", "err", err)
		}
		failing = err != nil
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
