package cache

import (
	"context"
	"sync"
)

// flights collapse concurrent fetches of one key into one: the first
// request (the leader) goes to the origin, the others wait for its
// outcome and then read the store.
type flights struct {
	mu sync.Mutex
	m  map[string]*flight
}

type flight struct {
	done    chan struct{}
	outcome outcome // set before done is closed
}

// outcome is what a leader's fetch did.
type outcome int

const (
	stored     outcome = iota // a response is in the store
	failed                    // the origin failed; stale content may be served
	notStored                 // the response could not be shared
	aborted                   // the fetch ended early (client gone, body cut)
	notStarted                // no fetch happened (waiters must fetch themselves)
)

// join returns the flight for key and whether the caller leads it.
func (fs *flights) join(key string) (*flight, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f, ok := fs.m[key]; ok {
		return f, false
	}
	f := &flight{done: make(chan struct{})}
	fs.m[key] = f
	return f, true
}

// land ends a flight the caller leads.
func (fs *flights) land(key string, f *flight, o outcome) {
	fs.mu.Lock()
	delete(fs.m, key)
	fs.mu.Unlock()
	f.outcome = o
	close(f.done)
}

// wait blocks until the flight lands or ctx ends.
func (f *flight) wait(ctx context.Context) (outcome, error) {
	select {
	case <-f.done:
		return f.outcome, nil
	case <-ctx.Done():
		return notStarted, ctx.Err()
	}
}
