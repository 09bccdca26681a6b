package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/verge-edge/verge/cluster"
)

// Deployed is a worker as a PoP serves it: its record and the folder of
// each version in its split.
type Deployed struct {
	Worker *Worker
	Dirs   map[int]string // version number -> unpacked artifact
	// Secrets are the worker's secrets, sealed (package secrets'
	// Keyring): name -> value.
	Secrets map[string]string
}

// Set is every deployed worker by name.
type Set map[string]Deployed

// WatchConfig configures a Watcher.
type WatchConfig struct {
	// Conn is the PoP's connection (cluster.Leaf.Conn), or the hub's.
	Conn *nats.Conn
	// Dir is the PoP's local store of unpacked artifacts.
	Dir string
	// OnChange receives the complete set after every change whose
	// artifacts are all present. Calls do not overlap; a slow call
	// coalesces the changes that arrive meanwhile into the next one.
	OnChange func(Set)
	// Retry is the wait before fetching a missing artifact again
	// (default 500ms).
	Retry time.Duration
	Log   *slog.Logger
}

// Watcher keeps a PoP's deployments up to date: see the package doc.
type Watcher struct {
	cfg WatchConfig
	hub jetstream.JetStream

	mu        sync.Mutex
	records   map[string]*Worker           // the latest records
	secrets   map[string]map[string]string // worker -> sealed secrets
	waiting   int                          // buckets not caught up yet
	delivered Set                          // what OnChange last got
	kick      chan struct{}

	stop context.CancelFunc
	done chan struct{}
}

// Watch starts watching. It does not need the hub: a PoP that restarts
// while the hub is away serves what its mirror and local store hold.
func Watch(ctx context.Context, cfg WatchConfig) (*Watcher, error) {
	if cfg.Retry == 0 {
		cfg.Retry = 500 * time.Millisecond
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("deploy: local store: %w", err)
	}
	w := &Watcher{cfg: cfg, records: map[string]*Worker{}, secrets: map[string]map[string]string{}, kick: make(chan struct{}, 1), done: make(chan struct{})}
	var err error
	if w.hub, err = jetstream.NewWithDomain(cfg.Conn, cluster.HubDomain); err != nil {
		return nil, fmt.Errorf("deploy: %w", err)
	}
	local, err := jetstream.New(cfg.Conn)
	if err != nil {
		return nil, fmt.Errorf("deploy: %w", err)
	}
	info, err := local.AccountInfo(ctx)
	if err != nil {
		return nil, fmt.Errorf("deploy: local jetstream: %w", err)
	}
	atHub := info.Domain == cluster.HubDomain
	if atHub {
		// The control plane's own node: read the buckets themselves.
		if _, err := OpenStore(ctx, cfg.Conn); err != nil {
			return nil, err
		}
	}
	wctx, cancel := context.WithCancel(context.Background())
	w.stop = cancel
	var ccs []jetstream.ConsumeContext
	stopAll := func() {
		for _, cc := range ccs {
			cc.Stop()
		}
	}
	w.waiting = 2
	for _, bucket := range []string{DeploymentsBucket, SecretsBucket} {
		cc, err := w.follow(ctx, local, bucket, atHub)
		if err != nil {
			cancel()
			stopAll()
			return nil, err
		}
		ccs = append(ccs, cc)
	}
	go func() {
		defer close(w.done)
		defer stopAll()
		w.loop(wctx)
	}()
	return w, nil
}

// Close stops the watcher and waits for a running OnChange.
func (w *Watcher) Close() {
	w.stop()
	<-w.done
}

// follow consumes a bucket's records from the local mirror (or the
// hub's bucket at the hub).
func (w *Watcher) follow(ctx context.Context, local jetstream.JetStream, bucket string, atHub bool) (jetstream.ConsumeContext, error) {
	var stream jetstream.Stream
	var err error
	if atHub {
		stream, err = local.Stream(ctx, "KV_"+bucket)
	} else {
		stream, err = cluster.EnsureKVMirror(ctx, local, bucket)
	}
	if err != nil {
		return nil, fmt.Errorf("deploy: %w", err)
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{"$KV." + bucket + ".>"},
		DeliverPolicy:  jetstream.DeliverLastPerSubjectPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("deploy: watching %s: %w", bucket, err)
	}
	caught := false
	catchUp := func() {
		w.mu.Lock()
		if !caught {
			caught = true
			w.waiting--
		}
		ready := w.waiting == 0
		w.mu.Unlock()
		// Only act once every bucket caught up, so a restart delivers
		// one set rather than one per record.
		if ready {
			w.poke()
		}
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		w.onMsg(bucket, m)
		if meta, err := m.Metadata(); err != nil || meta.NumPending == 0 {
			catchUp()
		}
	})
	if err != nil {
		return nil, fmt.Errorf("deploy: watching %s: %w", bucket, err)
	}
	if info := cons.CachedInfo(); info == nil || info.NumPending == 0 {
		catchUp() // nothing to catch up on
	}
	return cc, nil
}

func (w *Watcher) onMsg(bucket string, m jetstream.Msg) {
	name := strings.TrimPrefix(m.Subject(), "$KV."+bucket+".")
	deleted := m.Headers().Get("KV-Operation") == "DEL" || m.Headers().Get("KV-Operation") == "PURGE"
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case bucket == SecretsBucket && deleted:
		delete(w.secrets, name)
	case bucket == SecretsBucket:
		var sealed map[string]string
		if err := json.Unmarshal(m.Data(), &sealed); err != nil {
			w.cfg.Log.Error("ignoring a bad secrets record", "worker", name, "err", err)
		} else {
			w.secrets[name] = sealed
		}
	case deleted:
		delete(w.records, name)
	default:
		var rec Worker
		if err := json.Unmarshal(m.Data(), &rec); err != nil || rec.Name != name {
			w.cfg.Log.Error("ignoring a bad deployment record", "worker", name, "err", err)
		} else {
			w.records[name] = &rec
		}
	}
}

func (w *Watcher) poke() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

func (w *Watcher) loop(ctx context.Context) {
	var retry <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.kick:
		case <-retry:
		}
		retry = nil
		if !w.reconcile(ctx) {
			retry = time.After(w.cfg.Retry)
		}
	}
}

// reconcile fetches what the records need and delivers the new set. It
// reports whether everything was there; a worker whose artifact is
// missing stays as last delivered until the fetch succeeds.
func (w *Watcher) reconcile(ctx context.Context) bool {
	w.mu.Lock()
	records := maps.Clone(w.records)
	sealed := maps.Clone(w.secrets)
	prev := w.delivered
	w.mu.Unlock()
	set := Set{}
	complete := true
	for name, rec := range records {
		d := Deployed{Worker: rec, Dirs: map[int]string{}, Secrets: sealed[name]}
		for _, sp := range rec.Split {
			v, ok := rec.Version(sp.Version)
			if !ok {
				w.cfg.Log.Error("deployment record splits to a missing version", "worker", name, "version", sp.Version)
				d.Dirs = nil
				break
			}
			dir, err := w.artifact(ctx, v.Digest)
			if err != nil {
				w.cfg.Log.Warn("cannot fetch artifact yet; serving the previous version", "worker", name, "version", v.Number, "err", err)
				d.Dirs = nil
				complete = false
				break
			}
			d.Dirs[v.Number] = dir
		}
		if d.Dirs != nil {
			set[name] = d
		} else if old, ok := prev[name]; ok {
			set[name] = old
		}
	}
	if !sameSet(set, prev) {
		w.cfg.OnChange(set)
		w.mu.Lock()
		w.delivered = set
		w.mu.Unlock()
	}
	return complete
}

// artifact returns the folder of an artifact, fetching it from the hub
// when the local store lacks it.
func (w *Watcher) artifact(ctx context.Context, digest string) (string, error) {
	if len(digest) != 64 || strings.Trim(digest, "0123456789abcdef") != "" {
		return "", fmt.Errorf("bad digest %q", digest)
	}
	dir := filepath.Join(w.cfg.Dir, digest)
	if _, err := ReadManifest(dir); err == nil {
		return dir, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	objs, err := w.hub.ObjectStore(ctx, ArtifactsBucket)
	if err != nil {
		return "", err
	}
	b, err := objs.GetBytes(ctx, digest)
	if err != nil {
		return "", err
	}
	if Digest(b) != digest {
		return "", errors.New("artifact does not match its digest")
	}
	os.RemoveAll(dir) // a partial folder from an old crash
	if _, err := Unpack(b, dir); err != nil {
		return "", err
	}
	return dir, nil
}

func sameSet(a, b Set) bool {
	if len(a) != len(b) || (a == nil) != (b == nil) {
		return false
	}
	for name, da := range a {
		db, ok := b[name]
		if !ok || !maps.Equal(da.Dirs, db.Dirs) || !slices.Equal(da.Worker.Split, db.Worker.Split) || !maps.Equal(da.Secrets, db.Secrets) {
			return false
		}
	}
	return true
}
