package wasm

import (
	"sync"

	"github.com/tetratelabs/wazero/experimental"
)

// Linear memory pooling.
//
// wazero's default allocator grows a memory by appending to a Go slice, so a
// Go guest that grows its heap to a few MiB copies it several times and
// leaves it all as garbage at the end of every request. Instead each instance
// gets a region reserved up front at the memory limit (virtual address space
// only; pages are committed as the guest touches them), so growth never
// copies, and finished regions are zeroed and reused by the next instance.
//
// The pool also enforces the memory limit: it refuses growth past the limit
// and records it, which tells "ran out of memory" apart from other traps.

// keepResident is how much of a used region is zeroed in place and kept
// committed for the next instance; beyond it pages are returned to the OS,
// which bounds what an idle pool holds. A Go guest's hello world peaks at
// ~3 MiB of linear memory.
const keepResident = 8 << 20

// memoryPool holds idle, zeroed regions of one size.
type memoryPool struct {
	size uint64 // bytes per region: the memory limit

	mu     sync.Mutex
	idle   [][]byte
	max    int // most idle regions kept
	closed bool
}

func newMemoryPool(size uint64, max int) *memoryPool {
	return &memoryPool{size: size, max: max}
}

// get returns a zeroed region of p.size bytes.
func (p *memoryPool) get() ([]byte, error) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		b := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return b, nil
	}
	p.mu.Unlock()
	return reserve(p.size)
}

// put zeroes the first used bytes of b and keeps it for reuse.
func (p *memoryPool) put(b []byte, used uint64) {
	zero(b[:used], keepResident)
	p.mu.Lock()
	if !p.closed && len(p.idle) < p.max {
		p.idle = append(p.idle, b)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	release(b)
}

// close releases the idle regions; regions put later are released at once.
func (p *memoryPool) close() {
	if p == nil {
		return
	}
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	for _, b := range idle {
		release(b)
	}
}

// instanceMemory is the allocator of one instance: it hands wazero a pooled
// region and gets it back only when the request is over. wazero calls Free
// when a module closes, which can happen on another goroutine while the
// guest still runs (Runtime.Close), so Free does not recycle the region.
type instanceMemory struct {
	pool     *memoryPool
	region   []byte // from the pool; nil once handed out or released
	buf      []byte // the region given to wazero
	used     uint64 // high-water mark of buf's length
	limit    uint64
	exceeded bool // a growth past the limit was refused
}

// Allocate implements experimental.MemoryAllocator.
func (im *instanceMemory) Allocate(_, max uint64) experimental.LinearMemory {
	if im.region == nil {
		// A second memory (multi-memory is not supported by wazero today):
		// no pooling, still limited.
		return &heapMemory{im: im, limit: min(max, im.pool.size)}
	}
	im.buf, im.region = im.region, nil
	im.limit = min(max, uint64(len(im.buf)))
	return im
}

// Reallocate implements experimental.LinearMemory.
func (im *instanceMemory) Reallocate(size uint64) []byte {
	if size > im.limit {
		im.exceeded = true
		return nil
	}
	im.used = max(im.used, size)
	return im.buf[:size]
}

// Free implements experimental.LinearMemory; see instanceMemory.
func (im *instanceMemory) Free() {}

// release returns the region to the pool. Call it only after the guest has
// stopped.
func (im *instanceMemory) release() {
	switch {
	case im.buf != nil:
		im.pool.put(im.buf, im.used)
	case im.region != nil:
		im.pool.put(im.region, 0)
	}
	im.buf, im.region = nil, nil
}

// heapMemory is a limited, copying memory for the unexpected second memory.
type heapMemory struct {
	im    *instanceMemory
	buf   []byte
	limit uint64
}

func (h *heapMemory) Reallocate(size uint64) []byte {
	if size > h.limit {
		h.im.exceeded = true
		return nil
	}
	if size > uint64(cap(h.buf)) {
		b := make([]byte, size, 2*size)
		copy(b, h.buf)
		h.buf = b
	}
	h.buf = h.buf[:size]
	return h.buf
}

func (h *heapMemory) Free() { h.buf = nil }
