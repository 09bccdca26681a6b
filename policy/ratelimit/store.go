package ratelimit

import "sync"

// The store keeps per-key state for a Limiter. Keys are chosen by
// clients (random source addresses, random header values), so its memory
// is bounded three ways:
//
//   - a key is the 64-bit hash of the key text, never the text itself;
//   - keys idle for longer than the limiter's idle time are dropped,
//     lazily: each call that locks a shard first drops up to sweepBatch
//     of that shard's stale keys, so no goroutine is needed and no
//     request pays for sweeping a whole shard;
//   - each shard holds at most its share of the key cap; a new key in a
//     full shard evicts the shard's least recently used key.
//
// A shard's keys sit in a slice and are linked, least recently used
// first, by indices rather than pointers, and the index map holds
// integers only, so the garbage collector never scans the table. Recency
// is kept to within a sixteenth of the idle time (see store.touch): a key
// used again sooner is not moved in the list.

const (
	maxShards = 64
	// sweepBatch bounds the stale keys one call drops.
	sweepBatch = 32
	none       = -1
)

// slot is one key's state.
type slot struct {
	hash       uint64
	last       int64 // Unix ns of the last move to the list's back
	prev, next int32 // LRU neighbours; next links the free list too
	state
	// pend counts the requests admitted in window state.t and not yet
	// published to the other PoPs (scope "cluster" only). It sits here,
	// in the cache line the request has just read, rather than in a
	// table of its own.
	pend int32
}

// state is an algorithm's per-key state. Sliding window: t is the
// current window's index since the Unix epoch, n its count and p the
// previous window's count. Token bucket: t is the theoretical arrival
// time in Unix ns (GCRA); n and p are unused.
type state struct {
	t    int64
	n, p int32
}

type shard struct {
	mu         sync.Mutex
	index      map[uint64]int32
	slots      []slot
	head, tail int32 // least and most recently used
	free       int32 // first free slot
	max        int   // the shard's share of the key cap
	// The padding keeps two shards' mutexes out of one cache line, so
	// callers on different shards do not contend through it.
	_ [64]byte
}

type store struct {
	shards []shard
	shift  uint // hash >> shift picks a shard
	idle   int64
	// touch is how long a used key stays where it is in the list before
	// it is moved to the back again. A key's true last use is then at
	// most touch after its slot's last, so a key is dropped when last is
	// idle+touch ago: idle for at least idle.
	touch int64
}

// newStore makes a store holding at most maxKeys keys, dropping keys idle
// for more than idle ns.
func newStore(maxKeys int, idle int64) *store {
	n := 1
	for n < maxShards && n*2 <= maxKeys {
		n *= 2
	}
	st := &store{shards: make([]shard, n), shift: 64, idle: idle, touch: idle / 16}
	for b := n; b > 1; b >>= 1 {
		st.shift--
	}
	for i := range st.shards {
		sh := &st.shards[i]
		sh.index = make(map[uint64]int32)
		sh.head, sh.tail, sh.free = none, none, none
		// Rounding down keeps the total at most maxKeys.
		sh.max = maxKeys / n
	}
	return st
}

// lock returns the locked shard of hash and the key's slot in it, added
// if new. The slot is valid until the shard is unlocked.
func (st *store) lock(hash uint64, now int64) (*shard, *slot) {
	sh := &st.shards[hash>>st.shift] // a shift by 64 gives 0
	sh.mu.Lock()
	sh.sweep(now, st.idle+st.touch)
	i, ok := sh.index[hash]
	switch {
	case !ok:
		i = sh.alloc()
		sh.slots[i] = slot{hash: hash}
		sh.index[hash] = i
	case now-sh.slots[i].last < st.touch:
		// Moved to the back recently: leave it, sparing the writes to
		// its neighbours, whose cache lines other CPUs would then have
		// to fetch again. The list stays ordered by time of move.
		return sh, &sh.slots[i]
	default:
		sh.unlink(i)
	}
	sh.pushBack(i)
	s := &sh.slots[i]
	s.last = now
	return sh, s
}

// sweep drops up to sweepBatch keys moved to the back more than limit ns
// ago. Keys are in order of that move, so the stale ones are at the
// front.
func (sh *shard) sweep(now, limit int64) {
	for range sweepBatch {
		if sh.head == none || now-sh.slots[sh.head].last <= limit {
			return
		}
		sh.remove(sh.head)
	}
}

// alloc returns a slot for a new key: a free one, a new one while the
// shard is under its cap, else the least recently used key's.
func (sh *shard) alloc() int32 {
	if sh.free == none && len(sh.slots) >= sh.max {
		sh.remove(sh.head)
	}
	if i := sh.free; i != none {
		sh.free = sh.slots[i].next
		return i
	}
	sh.slots = append(sh.slots, slot{})
	return int32(len(sh.slots) - 1)
}

// remove drops slot i's key and puts the slot on the free list.
func (sh *shard) remove(i int32) {
	delete(sh.index, sh.slots[i].hash)
	sh.unlink(i)
	sh.slots[i].next = sh.free
	sh.free = i
}

func (sh *shard) unlink(i int32) {
	s := &sh.slots[i]
	if s.prev != none {
		sh.slots[s.prev].next = s.next
	} else {
		sh.head = s.next
	}
	if s.next != none {
		sh.slots[s.next].prev = s.prev
	} else {
		sh.tail = s.prev
	}
	s.prev, s.next = none, none
}

func (sh *shard) pushBack(i int32) {
	s := &sh.slots[i]
	s.prev, s.next = sh.tail, none
	if sh.tail != none {
		sh.slots[sh.tail].next = i
	} else {
		sh.head = i
	}
	sh.tail = i
}

// len counts the keys held, stale or not.
func (st *store) len() int {
	n := 0
	for i := range st.shards {
		sh := &st.shards[i]
		sh.mu.Lock()
		n += len(sh.index)
		sh.mu.Unlock()
	}
	return n
}
