package engine

import (
	"unsafe"

	"modernc.org/libc"
	lib "modernc.org/libquickjs"
)

// ArrayBuffers over external memory, BigInts and the engine's heap size:
// what a Web API needs to expose memory that the engine does not own (a
// WebAssembly linear memory) and 64-bit integers.

// externals tracks the ArrayBuffers made by NewExternalArrayBuffer.
type externals struct {
	// free is the engine's free_func for them. Its address is handed to
	// the engine as a C function pointer, so it stays referenced here for
	// as long as the VM lives (the engine calls it during Close too).
	free    func(tls *libc.TLS, rt, opaque, ptr uintptr)
	next    uintptr
	release map[uintptr]func()
}

// NewExternalArrayBuffer returns an ArrayBuffer whose bytes are mem itself,
// not a copy: writes on either side are seen by the other.
//
// mem must be outside the Go heap and the engine's heap (memory mapped with
// mmap, for instance): the engine does pointer arithmetic on it, which Go's
// checkptr rejects on Go memory, and nothing may move or free it until
// release runs. release is called once, on the VM's goroutine, when the
// buffer is detached (DetachArrayBuffer, or a transfer that copies), when
// it is collected, or when the VM closes. On error release has run already.
func (vm *VM) NewExternalArrayBuffer(mem []byte, release func()) (Value, error) {
	e := &vm.ext
	if e.free == nil {
		e.free = vm.freeExternal
		e.release = map[uintptr]func(){}
	}
	e.next++
	id := e.next
	e.release[id] = release
	var p uintptr
	if len(mem) > 0 {
		p = uintptr(unsafe.Pointer(unsafe.SliceData(mem)))
	}
	v := lib.XJS_NewArrayBuffer(vm.tls, vm.ctx, p, libc.Tsize_t(len(mem)), fp(e.free), id, 0)
	if isException(v) {
		// The engine did not keep the buffer, so it will not call free.
		delete(e.release, id)
		release()
		return Value{}, vm.takeException()
	}
	return Value{vm, v}, nil
}

// freeExternal is the engine's free_func for external ArrayBuffers; opaque
// is the buffer's id.
func (vm *VM) freeExternal(tls *libc.TLS, rt, opaque, ptr uintptr) {
	if f, ok := vm.ext.release[opaque]; ok {
		delete(vm.ext.release, opaque)
		f()
	}
}

// ExternalCount reports how many external ArrayBuffers are alive (for
// leak tests).
func (vm *VM) ExternalCount() int { return len(vm.ext.release) }

// DetachArrayBuffer detaches an ArrayBuffer as a transfer does: its length
// becomes 0 and views over it become empty. Anything else is left alone.
func (x Value) DetachArrayBuffer() {
	if x.IsObject() {
		lib.XJS_DetachArrayBuffer(x.vm.tls, x.vm.ctx, x.v)
	}
}

// NewBigInt64 returns a BigInt holding n.
func (vm *VM) NewBigInt64(n int64) Value {
	return Value{vm, lib.XJS_NewBigInt64(vm.tls, vm.ctx, n)}
}

// BigInt64 converts the value as JavaScript's ToBigInt64 does: a BigInt
// (or a boolean or numeric string) wrapped to 64 bits. A number is a
// TypeError, as in JavaScript.
func (x Value) BigInt64() (int64, error) {
	if x.vm == nil {
		return 0, TypeError("cannot convert undefined to a BigInt")
	}
	tls := x.vm.tls
	p := tls.Alloc(8)
	defer tls.Free(8)
	if lib.XJS_ToBigInt64(tls, x.vm.ctx, p, x.v) < 0 {
		return 0, x.vm.takeException()
	}
	return *(*int64)(unsafePointer(p)), nil
}

// HeapSize returns the bytes the VM's heap holds now. Unlike MemoryUsage it
// reads the allocator's counter instead of walking the heap, so it is cheap
// enough for every allocation decision outside the engine.
func (vm *VM) HeapSize() int64 {
	return int64((*lib.TJSRuntime)(unsafePointer(vm.rt)).Fmalloc_ctx.Fmalloc_state.Fmalloc_size)
}
