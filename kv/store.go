package kv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/verge-edge/verge/cluster"
)

// Message headers. Expiration and metadata live in headers so List can use a
// headers-only consumer and never moves values.
const (
	hdrExpiration = "Verge-Expiration" // unix seconds
	hdrMetadata   = "Verge-Metadata"   // compact JSON
	hdrOperation  = "KV-Operation"     // "DEL"/"PURGE", as nats.go's KV writes
	hdrMarker     = "Nats-Marker-Reason"
)

// markerTTL is how long the hub keeps the delete marker the server writes
// when a key's per-message TTL fires. Mirrors expire their own copy on the
// same TTL, so the marker only needs to outlive normal mirror lag.
const markerTTL = time.Hour

// ReservedPrefix starts the names of the control plane's buckets; no
// namespace id may start with it.
const ReservedPrefix = "verge_"

var namespaceRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// Config opens a Store.
type Config struct {
	// Namespace is the KV namespace id; the bucket is named after it
	// (stream "KV_<Namespace>").
	Namespace string
	// Conn is a connection to the PoP's server (cluster.Leaf.Conn), or to
	// the hub itself (then reads hit the hub's bucket, no mirror).
	Conn *nats.Conn
	// Logger; nil discards.
	Logger *slog.Logger
	// Now is the clock used for expiration; nil means time.Now.
	Now func() time.Time
}

// Store is one Workers KV namespace.
type Store struct {
	ns     string
	prefix string // "$KV.<ns>."
	// wprefix is prefix behind the hub's domain API ("$JS.hub.API.$KV.<ns>."):
	// the hub maps it to "$KV.>", while a plain "$KV.>" publish from a leaf
	// never crosses the link (nats.go's KV does the same).
	wprefix string
	hub     jetstream.JetStream
	read    jetstream.Stream // local mirror, or the hub's stream at the hub
	now     func() time.Time
	minTTL  time.Duration
	log     *slog.Logger
}

// PutOptions are Workers KV put options. Set at most one of Expiration and
// ExpirationTTL; both must be at least 60 s away, as on Cloudflare.
type PutOptions struct {
	Expiration    time.Time
	ExpirationTTL time.Duration
	// Metadata is any JSON value up to 1024 bytes (compacted).
	Metadata json.RawMessage
}

// Open ensures the namespace's bucket at the hub and its mirror on the
// connection's server. If the hub is unreachable but the PoP is not the hub,
// Open still succeeds: reads work from the mirror, writes fail with
// ErrHubUnavailable until the hub returns.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if !namespaceRe.MatchString(cfg.Namespace) {
		return nil, fmt.Errorf("%w: %q (want [A-Za-z0-9_-]{1,128})", ErrInvalidNamespace, cfg.Namespace)
	}
	if strings.HasPrefix(strings.ToLower(cfg.Namespace), ReservedPrefix) {
		// The control plane's own buckets (deployments, tokens) live
		// beside the namespaces: a worker must never bind them.
		return nil, fmt.Errorf("%w: %q (ids starting with %q are Verge's own)", ErrInvalidNamespace, cfg.Namespace, ReservedPrefix)
	}
	if cfg.Conn == nil {
		return nil, errors.New("kv: Config.Conn is nil")
	}
	s := &Store{
		ns:      cfg.Namespace,
		prefix:  "$KV." + cfg.Namespace + ".",
		wprefix: cluster.HubAPIPrefix + ".$KV." + cfg.Namespace + ".",
		now:     cfg.Now,
		minTTL:  MinTTL * time.Second,
		log:     cfg.Logger,
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = s.log.With("kv_namespace", cfg.Namespace)
	var err error
	if s.hub, err = jetstream.NewWithDomain(cfg.Conn, cluster.HubDomain); err != nil {
		return nil, fmt.Errorf("kv: open %s: %w", s.ns, err)
	}
	local, err := jetstream.New(cfg.Conn)
	if err != nil {
		return nil, fmt.Errorf("kv: open %s: %w", s.ns, err)
	}
	info, err := local.AccountInfo(ctx)
	if err != nil {
		return nil, fmt.Errorf("kv: open %s: local jetstream: %w", s.ns, err)
	}
	atHub := info.Domain == cluster.HubDomain

	_, herr := s.hub.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:         s.ns,
		Description:    "Workers KV namespace " + s.ns,
		History:        1,
		Storage:        jetstream.FileStorage,
		LimitMarkerTTL: markerTTL,
	})
	if herr == nil {
		herr = s.waitRoute(ctx)
	}
	if herr != nil {
		if atHub || !hubDown(herr) {
			return nil, fmt.Errorf("kv: open %s: create bucket at hub: %w", s.ns, herr)
		}
		s.log.Warn("hub unreachable; serving reads from the local mirror", "err", herr)
	}
	if atHub {
		s.read, err = local.Stream(ctx, "KV_"+s.ns)
	} else {
		s.read, err = cluster.EnsureKVMirror(ctx, local, s.ns)
	}
	if err != nil {
		return nil, fmt.Errorf("kv: open %s: %w", s.ns, err)
	}
	return s, nil
}

// waitRoute waits until publishes from this connection reach the hub's
// stream. A new bucket's subject interest needs a moment to cross the leaf
// link; until then a put fails with "no responders". The probe names a
// stream that does not exist, so the hub answers with an error and stores
// nothing.
func (s *Store) waitRoute(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	probe := &nats.Msg{Subject: s.wprefix + "-", Header: nats.Header{}}
	for {
		_, err := s.hub.PublishMsg(ctx, probe, jetstream.WithExpectStream("verge-route-probe"), jetstream.WithRetryAttempts(0))
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) {
			return nil // the hub's stream answered
		}
		if err == nil {
			return errors.New("route probe was stored")
		}
		if !errors.Is(err, nats.ErrNoResponders) && !errors.Is(err, jetstream.ErrNoStreamResponse) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Namespace returns the namespace id.
func (s *Store) Namespace() string { return s.ns }

func (s *Store) subject(key string) string { return s.prefix + encodeKey(key) }

func (s *Store) writeSubject(key string) string { return s.wprefix + encodeKey(key) }

// Get returns the value and metadata of key, read from the local mirror.
// found is false for missing, deleted and expired keys.
func (s *Store) Get(ctx context.Context, key string) (value []byte, meta json.RawMessage, found bool, err error) {
	if err := validateKey(key); err != nil {
		return nil, nil, false, err
	}
	m, err := s.read.GetLastMsgForSubject(ctx, s.subject(key))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, fmt.Errorf("kv: get %q: %w", key, err)
	}
	if s.dead(m.Header) {
		return nil, nil, false, nil
	}
	if md := m.Header.Get(hdrMetadata); md != "" {
		meta = json.RawMessage(md)
	}
	return m.Data, meta, true, nil
}

// dead reports whether a stored message stands for no value: a delete or
// purge marker, a TTL marker, or a value whose expiration has passed (the
// server purges on its own schedule; readers must not see it before).
func (s *Store) dead(h nats.Header) bool {
	if h.Get(hdrOperation) != "" || h.Get(hdrMarker) != "" {
		return true
	}
	exp, ok := expiration(h)
	return ok && !s.now().Before(time.Unix(exp, 0))
}

func expiration(h nats.Header) (int64, bool) {
	v := h.Get(hdrExpiration)
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

// Put writes key at the hub. It returns once the hub has stored it and
// the PoP's mirror has copied it (milliseconds on a healthy link), so a
// read at this PoP after a write sees it, as on Cloudflare; other PoPs see
// it when their mirrors catch up.
func (s *Store) Put(ctx context.Context, key string, value []byte, opts PutOptions) error {
	msg, ttl, err := s.putMsg(key, value, opts)
	if err != nil {
		return err
	}
	var popts []jetstream.PublishOpt
	if ttl > 0 {
		popts = append(popts, jetstream.WithMsgTTL(ttl))
	}
	ack, err := s.hub.PublishMsg(ctx, msg, popts...)
	if err != nil {
		return s.writeErr("put", key, err)
	}
	s.awaitMirror(ctx, ack.Sequence)
	return nil
}

// mirrorWait bounds how long a write waits for the local mirror: past it
// the write has succeeded at the hub and the mirror catches up later.
const mirrorWait = 5 * time.Second

// awaitMirror waits until the stream reads are served from holds seq (a
// mirror keeps its origin's sequence numbers).
func (s *Store) awaitMirror(ctx context.Context, seq uint64) {
	ctx, cancel := context.WithTimeout(ctx, mirrorWait)
	defer cancel()
	for pause := time.Millisecond; ; pause = min(2*pause, 50*time.Millisecond) {
		info, err := s.read.Info(ctx)
		if err == nil && info.State.LastSeq >= seq {
			return
		}
		select {
		case <-ctx.Done():
			s.log.Debug("kv: the local mirror is behind the hub", "namespace", s.ns, "seq", seq)
			return
		case <-time.After(pause):
		}
	}
}

// putMsg validates a put and builds its message and server TTL.
func (s *Store) putMsg(key string, value []byte, opts PutOptions) (*nats.Msg, time.Duration, error) {
	if err := validateKey(key); err != nil {
		return nil, 0, err
	}
	if len(value) > MaxValueSize {
		return nil, 0, fmt.Errorf("%w (%d bytes)", ErrValueTooLarge, len(value))
	}
	h := nats.Header{}
	if len(opts.Metadata) > 0 {
		var buf bytes.Buffer
		if err := json.Compact(&buf, opts.Metadata); err != nil {
			return nil, 0, fmt.Errorf("%w: %v", ErrInvalidMetadata, err)
		}
		if buf.Len() > MaxMetadataLen {
			return nil, 0, fmt.Errorf("%w (%d bytes)", ErrMetadataTooLarge, buf.Len())
		}
		if buf.String() != "null" {
			h.Set(hdrMetadata, buf.String())
		}
	}
	var ttl time.Duration
	if !opts.Expiration.IsZero() || opts.ExpirationTTL != 0 {
		now := s.now()
		var exp time.Time
		switch {
		case !opts.Expiration.IsZero() && opts.ExpirationTTL != 0:
			return nil, 0, fmt.Errorf("%w: set Expiration or ExpirationTTL, not both", ErrInvalidExpiration)
		case opts.ExpirationTTL != 0:
			if opts.ExpirationTTL < s.minTTL {
				return nil, 0, fmt.Errorf("%w: ttl %s is below the minimum %s", ErrInvalidExpiration, opts.ExpirationTTL, s.minTTL)
			}
			exp = now.Add(opts.ExpirationTTL)
		default:
			exp = opts.Expiration
			if exp.Sub(now) < s.minTTL {
				return nil, 0, fmt.Errorf("%w: expiration %s is less than %s in the future", ErrInvalidExpiration, exp.UTC().Format(time.RFC3339), s.minTTL)
			}
		}
		// Cloudflare expirations are whole seconds; round up so a key is
		// never gone before its TTL.
		secs := int64(math.Ceil(float64(exp.UnixNano()) / 1e9))
		h.Set(hdrExpiration, strconv.FormatInt(secs, 10))
		ttl = time.Unix(secs, 0).Sub(now).Round(time.Second)
		if ttl < time.Second {
			ttl = time.Second
		}
	}
	return &nats.Msg{Subject: s.writeSubject(key), Header: h, Data: value}, ttl, nil
}

// Delete removes key at the hub. Deleting a missing key is not an error.
//
// It writes a DEL marker without a TTL: a marker that expired at the hub
// before a lagging mirror copied it would let the mirror keep the old value.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := validateKey(key); err != nil {
		return err
	}
	msg := &nats.Msg{Subject: s.writeSubject(key), Header: nats.Header{hdrOperation: []string{"DEL"}}}
	ack, err := s.hub.PublishMsg(ctx, msg)
	if err != nil {
		return s.writeErr("delete", key, err)
	}
	s.awaitMirror(ctx, ack.Sequence)
	return nil
}

func (s *Store) writeErr(op, key string, err error) error {
	if hubDown(err) {
		return fmt.Errorf("kv: %s %q: %w: %w", op, key, ErrHubUnavailable, err)
	}
	return fmt.Errorf("kv: %s %q: %w", op, key, err)
}

// hubDown reports errors that mean nobody answered at the hub.
func hubDown(err error) bool {
	return errors.Is(err, nats.ErrNoResponders) ||
		errors.Is(err, jetstream.ErrNoStreamResponse) ||
		errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, jetstream.ErrJetStreamNotEnabled)
}
