// Package tail carries a node's live events (requests, console lines,
// exceptions) to whoever is watching: `verge tail` through the admin API,
// or through the control API from every PoP over NATS (see nats.go).
// Publishing costs one atomic load when nobody watches; a slow watcher
// loses events (counted) rather than slowing requests.
package tail

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Event is one thing that happened in a worker.
type Event struct {
	Time time.Time `json:"time"`
	Colo string    `json:"colo,omitempty"`
	// PoP is the name of the PoP the event comes from (verge pop --name),
	// set by the NATS bridge; empty on a node's own admin stream.
	PoP    string `json:"pop,omitempty"`
	Worker string `json:"worker"`
	// Kind is "request", "console" or "exception"; through NATS also
	// KindAttached and KindDropped notices.
	Kind string `json:"kind"`

	// Requests.
	Method  string  `json:"method,omitempty"`
	URL     string  `json:"url,omitempty"`
	Status  int     `json:"status,omitempty"`
	Ms      float64 `json:"ms,omitempty"`
	Outcome string  `json:"outcome,omitempty"` // "ok", "exception", "exceededCpu", ...

	// Console lines and exceptions.
	Level   string `json:"level,omitempty"`
	Message string `json:"message,omitempty"`

	// Dropped counts the events lost before a KindDropped notice.
	Dropped int64 `json:"dropped,omitempty"`
}

// Filter selects events, as `verge tail`'s flags.
type Filter struct {
	Worker string
	// Status is "ok" (< 400), "error" (>= 400, or an exception) or a code.
	Status string
	Method string
	// Search matches the URL or message, case-insensitively.
	Search string
	// Sampling is the fraction of requests kept, (0, 1]; 0 means 1.
	Sampling float64
}

// Match reports whether e passes f.
func (f *Filter) Match(e *Event) bool {
	if f.Worker != "" && e.Worker != f.Worker {
		return false
	}
	if f.Method != "" && e.Kind == "request" && !strings.EqualFold(f.Method, e.Method) {
		return false
	}
	switch f.Status {
	case "":
	case "ok":
		if e.Kind == "exception" || e.Status >= 400 {
			return false
		}
	case "error":
		if e.Kind == "console" || (e.Kind == "request" && e.Status < 400) {
			return false
		}
	default:
		if e.Kind != "request" || strconv.Itoa(e.Status) != f.Status {
			return false
		}
	}
	if f.Search != "" {
		s := strings.ToLower(f.Search)
		if !strings.Contains(strings.ToLower(e.URL), s) && !strings.Contains(strings.ToLower(e.Message), s) {
			return false
		}
	}
	if f.Sampling > 0 && f.Sampling < 1 && e.Kind == "request" && rand.Float64() >= f.Sampling {
		return false
	}
	return true
}

// Hub fans events out to subscribers. It is safe for concurrent use.
type Hub struct {
	mu      sync.Mutex
	subs    map[*Subscription]struct{}
	watched atomic.Int32
}

// Subscription is one watcher's stream.
type Subscription struct {
	C       <-chan Event
	c       chan Event
	filter  Filter
	dropped atomic.Int64
}

// Dropped reports how many events the subscriber was too slow for.
func (s *Subscription) Dropped() int64 { return s.dropped.Load() }

// NewHub returns a hub with no subscribers.
func NewHub() *Hub { return &Hub{subs: map[*Subscription]struct{}{}} }

// Watched reports whether anyone subscribes; publishers can skip building
// events when not.
func (h *Hub) Watched() bool { return h.watched.Load() > 0 }

// Subscribe starts a stream of the events f selects, buffered up to 1024.
// Call Unsubscribe when done.
func (h *Hub) Subscribe(f Filter) *Subscription {
	c := make(chan Event, 1024)
	s := &Subscription{C: c, c: c, filter: f}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	h.watched.Add(1)
	return s
}

// Unsubscribe ends s; its channel is closed.
func (h *Hub) Unsubscribe(s *Subscription) {
	h.mu.Lock()
	if _, ok := h.subs[s]; ok {
		delete(h.subs, s)
		close(s.c)
		h.watched.Add(-1)
	}
	h.mu.Unlock()
}

// Publish sends e to every subscriber whose filter passes it.
func (h *Hub) Publish(e Event) {
	if !h.Watched() {
		return
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		if !s.filter.Match(&e) {
			continue
		}
		select {
		case s.c <- e:
		default:
			s.dropped.Add(1)
		}
	}
}
