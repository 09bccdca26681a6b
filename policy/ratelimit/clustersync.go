package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// SubjectPrefix starts the NATS subjects of cluster-scoped limiters: each
// limiter publishes its batches on SubjectPrefix + "." + a hash of its
// Options.ID and period, and listens there for the other PoPs'.
const SubjectPrefix = "verge.ratelimit"

// Sync defaults and bounds.
const (
	DefaultSyncInterval = 100 * time.Millisecond
	MinSyncInterval     = 10 * time.Millisecond
	MaxSyncInterval     = 5 * time.Second
	// DefaultSyncBatch keeps messages far under NATS's default max
	// payload (1 MiB), and with syncQueue bounds the memory of batches
	// received but not yet added (16 MiB).
	DefaultSyncBatch = 16 << 10
	// MinClusterWindows is how many sync intervals a cluster-scoped
	// limiter's period must span at least: the counts of the others
	// arrive one interval late, so a period of a few intervals would be
	// mostly unsynchronised.
	MinClusterWindows = 10
	// minSecret is the shortest SyncConfig.Secret.
	minSecret = 16
	// syncQueue is how many received batches may wait to be added;
	// beyond it NATS drops them (and reports a slow consumer).
	syncQueue = 1024
)

// SyncConfig configures a Sync.
type SyncConfig struct {
	// Secret keys the hash under which request keys travel between PoPs.
	// It must be the same on every PoP, at least 16 bytes, and secret: a
	// key such as a client address has few enough values that an
	// unkeyed hash of it could be reversed by trying them all. The
	// network's shared key (pop.creds) will do: the hash key is derived
	// from it with a label of its own.
	Secret []byte
	// Interval is how often a PoP publishes what it admitted. Default
	// DefaultSyncInterval; between MinSyncInterval and MaxSyncInterval.
	// It bounds the error (see the package doc): shorter is more exact
	// and costs more messages.
	Interval time.Duration
	// MaxBatch caps a message's size in bytes; a larger publication is
	// split. Default DefaultSyncBatch, at least MinSyncBatch, and at most
	// the connection's max payload.
	MaxBatch int
	// Logger receives the Sync's warnings (lost publications, malformed
	// batches); nil discards them.
	Logger *slog.Logger
}

// Sync shares the counts of a node's cluster-scoped limiters with the
// other PoPs over NATS. One per node serves all its limiters: pass it in
// Options.Sync. Two goroutines run until Close or the end of the context
// given to StartSync: one publishes every interval, the other adds what
// the other PoPs publish. It is safe for concurrent use.
type Sync struct {
	nc       *nats.Conn // nil in tests that move batches by hand
	key      sipKey     // hashes request keys alike on every PoP
	interval time.Duration
	maxBatch int
	log      *slog.Logger

	msgs chan *nats.Msg

	mu     sync.Mutex
	counts map[*clusterCounts]struct{}
	bySub  map[*nats.Subscription]*clusterCounts
	closed bool

	stop      func()
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// StartSync starts sharing counts over nc, the node's connection to its
// NATS leaf (or to the embedded server of a single node). The Sync does
// not own nc: close the Sync before nc.
//
// ctx bounds the Sync's life, not its start (which does not wait): when
// it ends, the Sync stops publishing and receiving as Close does, and
// logs a warning, since its limiters then count alone. Pass the node's
// lifetime context, not a start-up timeout; Close is needed either way.
func StartSync(ctx context.Context, nc *nats.Conn, cfg SyncConfig) (*Sync, error) {
	if nc == nil {
		return nil, errors.New("ratelimit: StartSync: no NATS connection")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ratelimit: StartSync: %w", err)
	}
	s, err := newSync(cfg)
	if err != nil {
		return nil, err
	}
	if p := nc.MaxPayload(); p > 0 && int64(s.maxBatch) > p {
		if p < MinSyncBatch {
			return nil, fmt.Errorf("ratelimit: StartSync: the server's max payload (%d bytes) is under %d", p, MinSyncBatch)
		}
		s.maxBatch = int(p)
	}
	s.nc = nc
	s.msgs = make(chan *nats.Msg, syncQueue)
	ctx, cancel := context.WithCancelCause(ctx)
	s.stop = func() { cancel(errSyncClosed) }
	s.wg.Add(2)
	go s.publishLoop(ctx)
	go s.receiveLoop(ctx)
	return s, nil
}

// newSync makes a Sync without a connection or goroutines.
func newSync(cfg SyncConfig) (*Sync, error) {
	if len(cfg.Secret) < minSecret {
		return nil, fmt.Errorf("ratelimit: SyncConfig.Secret is %d bytes; it needs at least %d, the same on every PoP", len(cfg.Secret), minSecret)
	}
	if cfg.Interval == 0 {
		cfg.Interval = DefaultSyncInterval
	}
	if cfg.Interval < MinSyncInterval || cfg.Interval > MaxSyncInterval {
		return nil, fmt.Errorf("ratelimit: SyncConfig.Interval: must be between %v and %v, got %v", MinSyncInterval, MaxSyncInterval, cfg.Interval)
	}
	if cfg.MaxBatch == 0 {
		cfg.MaxBatch = DefaultSyncBatch
	}
	if cfg.MaxBatch < MinSyncBatch {
		return nil, fmt.Errorf("ratelimit: SyncConfig.MaxBatch: must be at least %d, got %d", MinSyncBatch, cfg.MaxBatch)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Sync{
		key:      deriveSipKey(cfg.Secret),
		interval: cfg.Interval,
		maxBatch: cfg.MaxBatch,
		log:      log,
		counts:   map[*clusterCounts]struct{}{},
		bySub:    map[*nats.Subscription]*clusterCounts{},
	}, nil
}

// subject is a limiter's subject. The id is hashed: it may hold
// characters a subject cannot (a route's "*" or "."), and the period is
// part of it because PoPs can add counts only over the same windows (a
// PoP on an older config with another period keeps its own).
func subject(id string, period int64) string {
	h := sha256.Sum256([]byte(id + "\x00" + strconv.FormatInt(period, 10)))
	return SubjectPrefix + "." + hex.EncodeToString(h[:16])
}

// newSender returns an id for one limiter's batches.
func (s *Sync) newSender() uint64 {
	return rand.Uint64()
}

// join attaches a cluster part to l, a Limiter with scope "cluster".
func (s *Sync) join(l *Limiter, id string) error {
	if id == "" {
		return errors.New("ratelimit: scope \"cluster\" needs Options.ID, the limiter's name across PoPs")
	}
	if l.period < MinClusterWindows*int64(s.interval) {
		return fmt.Errorf("rate_limit.period: %v is too short for scope %q: PoPs exchange counts every %v, so the period must be at least %v",
			time.Duration(l.period), ScopeCluster, s.interval, MinClusterWindows*s.interval)
	}
	c := newClusterCounts(l, s, id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("ratelimit: the cluster Sync is closed")
	}
	if s.nc != nil {
		// Channel subscriptions share one receiving goroutine, however
		// many limiters there are.
		sub, err := s.nc.ChanSubscribe(c.subject, s.msgs)
		if err != nil {
			return fmt.Errorf("ratelimit: subscribe %s: %w", c.subject, err)
		}
		c.sub = sub
		s.bySub[sub] = c
	}
	s.counts[c] = struct{}{}
	l.cl = c
	return nil
}

// leave detaches c: its last increments are published and it stops
// listening.
func (s *Sync) leave(c *clusterCounts) error {
	s.mu.Lock()
	_, ok := s.counts[c]
	delete(s.counts, c)
	if c.sub != nil {
		delete(s.bySub, c.sub)
	}
	s.mu.Unlock()
	if !ok {
		return nil // already left, or the Sync closed
	}
	return s.detach(c)
}

func (s *Sync) detach(c *clusterCounts) error {
	err := c.close(s.maxBatch, s.publisher(c))
	if c.sub != nil {
		if uerr := c.sub.Unsubscribe(); uerr != nil && !errors.Is(uerr, nats.ErrConnectionClosed) && !errors.Is(uerr, nats.ErrBadSubscription) {
			err = errors.Join(err, fmt.Errorf("ratelimit: unsubscribe %s: %w", c.subject, uerr))
		}
	}
	return err
}

func (s *Sync) publisher(c *clusterCounts) func([]byte) error {
	return func(b []byte) error {
		if s.nc == nil {
			return nil
		}
		if err := s.nc.Publish(c.subject, b); err != nil {
			return fmt.Errorf("ratelimit: publish %s: %w", c.subject, err)
		}
		return nil
	}
}

// Close publishes what the limiters admitted since the last interval,
// stops the goroutines and unsubscribes. The limiters keep counting, each
// on its own. Close is idempotent.
func (s *Sync) Close() error {
	s.closeOnce.Do(func() {
		if s.stop != nil {
			s.stop()
		}
		s.wg.Wait()
		s.mu.Lock()
		s.closed = true
		counts := s.counts
		s.counts, s.bySub = nil, nil
		s.mu.Unlock()
		var errs []error
		for c := range counts {
			if err := s.detach(c); err != nil {
				errs = append(errs, err)
			}
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// errSyncClosed is the cause of a Sync's context ending through Close.
var errSyncClosed = errors.New("ratelimit: Sync closed")

func (s *Sync) publishLoop(ctx context.Context) {
	defer s.wg.Done()
	t := time.NewTicker(s.interval)
	defer t.Stop()
	var (
		list   []*clusterCounts
		warned time.Time
	)
	for {
		select {
		case <-ctx.Done():
			if cause := context.Cause(ctx); cause != errSyncClosed {
				s.log.Warn("rate limit sync stopped before Close; cluster-scoped limiters now count alone", "cause", cause)
			}
			return
		case <-t.C:
		}
		list = s.snapshot(list[:0])
		var failed, dropped int64
		var firstErr error
		for _, c := range list {
			dropped += c.dropped.Swap(0)
			if !c.dirty.Load() {
				continue
			}
			if err := c.flush(s.maxBatch, s.publisher(c)); err != nil {
				failed++
				if firstErr == nil {
					firstErr = err
				}
			}
		}
		clear(list) // no references to retired limiters until the next tick
		// One warning a minute at most: under a flood or a NATS outage
		// these would otherwise repeat every interval.
		if (failed > 0 || dropped > 0) && time.Since(warned) > time.Minute {
			warned = time.Now()
			s.log.Warn("rate limit counts not shared with the other PoPs; the cluster may admit more than the limit",
				"failed_limiters", failed, "err", firstErr, "dropped_increments", dropped)
		}
	}
}

func (s *Sync) snapshot(list []*clusterCounts) []*clusterCounts {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.counts {
		list = append(list, c)
	}
	return list
}

func (s *Sync) receiveLoop(ctx context.Context) {
	defer s.wg.Done()
	var warned time.Time
	for {
		var m *nats.Msg
		select {
		case <-ctx.Done():
			return
		case m = <-s.msgs:
		}
		s.mu.Lock()
		c := s.bySub[m.Sub]
		s.mu.Unlock()
		if c == nil {
			continue // its limiter left
		}
		if _, err := c.apply(m.Data, time.Now().UnixNano()); err != nil && time.Since(warned) > time.Minute {
			warned = time.Now()
			s.log.Warn("rate limit batch refused", "subject", m.Subject, "limiter", c.id, "err", err)
		}
	}
}
