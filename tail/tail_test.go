package tail

import (
	"testing"
)

func TestFilterAndFanOut(t *testing.T) {
	h := NewHub()
	h.Publish(Event{Worker: "a", Kind: "request"}) // nobody watches: dropped silently
	all := h.Subscribe(Filter{Worker: "a"})
	errs := h.Subscribe(Filter{Worker: "a", Status: "error"})
	gets := h.Subscribe(Filter{Worker: "a", Method: "get", Search: "/API"})
	for _, e := range []Event{
		{Worker: "a", Kind: "request", Method: "GET", URL: "http://x/api/1", Status: 200},
		{Worker: "a", Kind: "request", Method: "POST", URL: "http://x/api/2", Status: 500},
		{Worker: "a", Kind: "console", Level: "log", Message: "hello"},
		{Worker: "a", Kind: "exception", Message: "Error: boom"},
		{Worker: "b", Kind: "request", Method: "GET", URL: "http://x/api/3", Status: 200},
	} {
		h.Publish(e)
	}
	count := func(s *Subscription) int {
		h.Unsubscribe(s)
		n := 0
		for range s.C {
			n++
		}
		return n
	}
	if n := count(all); n != 4 {
		t.Errorf("worker a: %d events, want 4", n)
	}
	if n := count(errs); n != 2 {
		t.Errorf("errors: %d, want the 500 and the exception", n)
	}
	if n := count(gets); n != 1 {
		t.Errorf("GET /api: %d, want 1", n)
	}
	if h.Watched() {
		t.Error("watched after every unsubscribe")
	}
}

func TestSlowSubscriberDrops(t *testing.T) {
	h := NewHub()
	s := h.Subscribe(Filter{})
	for range 2000 {
		h.Publish(Event{Worker: "a", Kind: "request"})
	}
	if s.Dropped() != 2000-1024 {
		t.Errorf("dropped %d, want %d", s.Dropped(), 2000-1024)
	}
	h.Unsubscribe(s)
}
