package kv

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ListOptions are Workers KV list options.
type ListOptions struct {
	Prefix string
	// Limit is the page size; 0 means 1000, the maximum.
	Limit int
	// Cursor continues a previous page (ListResult.Cursor).
	Cursor string
}

// KeyInfo describes one listed key.
type KeyInfo struct {
	Name string `json:"name"`
	// Expiration is unix seconds, 0 when the key does not expire.
	Expiration int64           `json:"expiration,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
}

// ListResult is one page of keys, sorted by key bytes.
type ListResult struct {
	Keys         []KeyInfo `json:"keys"`
	ListComplete bool      `json:"list_complete"`
	Cursor       string    `json:"cursor,omitempty"`
}

// List returns live keys with the prefix, in lexicographic byte order,
// read from the local mirror.
//
// Cost: every call scans the latest message header of every key in the
// namespace (a headers-only consumer on the mirror), then sorts; values are
// never read. Fine for namespaces of up to ~10^5 keys; a sorted index would
// be the next step.
func (s *Store) List(ctx context.Context, opts ListOptions) (ListResult, error) {
	limit := opts.Limit
	if limit == 0 {
		limit = MaxListLimit
	}
	if limit < 0 || limit > MaxListLimit {
		return ListResult{}, fmt.Errorf("%w (got %d)", ErrInvalidLimit, opts.Limit)
	}
	var after string // encoded key of the last key already returned
	if opts.Cursor != "" {
		if _, err := decodeKey(opts.Cursor); err != nil {
			return ListResult{}, fmt.Errorf("%w: %v", ErrInvalidCursor, err)
		}
		after = opts.Cursor
	}
	all, err := s.scan(ctx)
	if err != nil {
		return ListResult{}, err
	}
	// Encoded keys sort like raw keys, so sort and cursor work on them.
	slices.SortFunc(all, func(a, b scanned) int { return strings.Compare(a.enc, b.enc) })
	res := ListResult{Keys: []KeyInfo{}, ListComplete: true}
	for _, e := range all {
		if after != "" && e.enc <= after {
			continue
		}
		if !strings.HasPrefix(e.info.Name, opts.Prefix) {
			continue
		}
		if len(res.Keys) == limit {
			res.ListComplete = false
			res.Cursor = encodeKey(res.Keys[len(res.Keys)-1].Name)
			break
		}
		res.Keys = append(res.Keys, e.info)
	}
	return res, nil
}

type scanned struct {
	enc  string
	info KeyInfo
}

// scan reads the last message header of every subject in the bucket.
func (s *Store) scan(ctx context.Context) ([]scanned, error) {
	cons, err := s.read.CreateConsumer(ctx, jetstream.ConsumerConfig{
		FilterSubject:     s.prefix + ">",
		DeliverPolicy:     jetstream.DeliverLastPerSubjectPolicy,
		AckPolicy:         jetstream.AckNonePolicy,
		HeadersOnly:       true,
		MemoryStorage:     true,
		InactiveThreshold: 30 * time.Second,
	})
	if err != nil {
		return nil, fmt.Errorf("kv: list: %w", err)
	}
	name := cons.CachedInfo().Name
	defer func() {
		// Best effort: InactiveThreshold removes it anyway.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = s.read.DeleteConsumer(dctx, name)
	}()
	pending := cons.CachedInfo().NumPending
	out := make([]scanned, 0, pending)
	now := s.now()
	for pending > 0 {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("kv: list: %w", err)
		}
		batch, err := cons.Fetch(int(min(pending, 1000)), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return nil, fmt.Errorf("kv: list: %w", err)
		}
		got := 0
		for m := range batch.Messages() {
			got++
			md, err := m.Metadata()
			if err != nil {
				return nil, fmt.Errorf("kv: list: %w", err)
			}
			pending = md.NumPending
			h := m.Headers()
			if h.Get(hdrOperation) != "" || h.Get(hdrMarker) != "" {
				continue
			}
			info := KeyInfo{}
			if exp, ok := expiration(h); ok {
				if !now.Before(time.Unix(exp, 0)) {
					continue
				}
				info.Expiration = exp
			}
			if md := h.Get(hdrMetadata); md != "" {
				info.Metadata = json.RawMessage(md)
			}
			enc := strings.TrimPrefix(m.Subject(), s.prefix)
			if info.Name, err = decodeKey(enc); err != nil {
				s.log.Warn("skipping key with foreign encoding", "subject", m.Subject())
				continue
			}
			out = append(out, scanned{enc: enc, info: info})
		}
		if err := batch.Error(); err != nil {
			return nil, fmt.Errorf("kv: list: %w", err)
		}
		if got == 0 {
			break // messages expired between consumer creation and fetch
		}
	}
	return out, nil
}
