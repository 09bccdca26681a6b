package webassembly

import (
	"context"
	"fmt"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"golang.org/x/sys/unix"

	"github.com/verge-edge/verge/engine"
)

// Linear memories live in address space reserved with mmap, outside the Go
// heap and the engine's heap, at their largest allowed size: growing
// commits pages (mprotect) and never moves them. That is what lets
// memory.buffer be an ArrayBuffer over the memory itself (the engine may
// only alias memory that is not Go's and that stays put), and what keeps an
// ArrayBuffer that outlives its instance, or that JavaScript moved with
// transfer(), pointing at mapped memory: a region is unmapped only when
// wazero and every ArrayBuffer over it have let go.
//
// Everything here runs on the VM's goroutine: wazero allocates and grows a
// memory while the VM runs WebAssembly, frees it when the VM closes an
// instance (a deadline closes the instance on another goroutine but leaves
// its resources to the caller), and the engine releases ArrayBuffers during
// garbage collection.

// budget is the memory budget of one VM, shared by its JavaScript heap and
// its linear memories, as an isolate's memory limit covers both on
// Cloudflare: a memory may grow only while heap and memories fit, and the
// heap's limit shrinks by what the memories hold.
type budget struct {
	vm    *engine.VM
	limit int64 // bytes for heap and memories together
	// heap says whether the heap shares the budget; without Install the
	// VM's heap limit is unknown, and the memories alone get limit.
	heap   bool
	wasm   int64 // bytes committed to linear memories
	closed bool  // the VM is closing: its heap limit must not be touched
}

// charge takes n bytes for a memory, or reports that they do not fit.
func (b *budget) charge(n int64) bool {
	if b.closed || !b.room(n) {
		return false
	}
	b.wasm += n
	b.apply()
	return true
}

func (b *budget) refund(n int64) {
	b.wasm -= n
	b.apply()
}

// room reports whether n more bytes of memory fit. When they do not, it
// runs the collector first: instances the script dropped keep their
// memories until it frees them, and linear memory is not the engine's, so
// filling it does not make the collector run on its own.
func (b *budget) room(n int64) bool {
	if b.fits(n) {
		return true
	}
	b.vm.RunGC()
	return b.fits(n)
}

func (b *budget) fits(n int64) bool {
	used := b.wasm
	if b.heap {
		used += b.vm.HeapSize()
	}
	return used+n <= b.limit
}

func (b *budget) apply() {
	if b.heap && !b.closed {
		// A zero limit would mean no limit: keep at least one byte.
		b.vm.SetMemoryLimit(int(max(b.limit-b.wasm, 1)))
	}
}

// allocator makes the memory of one module, an instance's or a Memory
// object's (wazero has at most one memory per module), and remembers it, so
// that the instance or Memory can expose it.
type allocator struct {
	budget *budget
	made   *linearMemory
	err    error
}

// Allocate implements experimental.MemoryAllocator. max is the module's
// declared maximum, or 4 GiB: only what the budget could ever allow is
// reserved.
func (a *allocator) Allocate(_, max uint64) experimental.LinearMemory {
	size := min(max, uint64(a.budget.limit))
	lm := &linearMemory{budget: a.budget, refs: 1}
	if size > 0 {
		region, err := unix.Mmap(-1, 0, int(size), unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANON)
		if err != nil {
			a.err = fmt.Errorf("reserving %d bytes of linear memory: %w", size, err)
			return failedMemory{}
		}
		lm.region = region
	}
	a.made = lm
	return lm
}

// failedMemory is what Allocate returns when it cannot reserve: wazero then
// fails the instantiation (by panicking, which instantiate recovers).
type failedMemory struct{}

func (failedMemory) Reallocate(uint64) []byte { return nil }
func (failedMemory) Free()                    {}

// linearMemory is one reserved region.
type linearMemory struct {
	budget *budget
	region []byte // reserved; never moves
	size   uint64 // accessible bytes, a multiple of the page size
	// refs counts wazero's hold (until Free), the memory's (see memory)
	// and the ArrayBuffers over the region; at zero the region is
	// unmapped.
	refs  int
	freed bool // Free ran
}

// Reallocate implements experimental.LinearMemory: it makes size bytes
// accessible, or returns nil (memory.grow then returns -1) past the
// reservation or the budget.
func (lm *linearMemory) Reallocate(size uint64) []byte {
	if size > uint64(len(lm.region)) {
		return nil
	}
	if size > lm.size {
		grow := int64(size - lm.size)
		if !lm.budget.charge(grow) {
			return nil
		}
		if err := unix.Mprotect(lm.region[lm.size:size], unix.PROT_READ|unix.PROT_WRITE); err != nil {
			lm.budget.refund(grow)
			return nil
		}
		lm.size = size
	}
	if lm.region == nil {
		return []byte{}
	}
	return lm.region[:size:size]
}

// Free implements experimental.LinearMemory: wazero is done with it. It
// is also called after a failed instantiation, which wazero may or may not
// have freed, so only the first call counts.
func (lm *linearMemory) Free() {
	if !lm.freed {
		lm.freed = true
		lm.unref()
	}
}

func (lm *linearMemory) unref() {
	lm.refs--
	if lm.refs > 0 {
		return
	}
	if lm.region != nil {
		_ = unix.Munmap(lm.region)
		lm.region = nil
	}
	lm.budget.refund(int64(lm.size))
	lm.size = 0
}

// arrayBuffer returns an ArrayBuffer over the accessible bytes; the region
// stays mapped until the engine releases it.
func (lm *linearMemory) arrayBuffer(vm *engine.VM) (engine.Value, error) {
	lm.refs++
	return vm.NewExternalArrayBuffer(lm.region[:lm.size:lm.size], lm.unref)
}

// memory is one linear memory as JavaScript sees it. The instance or the
// Memory object that made it owns it, and instances may import it; all of
// them, and the Memory objects over it, share this.
type memory struct {
	st    *state
	owner api.Module // defines the memory: an instance's module, or a Memory's own
	name  string     // what owner exports it as ("" if it does not)
	lin   *linearMemory
	// refs counts the owner and the instances importing the memory. wazero
	// frees a memory when it closes the module that defines it, so the
	// owner's module is closed only when nothing uses the memory any more.
	refs int
	// buf is the ArrayBuffer memory.buffer returned, kept so that the
	// same object comes back until the memory grows, and then detached.
	buf    engine.Value
	bufLen uint64
}

func newMemory(st *state, owner api.Module, name string, lin *linearMemory) *memory {
	// The memory holds the region too: wazero may free it early, when it
	// closes an importer that a limit stopped (see closeImporter).
	lin.refs++
	return &memory{st: st, owner: owner, name: name, lin: lin, refs: 1}
}

func (m *memory) hold() { m.refs++ }

// release drops a hold, and at the last closes the owner's module.
func (m *memory) release() error {
	m.refs--
	if m.refs > 0 {
		return nil
	}
	m.buf.Free()
	m.buf = engine.Value{}
	err := m.owner.Close(context.Background())
	m.lin.Free() // if wazero did not; only the first call counts
	m.lin.unref()
	return err
}

// sync detaches the ArrayBuffer if the memory grew since it was made.
func (m *memory) sync() {
	if m.buf.IsObject() && m.lin.size != m.bufLen {
		m.detach()
	}
}

func (m *memory) detach() {
	if m.buf.IsObject() {
		m.buf.DetachArrayBuffer()
		m.buf.Free()
		m.buf = engine.Value{}
	}
}

// bufferDetached reports whether the script detached the buffer itself
// (with transfer(), which QuickJS cannot forbid on it).
func (m *memory) bufferDetached() bool {
	if m.bufLen == 0 {
		return false
	}
	n, err := m.buf.Get("byteLength")
	defer n.Free()
	l, _ := n.Int()
	return err != nil || l == 0
}

// buffer returns the memory's ArrayBuffer.
func (m *memory) buffer() (engine.Value, error) {
	m.sync()
	if m.buf.IsObject() && m.bufferDetached() {
		m.buf.Free()
		m.buf = engine.Value{}
	}
	if !m.buf.IsObject() {
		v, err := m.lin.arrayBuffer(m.st.vm)
		if err != nil {
			return engine.Value{}, err
		}
		m.buf, m.bufLen = v, m.lin.size
	}
	return m.buf.Dup(), nil
}

// grow grows the memory by delta pages and returns its previous size in
// pages.
func (m *memory) grow(delta uint32) (uint32, error) {
	prev, ok := m.owner.Memory().Grow(delta)
	if !ok {
		return 0, engine.RangeError("WebAssembly.Memory.grow(): Maximum memory size exceeded")
	}
	// The JS API detaches the buffer on every grow, even by 0 pages.
	m.detach()
	return prev, nil
}

// pages returns the memory's size in pages.
func (m *memory) pages() uint32 { return uint32(m.lin.size / 65536) }
