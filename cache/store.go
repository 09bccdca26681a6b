package cache

import (
	"container/list"
	"log/slog"
	"strings"
	"sync"
)

// store holds entries in a size-bounded memory tier (LRU) that spills to
// an optional disk tier. It also remembers, per URL key, the request
// headers the response varies on, so a lookup can build the full key.
type store struct {
	log *slog.Logger

	mu    sync.Mutex
	max   int64
	size  int64
	items map[string]*list.Element // full key -> element holding *entry
	lru   list.List                // front: most recently used
	byURL map[string]map[string]struct{}
	vary  map[string][]string // URL key -> Vary field names
	disk  *disk               // nil without a disk tier
}

func newStore(maxBytes int64, d *disk, log *slog.Logger) *store {
	return &store{
		log:   log,
		max:   maxBytes,
		items: map[string]*list.Element{},
		byURL: map[string]map[string]struct{}{},
		vary:  map[string][]string{},
		disk:  d,
	}
}

// varyOf returns the Vary field names last stored for a URL key.
func (s *store) varyOf(url string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.vary[url]; ok {
		return v
	}
	if s.disk != nil {
		return s.disk.varyOf(url)
	}
	return nil
}

func (s *store) get(key string) *entry {
	s.mu.Lock()
	if el, ok := s.items[key]; ok {
		s.lru.MoveToFront(el)
		e := el.Value.(*entry)
		s.mu.Unlock()
		return e
	}
	s.mu.Unlock()
	if s.disk == nil {
		return nil
	}
	e := s.disk.get(key)
	if e != nil {
		// Promote: a disk hit is likely to be asked for again.
		s.put(e, nil)
	}
	return e
}

// put stores e and records vary as its URL's Vary field names (nil keeps
// them). Entries larger than a quarter of the memory tier go straight to
// disk, or nowhere.
func (s *store) put(e *entry, vary []string) {
	sz := e.size()
	if sz > s.max/4 {
		if s.disk != nil {
			s.mu.Lock()
			s.removeLocked(e.Key)
			if vary != nil {
				s.vary[e.URL] = vary
			}
			s.mu.Unlock()
			s.disk.put(e, vary)
		}
		return
	}
	s.mu.Lock()
	s.removeLocked(e.Key)
	if vary != nil {
		s.vary[e.URL] = vary
	}
	s.items[e.Key] = s.lru.PushFront(e)
	s.size += sz
	keys := s.byURL[e.URL]
	if keys == nil {
		keys = map[string]struct{}{}
		s.byURL[e.URL] = keys
	}
	keys[e.Key] = struct{}{}
	var spill []*entry
	for s.size > s.max {
		el := s.lru.Back()
		victim := el.Value.(*entry)
		s.removeLocked(victim.Key)
		spill = append(spill, victim)
	}
	s.mu.Unlock()
	if s.disk != nil {
		for _, v := range spill {
			s.disk.put(v, s.varyOf(v.URL))
		}
	}
}

// removeLocked drops a key from the memory tier; s.mu is held.
func (s *store) removeLocked(key string) {
	el, ok := s.items[key]
	if !ok {
		return
	}
	e := el.Value.(*entry)
	s.lru.Remove(el)
	delete(s.items, key)
	s.size -= e.size()
	if keys := s.byURL[e.URL]; keys != nil {
		delete(keys, key)
		if len(keys) == 0 {
			delete(s.byURL, e.URL)
		}
	}
}

// purge removes every entry whose URL key or tags match and returns how
// many it removed from both tiers.
func (s *store) purge(m matcher) int {
	s.mu.Lock()
	var keys []string
	for key, el := range s.items {
		if m.match(el.Value.(*entry)) {
			keys = append(keys, key)
		}
	}
	for _, k := range keys {
		s.removeLocked(k)
	}
	for url := range s.vary {
		if m.matchURL(url) {
			delete(s.vary, url)
		}
	}
	s.mu.Unlock()
	n := len(keys)
	if s.disk != nil {
		n += s.disk.purge(m)
	}
	return n
}

// stats are the tiers' sizes.
func (s *store) stats() (memEntries int, memBytes int64, diskEntries int, diskBytes int64) {
	s.mu.Lock()
	memEntries, memBytes = len(s.items), s.size
	s.mu.Unlock()
	if s.disk != nil {
		diskEntries, diskBytes = s.disk.stats()
	}
	return
}

// matcher selects entries to purge. URL keys are "namespace scheme://host/path?query".
type matcher struct {
	all      bool
	urls     map[string]bool
	prefixes []string
	tags     map[string]bool
	hosts    map[string]bool
}

func (m matcher) matchURL(url string) bool {
	if m.all || m.urls[url] {
		return true
	}
	for _, p := range m.prefixes {
		if strings.HasPrefix(url, p) {
			return true
		}
	}
	if len(m.hosts) > 0 && m.hosts[hostOf(url)] {
		return true
	}
	return false
}

func (m matcher) match(e *entry) bool {
	if m.matchURL(e.URL) {
		return true
	}
	for _, t := range e.Tags {
		if m.tags[t] {
			return true
		}
	}
	return false
}

// hostOf returns the host of a URL key.
func hostOf(url string) string {
	_, rest, _ := strings.Cut(url, "://")
	host, _, _ := strings.Cut(rest, "/")
	return host
}
