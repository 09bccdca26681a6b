package kv

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// BulkEntry is one element of a `wrangler kv bulk put` JSON file.
type BulkEntry struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	// Base64 means Value is base64-encoded binary.
	Base64 bool `json:"base64,omitempty"`
	// Expiration is unix seconds.
	Expiration int64 `json:"expiration,omitempty"`
	// ExpirationTTL is seconds from now.
	ExpirationTTL int64           `json:"expiration_ttl,omitempty"`
	Metadata      json.RawMessage `json:"metadata,omitempty"`
}

// PutBulk writes entries at the hub. All entries are validated first; if
// any is invalid nothing is written and the error joins one *EntryError per
// bad entry. Writes are pipelined (async publish); a write that fails is
// reported as an *EntryError too, other entries may have been written.
func (s *Store) PutBulk(ctx context.Context, entries []BulkEntry) error {
	if len(entries) > MaxBulkEntries {
		return fmt.Errorf("%w (%d)", ErrBulkTooLarge, len(entries))
	}
	type prepared struct {
		msg *nats.Msg
		ttl time.Duration
	}
	msgs := make([]prepared, len(entries))
	var errs []error
	for i, e := range entries {
		msg, ttl, err := s.bulkMsg(e)
		if err != nil {
			errs = append(errs, &EntryError{Index: i, Key: e.Key, Err: err})
			continue
		}
		msgs[i] = prepared{msg, ttl}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	futures := make([]jetstream.PubAckFuture, len(msgs))
	for i, p := range msgs {
		var popts []jetstream.PublishOpt
		if p.ttl > 0 {
			popts = append(popts, jetstream.WithMsgTTL(p.ttl))
		}
		f, err := s.hub.PublishMsgAsync(p.msg, popts...)
		if err != nil {
			return &EntryError{Index: i, Key: entries[i].Key, Err: s.writeErr("bulk put", entries[i].Key, err)}
		}
		futures[i] = f
	}
	var last uint64
	for i, f := range futures {
		select {
		case ack := <-f.Ok():
			last = max(last, ack.Sequence)
		case err := <-f.Err():
			errs = append(errs, &EntryError{Index: i, Key: entries[i].Key, Err: s.writeErr("bulk put", entries[i].Key, err)})
		case <-ctx.Done():
			return fmt.Errorf("kv: bulk put: %w", ctx.Err())
		}
	}
	if last > 0 {
		s.awaitMirror(ctx, last)
	}
	return errors.Join(errs...)
}

func (s *Store) bulkMsg(e BulkEntry) (*nats.Msg, time.Duration, error) {
	value := []byte(e.Value)
	if e.Base64 {
		b, err := base64.StdEncoding.DecodeString(e.Value)
		if err != nil {
			return nil, 0, fmt.Errorf("%w: value is not base64: %v", ErrInvalidEntry, err)
		}
		value = b
	}
	if e.Expiration < 0 || e.ExpirationTTL < 0 {
		return nil, 0, fmt.Errorf("%w: negative expiration", ErrInvalidExpiration)
	}
	opts := PutOptions{Metadata: e.Metadata, ExpirationTTL: time.Duration(e.ExpirationTTL) * time.Second}
	if e.Expiration > 0 {
		opts.Expiration = time.Unix(e.Expiration, 0)
	}
	return s.putMsg(e.Key, value, opts)
}
