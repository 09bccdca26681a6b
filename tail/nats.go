package tail

// The NATS bridge carries tail events from every PoP to whoever tails the
// network (the control API's GET /v1/tail), over core NATS: tail is live
// only, so nothing is stored and a lost event is never redelivered.
//
// Interest: a viewer opens a session. It announces the session (an id and
// its Filter) on SessionsSubject and renews the announcement every few
// seconds; each PoP's Publisher keeps the session for a lease after the
// last announcement, and drops it at once on an explicit end. Only while a
// PoP holds a session does it subscribe to its local Hub, so an idle
// network pays nothing: Hub.Watched stays false and the request path skips
// building events, as when nobody tails a single node. A viewer that
// vanishes without ending its session costs its PoPs one lease of
// publishing into a subject nobody routes.
//
// Events go to subject verge.tail.<worker>.<session>. The session suffix
// lets NATS route each session's events to its viewer only, so every
// session gets exactly its own Filter, sampling included, applied at the
// source; the worker token keeps the subject readable in monitoring.
//
// Bounds: a PoP holds at most maxSessions sessions, each with the Hub's
// 1024-event buffer and a rate cap; a viewer holds a fixed buffer. Events
// that do not fit are counted and reported as KindDropped notices instead
// of growing memory or slowing requests.

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"golang.org/x/time/rate"
)

// Subjects of the bridge.
const (
	// SubjectPrefix starts the events' subjects: verge.tail.<worker>.<session>.
	SubjectPrefix = "verge.tail."
	// SessionsSubject carries session announcements, renewals and ends.
	SessionsSubject = "verge.tailctl.sessions"
	// HelloSubject carries a PoP's name when its Publisher starts: open
	// sessions re-announce at once, so a (re)started PoP joins them without
	// waiting for the next renewal.
	HelloSubject = "verge.tailctl.hello"
)

// Kinds of the notices the bridge adds to a stream. They pass every Filter.
const (
	// KindAttached: the PoP in Event.PoP now sends this session's events.
	KindAttached = "attached"
	// KindDropped: Event.Dropped events were lost, at the PoP in Event.PoP
	// (rate cap, or its publisher fell behind), or, with no PoP, at the
	// viewer's end (it read too slowly).
	KindDropped = "dropped"
)

// Defaults and bounds.
const (
	defaultRenew = 2 * time.Second
	// leaseRenewals: a PoP keeps a session through this many missed
	// renewals, so one lost announcement does not interrupt a tail.
	leaseRenewals = 4
	maxLease      = 5 * time.Minute
	defaultBuffer = 1024
	// defaultRate caps each session's events per second at one PoP, with
	// a burst of one second's worth; it keeps a flood of events from
	// crowding the PoP's link to the hub, which also carries KV and deploys.
	defaultRate        = 1000
	defaultMaxSessions = 32
	// maxText caps an event's message and URL, so one huge console.log
	// stays one small NATS message.
	maxText = 32 << 10
	// dropReport is how often a PoP reports its dropped events, so a
	// flood of drops makes one notice a second, not one per event.
	dropReport = time.Second
)

// announcement is a session's message on SessionsSubject.
type announcement struct {
	ID       string  `json:"id"`
	Worker   string  `json:"worker,omitempty"`
	Status   string  `json:"status,omitempty"`
	Method   string  `json:"method,omitempty"`
	Search   string  `json:"search,omitempty"`
	Sampling float64 `json:"sampling,omitempty"`
	LeaseMS  int64   `json:"lease_ms,omitempty"`
	End      bool    `json:"end,omitempty"`
}

func (a *announcement) filter() Filter {
	return Filter{Worker: a.Worker, Status: a.Status, Method: a.Method, Search: a.Search, Sampling: a.Sampling}
}

// token makes s usable as one subject token; collisions are harmless, as
// sessions are told apart by their id.
func token(s string) string {
	if s == "" {
		return "_"
	}
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

// validID accepts the ids Subscribe makes, and nothing that could change
// a subject's shape.
func validID(id string) bool {
	return id != "" && len(id) <= 64 && token(id) == id
}

// PublisherConfig configures StartPublisher.
type PublisherConfig struct {
	// Hub is the PoP's local hub, fed by its edge server.
	Hub *Hub
	// Conn reaches the hub (a PoP's leaf connection).
	Conn *nats.Conn
	// PoP names this PoP in events.
	PoP string
	// Rate caps each session's events per second; default 1000.
	Rate float64
	// MaxSessions caps concurrent sessions; default 32.
	MaxSessions int
	// Log receives warnings; nil discards them.
	Log *slog.Logger
}

// Publisher forwards a Hub's events to NATS for the open sessions.
type Publisher struct {
	cfg  PublisherConfig
	ctl  *nats.Subscription
	wg   sync.WaitGroup
	mu   sync.Mutex
	done bool
	// sessions by id.
	sessions map[string]*pubSession
}

// pubSession is one viewer's session at this PoP.
type pubSession struct {
	id     string
	worker string
	sub    *Subscription
	timer  *time.Timer // ends the session when its lease runs out
}

// StartPublisher subscribes to session announcements and says hello. It
// publishes nothing until a session opens. Close stops it.
func StartPublisher(cfg PublisherConfig) (*Publisher, error) {
	if cfg.Hub == nil || cfg.Conn == nil || cfg.PoP == "" {
		return nil, errors.New("tail: publisher needs a Hub, a Conn and a PoP name")
	}
	if cfg.Rate <= 0 {
		cfg.Rate = defaultRate
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = defaultMaxSessions
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	p := &Publisher{cfg: cfg, sessions: map[string]*pubSession{}}
	ctl, err := cfg.Conn.Subscribe(SessionsSubject, p.onAnnouncement)
	if err != nil {
		return nil, fmt.Errorf("tail: subscribe %s: %w", SessionsSubject, err)
	}
	// Announcements are small and rare; a flood of them is dropped by
	// NATS rather than queued without end.
	if err := ctl.SetPendingLimits(1024, 1<<20); err != nil {
		ctl.Unsubscribe()
		return nil, fmt.Errorf("tail: %w", err)
	}
	p.ctl = ctl
	if err := cfg.Conn.Publish(HelloSubject, []byte(cfg.PoP)); err != nil {
		ctl.Unsubscribe()
		return nil, fmt.Errorf("tail: hello: %w", err)
	}
	return p, nil
}

// Sessions reports how many sessions the PoP serves now.
func (p *Publisher) Sessions() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.sessions)
}

func (p *Publisher) onAnnouncement(m *nats.Msg) {
	var a announcement
	if err := json.Unmarshal(m.Data, &a); err != nil || !validID(a.ID) {
		p.cfg.Log.Debug("tail: ignoring a malformed session announcement", "err", err)
		return
	}
	if a.End {
		p.end(a.ID, nil)
		return
	}
	lease := time.Duration(a.LeaseMS) * time.Millisecond
	if lease <= 0 || lease > maxLease {
		lease = leaseRenewals * defaultRenew
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return
	}
	if s, ok := p.sessions[a.ID]; ok {
		s.timer.Reset(lease)
		return
	}
	if len(p.sessions) >= p.cfg.MaxSessions {
		p.cfg.Log.Warn("tail: too many sessions; ignoring a new one", "max", p.cfg.MaxSessions)
		return
	}
	s := &pubSession{id: a.ID, worker: a.Worker, sub: p.cfg.Hub.Subscribe(a.filter())}
	s.timer = time.AfterFunc(lease, func() { p.end(s.id, s) })
	p.sessions[a.ID] = s
	p.wg.Add(1)
	go p.forward(s)
}

// end drops session id (only if it is still want, when want is set: a
// late lease timer must not end a newer session with the same id).
func (p *Publisher) end(id string, want *pubSession) {
	p.mu.Lock()
	s, ok := p.sessions[id]
	if !ok || (want != nil && s != want) {
		p.mu.Unlock()
		return
	}
	delete(p.sessions, id)
	p.mu.Unlock()
	s.timer.Stop()
	p.cfg.Hub.Unsubscribe(s.sub) // closes s.sub.C: forward returns
}

// forward sends a session's events until it ends.
func (p *Publisher) forward(s *pubSession) {
	defer p.wg.Done()
	p.send(s, Event{Kind: KindAttached})
	lim := rate.NewLimiter(rate.Limit(p.cfg.Rate), max(1, int(p.cfg.Rate)))
	tick := time.NewTicker(dropReport)
	defer tick.Stop()
	var limited, reported int64
	for {
		select {
		case e, ok := <-s.sub.C:
			if !ok {
				return
			}
			if !lim.Allow() {
				limited++
				continue
			}
			p.send(s, e)
		case <-tick.C:
			if n := s.sub.Dropped() + limited; n > reported {
				p.send(s, Event{Kind: KindDropped, Dropped: n - reported,
					Message: fmt.Sprintf("%d events dropped at PoP %s (rate cap or backlog)", n-reported, p.cfg.PoP)})
				reported = n
			}
		}
	}
}

func (p *Publisher) send(s *pubSession, e Event) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.PoP = p.cfg.PoP
	e.URL, e.Message = truncate(e.URL), truncate(e.Message)
	worker := e.Worker
	if worker == "" {
		worker = s.worker
	}
	b, err := json.Marshal(e)
	if err != nil {
		p.cfg.Log.Debug("tail: encode event", "err", err)
		return
	}
	if err := p.cfg.Conn.Publish(SubjectPrefix+token(worker)+"."+s.id, b); err != nil {
		// The connection is closing or the hub is away: live events are
		// lost, and the lease ends the session if the viewer is gone.
		p.cfg.Log.Debug("tail: publish", "err", err)
	}
}

func truncate(s string) string {
	if len(s) <= maxText {
		return s
	}
	return strings.ToValidUTF8(s[:maxText], "") + "…"
}

// Close ends every session and stops listening for new ones; it returns
// once no goroutine of the publisher runs.
func (p *Publisher) Close() error {
	p.mu.Lock()
	already := p.done
	p.done = true
	sessions := p.sessions
	p.sessions = map[string]*pubSession{}
	p.mu.Unlock()
	var err error
	if !already {
		if uerr := p.ctl.Unsubscribe(); uerr != nil && !errors.Is(uerr, nats.ErrConnectionClosed) && !errors.Is(uerr, nats.ErrBadSubscription) {
			err = fmt.Errorf("tail: unsubscribe: %w", uerr)
		}
		for _, s := range sessions {
			s.timer.Stop()
			p.cfg.Hub.Unsubscribe(s.sub)
		}
	}
	p.wg.Wait()
	return err
}

// StreamOptions tune Subscribe; zero values pick the defaults.
type StreamOptions struct {
	// Buffer is how many events wait for a slow reader before the stream
	// drops them; default 1024.
	Buffer int
	// Renew is how often the session is announced again; default 2s.
	Renew time.Duration
	// Lease is how long a PoP keeps the session after an announcement;
	// default 4 renewals, at most 5 minutes.
	Lease time.Duration
}

// Stream is one tail session's events from every PoP.
type Stream struct {
	// C delivers the events and notices; it is closed when the stream
	// ends (Close, the context, or the NATS connection closed).
	C <-chan Event

	c      chan Event
	nc     *nats.Conn
	filter Filter
	ann    []byte // the announcement
	endMsg []byte
	events *nats.Subscription
	hello  *nats.Subscription
	wake   chan struct{} // a PoP said hello: announce now

	mu      sync.Mutex
	closed  bool
	dropped atomic.Int64
	lost    int // NATS's own drops, kept when the stream ends

	quit     chan struct{}
	quitOnce sync.Once
	done     chan struct{}
}

// Subscribe opens a tail session for the events f selects (f.Worker ""
// selects every worker) from every PoP that nc reaches, and returns once
// it is announced. The stream ends when ctx does, or on Close.
func Subscribe(ctx context.Context, nc *nats.Conn, f Filter, o StreamOptions) (*Stream, error) {
	if o.Buffer <= 0 {
		o.Buffer = defaultBuffer
	}
	if o.Renew <= 0 {
		o.Renew = defaultRenew
	}
	if o.Lease <= 0 {
		o.Lease = leaseRenewals * o.Renew
	}
	o.Lease = min(o.Lease, maxLease)
	id := rand.Text()
	a := announcement{ID: id, Worker: f.Worker, Status: f.Status, Method: f.Method, Search: f.Search, Sampling: f.Sampling, LeaseMS: o.Lease.Milliseconds()}
	ann, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("tail: %w", err)
	}
	endMsg, _ := json.Marshal(announcement{ID: id, End: true})
	c := make(chan Event, o.Buffer)
	s := &Stream{C: c, c: c, nc: nc, ann: ann, endMsg: endMsg, wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	// PoPs sampled already; sampling again here would sample twice.
	s.filter = f
	s.filter.Sampling = 0

	if s.events, err = nc.Subscribe(SubjectPrefix+"*."+id, s.receive); err != nil {
		return nil, fmt.Errorf("tail: subscribe: %w", err)
	}
	// NATS queues messages for a callback that falls behind; bound that
	// queue too (the callback itself never blocks).
	if err := s.events.SetPendingLimits(4*o.Buffer, 64<<20); err != nil {
		s.events.Unsubscribe()
		return nil, fmt.Errorf("tail: %w", err)
	}
	if s.hello, err = nc.Subscribe(HelloSubject, func(*nats.Msg) {
		select {
		case s.wake <- struct{}{}:
		default: // an announcement is pending already
		}
	}); err != nil {
		s.events.Unsubscribe()
		return nil, fmt.Errorf("tail: subscribe: %w", err)
	}
	// The subscriptions must be in place before the PoPs hear of the
	// session; a flush also reports an unreachable server now.
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err = nc.FlushWithContext(fctx)
	cancel()
	if err == nil {
		err = nc.Publish(SessionsSubject, ann)
	}
	if err != nil {
		s.events.Unsubscribe()
		s.hello.Unsubscribe()
		return nil, fmt.Errorf("tail: announce the session: %w", err)
	}
	go s.run(ctx, o.Renew)
	return s, nil
}

// run renews the session until the stream ends.
func (s *Stream) run(ctx context.Context, renew time.Duration) {
	defer close(s.done)
	defer s.finish()
	t := time.NewTicker(renew)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.quit:
			return
		case <-t.C:
		case <-s.wake:
		}
		if err := s.nc.Publish(SessionsSubject, s.ann); errors.Is(err, nats.ErrConnectionClosed) {
			return
		}
	}
}

// finish ends the session at the PoPs now rather than at the lease's end,
// and closes C.
func (s *Stream) finish() {
	s.nc.Publish(SessionsSubject, s.endMsg) // best effort: the lease covers a loss
	lost, err := s.events.Dropped()
	s.events.Unsubscribe()
	s.hello.Unsubscribe()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		s.lost = lost
	}
	s.closed = true
	close(s.c)
}

// receive runs on the subscription's goroutine; it never blocks.
func (s *Stream) receive(m *nats.Msg) {
	var e Event
	if err := json.Unmarshal(m.Data, &e); err != nil {
		s.dropped.Add(1)
		return
	}
	if e.Kind != KindAttached && e.Kind != KindDropped && !s.filter.Match(&e) {
		return // a PoP that filters differently: keep the viewer's promise
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	select {
	case s.c <- e:
	default:
		s.dropped.Add(1)
	}
}

// Dropped reports how many events reached this viewer but did not fit its
// buffer. Drops at the PoPs arrive as KindDropped notices instead.
func (s *Stream) Dropped() int64 {
	s.mu.Lock()
	n := int64(s.lost)
	closed := s.closed
	s.mu.Unlock()
	if !closed {
		if d, err := s.events.Dropped(); err == nil {
			n = int64(d)
		}
	}
	return n + s.dropped.Load()
}

// Close ends the session; C is closed when it returns.
func (s *Stream) Close() error {
	s.quitOnce.Do(func() { close(s.quit) })
	<-s.done
	return nil
}
