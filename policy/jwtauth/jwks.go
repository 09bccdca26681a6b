package jwtauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

const (
	// onDemandGap is the least time between two refreshes caused by
	// tokens whose key we do not know, so tokens with made-up kids cannot
	// turn us into a load generator against the JWKS server.
	onDemandGap = 10 * time.Second
	// fetchTimeout bounds one JWKS fetch.
	fetchTimeout = 10 * time.Second
	// maxJWKSBytes bounds a JWKS response; real sets are a few KiB.
	maxJWKSBytes = 1 << 20
)

// jwksSource keeps the key set served at a JWKS URL. The current set is
// swapped atomically, so verification never waits for a fetch unless the
// token's key is unknown. A failed fetch leaves the last good set in use.
type jwksSource struct {
	url    string
	client *http.Client
	log    *slog.Logger
	now    func() time.Time

	keys atomic.Pointer[keySet]

	base   context.Context // cancelled by close: ends fetches and the refresh loop
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu           sync.Mutex
	inflight     *fetchCall // the fetch under way, which later callers join
	lastOnDemand time.Time
	closed       bool
}

// fetchCall is one fetch; done is closed when it has finished.
type fetchCall struct {
	done chan struct{}
}

func newJWKSSource(url string, client *http.Client, log *slog.Logger, now func() time.Time) *jwksSource {
	base, cancel := context.WithCancel(context.Background())
	return &jwksSource{url: url, client: client, log: log, now: now, base: base, cancel: cancel}
}

// start fetches the set once, bounded by ctx, and then refreshes it every
// interval until close. A failed first fetch is logged, not returned: the
// key server may be down while the edge starts, and the first token will
// retry it.
func (s *jwksSource) start(ctx context.Context, every time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	if err := s.fetch(ctx); err != nil {
		s.log.Warn("jwt: initial JWKS fetch failed; will retry", "url", s.url, "err", err)
	}
	s.wg.Add(1)
	go s.loop(every)
}

func (s *jwksSource) loop(every time.Duration) {
	defer s.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.base.Done():
			return
		case <-t.C:
			if c := s.refresh(false); c != nil {
				select {
				case <-c.done:
				case <-s.base.Done():
					return
				}
			}
		}
	}
}

// current returns the last good set, nil before the first success.
func (s *jwksSource) current() *keySet {
	return s.keys.Load()
}

// refreshOnDemand fetches the set again because a token named a key we do
// not have, and waits for the result or for ctx. It does nothing when the
// last on-demand refresh was under onDemandGap ago; a fetch already under
// way is joined instead of doubled.
func (s *jwksSource) refreshOnDemand(ctx context.Context) {
	c := s.refresh(true)
	if c == nil {
		return
	}
	select {
	case <-c.done:
	case <-ctx.Done():
	}
}

// refresh starts a fetch, or returns the one under way. It returns nil when
// closed or when an on-demand refresh is rate-limited.
func (s *jwksSource) refresh(onDemand bool) *fetchCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	if s.inflight != nil {
		return s.inflight
	}
	if onDemand {
		now := s.now()
		if !s.lastOnDemand.IsZero() && now.Sub(s.lastOnDemand) < onDemandGap {
			return nil
		}
		s.lastOnDemand = now
	}
	c := &fetchCall{done: make(chan struct{})}
	s.inflight = c
	s.wg.Add(1)
	// The fetch runs on its own context, not the request's: a client that
	// hangs up must not cancel a refresh that other requests wait for.
	go func() {
		defer s.wg.Done()
		ctx, cancel := context.WithTimeout(s.base, fetchTimeout)
		err := s.fetch(ctx)
		cancel()
		if err != nil && s.base.Err() == nil {
			n := 0
			if ks := s.current(); ks != nil {
				n = len(ks.all)
			}
			s.log.Warn("jwt: JWKS refresh failed; keeping the last good set", "url", s.url, "keys", n, "err", err)
		}
		s.mu.Lock()
		s.inflight = nil
		s.mu.Unlock()
		close(c.done)
	}()
	return c
}

// fetch gets, parses and installs the set.
func (s *jwksSource) fetch(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return fmt.Errorf("jwks request: %w", err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("jwks fetch: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("jwks fetch: status %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return fmt.Errorf("jwks read: %w", err)
	}
	if len(body) > maxJWKSBytes {
		return fmt.Errorf("jwks read: larger than %d bytes", maxJWKSBytes)
	}
	// Non-strict parsing keeps the rest of the set usable when the
	// server adds a key type we do not know; exportKeys skips it.
	set, err := jwk.Parse(body, jwk.WithStrictKeySetParsing(false))
	if err != nil {
		return fmt.Errorf("jwks parse: %w", err)
	}
	keys, skipped := exportKeys(set, false)
	if len(skipped) > 0 {
		s.log.Debug("jwt: JWKS keys skipped", "url", s.url, "skipped", strings.Join(skipped, "; "))
	}
	if len(keys) == 0 {
		// An empty answer is more likely a broken key server than a
		// revocation of every key; keep serving with the last good set.
		return errors.New("jwks: no usable signing keys")
	}
	s.keys.Store(newKeySet(keys))
	s.log.Debug("jwt: JWKS loaded", "url", s.url, "keys", len(keys))
	return nil
}

// close stops the refresh loop and waits for fetches under way.
func (s *jwksSource) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}
