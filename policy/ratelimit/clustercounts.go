package ratelimit

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

// clusterCounts is the cluster part of a Limiter with scope "cluster".
//
// The Limiter's store keeps, per key, the sliding window's two counts as
// this PoP knows them: its own requests plus the other PoPs', which
// arrive in batches. A request is decided on those counts alone, under
// the shard's lock, as for scope "pop"; it never waits on the network.
// What it admits is also counted in the key's slot (slot.pend), the key
// listed in pending, and the Sync publishes those counts every interval.
// The other PoPs add them to their own stores (apply), so each PoP's
// counts lag the cluster's by at most one interval plus the delivery
// time.
type clusterCounts struct {
	l       *Limiter
	sync    *Sync
	key     sipKey // the Sync's key hash key, the same on every PoP
	id      string // Options.ID, for logs
	subject string
	// sender tells this limiter's batches from the other PoPs': a NATS
	// connection receives its own publications.
	sender uint64
	sub    *nats.Subscription // nil when the Sync has no connection (tests)

	// pending[i] lists what shard i admitted since the last flush; the
	// shard's mutex, which allow already holds, guards it. The counts
	// themselves are in the slots (slot.pend).
	pending []shardPending
	// maxPending is the shard's share of MaxKeys, which bounds the
	// lists: a flood of new keys within one interval cannot grow them
	// further.
	maxPending int
	// dirty is set when pending may be non-empty, so that the Sync skips
	// idle limiters without locking their shards.
	dirty atomic.Bool
	// dropped counts increments left out of a full rolled list.
	dropped atomic.Int64

	flushMu sync.Mutex // one flush at a time: the Sync's loop, Close
	entries []countEntry
	buf     []byte
	closed  bool
}

// shardPending is what one shard admitted since the last flush.
type shardPending struct {
	// keys are the hashes of the slots whose pend went from 0 to 1. (A
	// key evicted and added again may be listed twice; its pend is
	// taken once.)
	keys []uint64
	// rolled holds the pending counts of windows their key has left.
	rolled []countEntry
}

type countEntry struct {
	hash   uint64
	window int64
	n      uint32
}

func newClusterCounts(l *Limiter, s *Sync, id string) *clusterCounts {
	return &clusterCounts{
		l:          l,
		sync:       s,
		key:        s.key,
		id:         id,
		subject:    subject(id, l.period),
		sender:     s.newSender(),
		pending:    make([]shardPending, len(l.store.shards)),
		maxPending: max(l.store.shards[0].max, 1),
	}
}

// allow is Limiter.allowHash for scope "cluster".
func (c *clusterCounts) allow(hash uint64, now time.Time) Result {
	l := c.l
	ns := now.UnixNano()
	sh, s := l.store.lock(hash, ns)
	t := s.t
	res := l.window(&s.state, ns)
	p := &c.pending[hash>>l.store.shift]
	if s.t != t {
		c.roll(p, s, t)
	}
	if res.Allowed {
		c.note(p, sh, s)
	}
	sh.mu.Unlock()
	return res
}

// roll keeps the pending count of window t, which slot s has just left.
// The caller holds the shard's lock.
func (c *clusterCounts) roll(p *shardPending, s *slot, t int64) {
	if s.pend == 0 {
		return
	}
	if len(p.rolled) < c.maxPending {
		p.rolled = append(p.rolled, countEntry{s.hash, t, uint32(s.pend)})
	} else {
		c.dropped.Add(int64(s.pend))
	}
	s.pend = 0
}

// note records one admitted request in slot s of shard sh. The caller
// holds the shard's lock.
func (c *clusterCounts) note(p *shardPending, sh *shard, s *slot) {
	if s.pend == 0 {
		if len(p.keys) >= 2*c.maxPending {
			compact(p, sh)
		}
		p.keys = append(p.keys, s.hash)
		// Load first: the flag's cache line then stays shared between
		// CPUs until the next flush, instead of bouncing on every
		// request.
		if !c.dirty.Load() {
			c.dirty.Store(true)
		}
	}
	if s.pend < math.MaxInt32 {
		s.pend++
	}
}

// compact drops from p.keys the keys evicted since they were listed,
// and repeats. What is left are keys the shard holds, at most its cap,
// so the list never grows past twice that, and compacting again waits
// for at least as many new keys: its cost is a few steps per key.
func compact(p *shardPending, sh *shard) {
	keep := p.keys[:0]
	for _, h := range p.keys {
		if j, ok := sh.index[h]; ok && sh.slots[j].pend > 0 {
			keep = append(keep, h)
		}
	}
	slices.Sort(keep)
	p.keys = slices.Compact(keep)
}

// takeShard appends what shard i admitted since the last flush to
// c.entries. The caller holds flushMu.
func (c *clusterCounts) takeShard(i int) {
	p := &c.pending[i]
	sh := &c.l.store.shards[i]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	c.entries = append(c.entries, p.rolled...)
	for _, h := range p.keys {
		j, ok := sh.index[h]
		if !ok {
			continue // evicted: its increments are lost
		}
		s := &sh.slots[j]
		if s.pend > 0 {
			c.entries = append(c.entries, countEntry{h, s.t, uint32(s.pend)})
			s.pend = 0
		}
	}
	p.rolled, p.keys = p.rolled[:0], p.keys[:0]
}

// flush publishes the increments admitted since the last flush, in
// batches of at most maxBatch bytes. A batch that cannot be published is
// lost: the other PoPs undercount by it.
//
// Shards are taken one after the other, and entries are encoded and
// published once they fill a batch, so that memory does not grow with a
// flood of keys; but a quiet limiter's few entries still go in one
// message.
func (c *clusterCounts) flush(maxBatch int, publish func([]byte) error) error {
	c.flushMu.Lock()
	defer c.flushMu.Unlock()
	if c.closed {
		return nil
	}
	c.dirty.Store(false) // before taking: a later note sets it again
	var err error
	emit := func(b []byte) {
		if perr := publish(b); perr != nil && err == nil {
			err = perr
		}
	}
	fill := maxBatch / entryTypical
	c.entries = c.entries[:0]
	for i := range c.pending {
		c.takeShard(i)
		if len(c.entries) >= fill || i == len(c.pending)-1 && len(c.entries) > 0 {
			c.buf = encodeBatches(c.buf, c.sender, c.entries, maxBatch, emit)
			c.entries = c.entries[:0]
		}
	}
	if cap(c.entries) > 4*fill {
		c.entries = nil // a flood grew it; let it go
	}
	return err
}

// The batch format, version 1. Integers are little-endian, or varints
// (zigzag for signed ones):
//
//	version  1 byte (1)
//	sender   8 bytes
//	base     varint: a window index (that of the first entry)
//	entries, to the end:
//	  hash   8 bytes: the key's SipHash under the cluster's key
//	  delta  varint: the entry's window minus base
//	  count  uvarint: requests admitted, at least 1
//
// Keys travel as keyed hashes only, never as their text: a client's
// address or API key cannot be read (or brute-forced, without the
// secret) from the subject's traffic.
const (
	batchVersion = 1
	entryMax     = 8 + binary.MaxVarintLen64 + binary.MaxVarintLen32
	entryTypical = 8 + 1 + 2
	// MinSyncBatch is the smallest SyncConfig.MaxBatch.
	MinSyncBatch = 1024
)

// encodeBatches encodes entries into batches of at most maxBatch bytes,
// calls emit with each (which must not keep it), and returns buf for
// reuse.
func encodeBatches(buf []byte, sender uint64, entries []countEntry, maxBatch int, emit func([]byte)) []byte {
	base := entries[0].window
	buf = append(buf[:0], batchVersion)
	buf = binary.LittleEndian.AppendUint64(buf, sender)
	buf = binary.AppendVarint(buf, base)
	header := len(buf)
	for _, e := range entries {
		if len(buf)+entryMax > maxBatch {
			emit(buf)
			buf = buf[:header]
		}
		buf = binary.LittleEndian.AppendUint64(buf, e.hash)
		buf = binary.AppendVarint(buf, e.window-base)
		buf = binary.AppendUvarint(buf, uint64(e.n))
	}
	if len(buf) > header {
		emit(buf)
	}
	return buf
}

// batch is a decoded batch header; next walks its entries.
type batch struct {
	sender uint64
	base   int64
	rest   []byte
}

var errBatch = errors.New("malformed rate limit batch")

func decodeBatch(data []byte) (batch, error) {
	if len(data) < 1+8+1 {
		return batch{}, fmt.Errorf("%w: %d bytes", errBatch, len(data))
	}
	if data[0] != batchVersion {
		return batch{}, fmt.Errorf("%w: version %d", errBatch, data[0])
	}
	b := batch{sender: binary.LittleEndian.Uint64(data[1:])}
	base, n := binary.Varint(data[9:])
	if n <= 0 {
		return batch{}, fmt.Errorf("%w: bad window", errBatch)
	}
	b.base, b.rest = base, data[9+n:]
	return b, nil
}

// next returns the next entry; ok is false at the end.
func (b *batch) next() (e countEntry, ok bool, err error) {
	if len(b.rest) == 0 {
		return countEntry{}, false, nil
	}
	if len(b.rest) < 8+1+1 {
		return countEntry{}, false, fmt.Errorf("%w: truncated entry", errBatch)
	}
	e.hash = binary.LittleEndian.Uint64(b.rest)
	delta, n := binary.Varint(b.rest[8:])
	if n <= 0 {
		return countEntry{}, false, fmt.Errorf("%w: bad window", errBatch)
	}
	p := b.rest[8+n:]
	cnt, m := binary.Uvarint(p)
	if m <= 0 || cnt == 0 {
		return countEntry{}, false, fmt.Errorf("%w: bad count", errBatch)
	}
	b.rest = p[m:]
	// Wrapping on garbage is harmless: the window is then far from the
	// receiver's and ignored.
	e.window = b.base + delta
	e.n = uint32(min(cnt, math.MaxInt32))
	return e, true, nil
}

// apply adds another PoP's batch to the store, as seen at now (Unix ns).
// A malformed batch is refused whole. It reports how many entries it
// added.
func (c *clusterCounts) apply(data []byte, now int64) (int, error) {
	b, err := decodeBatch(data)
	if err != nil {
		return 0, err
	}
	if b.sender == c.sender {
		return 0, nil
	}
	// Check every entry before changing any count.
	check := b
	for {
		_, ok, err := check.next()
		if err != nil {
			return 0, err
		}
		if !ok {
			break
		}
	}
	st := c.l.store
	cur := floorDiv(now, c.l.period)
	added := 0
	for {
		e, ok, _ := b.next()
		if !ok {
			return added, nil
		}
		switch {
		case e.window < cur-1 || e.window > cur+1:
			// Too old to count, or from a clock far ahead of ours.
			continue
		case e.window == cur+1:
			// The sender's clock is a little ahead and has turned the
			// window already. Counting the requests now, in ours, rather
			// than dropping them keeps the error on the safe side.
			e.window = cur
		}
		sh, s := st.lock(e.hash, now)
		t := s.t
		addRemote(&s.state, e.window, e.n)
		if s.t != t {
			c.roll(&c.pending[e.hash>>st.shift], s, t)
		}
		sh.mu.Unlock()
		added++
	}
}

// addRemote adds n requests counted elsewhere in window w to a key's
// sliding window state, turning its windows if w is newer. An entry
// older than the state's previous window no longer counts.
func addRemote(st *state, w int64, n uint32) {
	switch {
	case w == st.t:
		st.n = satAdd(st.n, n)
	case w == st.t-1:
		st.p = satAdd(st.p, n)
	case w == st.t+1:
		st.t, st.p, st.n = w, st.n, satAdd(0, n)
	case w > st.t+1:
		st.t, st.p, st.n = w, 0, satAdd(0, n)
	}
}

// satAdd adds n to a count, saturating: counts from many PoPs together
// may pass the limit, but must not wrap.
func satAdd(a int32, n uint32) int32 {
	return int32(min(int64(a)+int64(n), math.MaxInt32))
}

// close stops the limiter's sharing: what it admitted since the last
// flush is published, then it leaves the subject.
func (c *clusterCounts) close(maxBatch int, publish func([]byte) error) error {
	err := c.flush(maxBatch, publish)
	c.flushMu.Lock()
	c.closed = true
	c.flushMu.Unlock()
	return err
}
