package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
	"modernc.org/libc"
	lib "modernc.org/libquickjs"
)

// gcThreshold is QuickJS's default allocation threshold for a GC cycle.
const gcThreshold = 256 << 10

// Options configure a new VM.
type Options struct {
	// Prelude is evaluated into the VM before it is returned. It also
	// provides the ops that the prelude's scripts call.
	Prelude *Prelude
	// MemoryLimit caps the VM's heap in bytes (0: no limit).
	MemoryLimit int
	// MaxStackSize caps the JavaScript call depth in engine stack slots
	// (0: the engine's default).
	MaxStackSize int
	// Globals are op values made available to JS before the prelude runs,
	// for tests and embedders; normally Prelude carries the ops.
	Ops map[string]Op
}

// interruptState lives in C memory so the interrupt handler, which the
// engine calls with a raw pointer, can read it. Times are monotonic
// nanoseconds unless named CPU.
//
// CPU time is the thread's CPU clock, not wall time spent in JavaScript: on a
// busy node a thread is descheduled for tens of milliseconds, and charging
// that to the worker failed well-behaved requests. Reading the thread clock
// is a system call (~1.6 µs here), so an entry into JavaScript reads it only
// once it has run long enough for the engine to poll the handler; time before
// the first poll (a few thousand bytecodes) is counted as wall time. The
// deadline is then a lower bound on when the budget can run out (CPU time
// never exceeds wall time on one thread), and the handler checks the thread
// clock only when it passes.
type interruptState struct {
	flag     int32 // set by Interrupt, read by the handler
	cpuOn    int32 // a CPU budget applies to the current entry
	deadline int64 // when to stop or re-check the CPU clock; 0: none
	checks   int64 // how often the handler ran (for tests and metrics)

	wall      int64 // wall deadline; 0: none
	cpuLeft   int64 // CPU budget left at entry
	entered   int64 // when the current entry began
	polledAt  int64 // first poll of the current entry; 0: not yet
	polledCPU int64 // the thread CPU clock at that poll
}

// cpuUsed reports the CPU time of the current entry up to now.
func (st *interruptState) cpuUsed(now int64) int64 {
	if st.polledAt == 0 {
		return now - st.entered
	}
	return st.polledAt - st.entered + threadCPU() - st.polledCPU
}

// threadCPU reads the calling thread's CPU clock. The VM's goroutine is
// locked to its thread while it runs JavaScript (see enter).
func threadCPU() int64 {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) != nil {
		return 0
	}
	return ts.Nano()
}

// VM is one JavaScript isolate: a QuickJS runtime with one context, its ops,
// its event loop and its resources.
//
// A VM is not safe for concurrent use, except for Interrupt and Post, which
// may be called from any goroutine, and Lock, which lets goroutines share
// it (see Task).
type VM struct {
	tls  *libc.TLS
	rt   uintptr
	ctx  uintptr
	intr uintptr // *interruptState in C memory

	// dispatch is the Go function the engine calls for every op. Its
	// address is handed to the engine as a C function pointer, so it must
	// stay referenced here for as long as the VM lives.
	dispatch func(tls *libc.TLS, ctx uintptr, this lib.TJSValue, argc int32, argv uintptr, magic int32) lib.TJSValue
	ops      []opEntry

	loop      loop
	resources resources

	// Time accounting is per task. The engine's interrupt deadline is
	// recomputed on every outermost entry into JavaScript as the earlier of
	// the current task's wall deadline and CPU budget left (see
	// interruptState).
	root Task
	task *Task
	lk   vmLock

	depth       int   // nested calls into JavaScript
	interrupted error // why the current call was interrupted, if it was
	closed      bool
	closeOnce   sync.Once

	// rejections tracks promises rejected with no handler, see tracker.
	rejections []Value
	tracker    func(tls *libc.TLS, ctx uintptr, promise, reason lib.TJSValue, isHandled int32, opaque uintptr)

	// baseCtx is cancelled when the VM closes; async op work gets it.
	baseCtx context.Context
	cancel  context.CancelFunc

	// state holds per-VM data of extensions, see SetState.
	state map[string]any

	ext      externals // see NewExternalArrayBuffer
	blocking blocking  // see BlockingContext

	// Log receives uncaught errors from timers and jobs; nil drops them.
	OnError func(error)
}

// ErrInterrupted is returned when a VM was stopped by Interrupt.
var ErrInterrupted = errors.New("javascript interrupted")

// ErrDeadline is returned when a VM ran past the deadline set by SetDeadline.
var ErrDeadline = errors.New("javascript ran past its deadline")

// ErrCPULimit is returned when a VM used up the CPU budget set by
// SetCPULimit.
var ErrCPULimit = errors.New("javascript exceeded its CPU time limit")

// ErrOutOfMemory is returned when a VM hit its memory limit.
var ErrOutOfMemory = errors.New("javascript heap out of memory")

var monoBase = time.Now()

func monotonic() int64 { return int64(time.Since(monoBase)) }

// interruptHandler is called by the engine every few thousand bytecodes, and
// during regular expression execution, with the VM's interruptState.
func interruptHandler(tls *libc.TLS, rt, opaque uintptr) int32 {
	st := (*interruptState)(unsafePointer(opaque))
	st.checks++
	if atomic.LoadInt32(&st.flag) != 0 {
		return 1
	}
	if st.deadline == 0 {
		return 0
	}
	now := monotonic()
	if st.cpuOn != 0 && st.polledAt == 0 {
		st.polledAt, st.polledCPU = now, threadCPU()
	}
	if now < st.deadline {
		return 0
	}
	if st.cpuOn != 0 && (st.wall == 0 || now < st.wall) {
		// The deadline was the CPU budget measured as wall time; the
		// thread may have spent some of it descheduled.
		if left := st.cpuLeft - st.cpuUsed(now); left > 0 {
			st.deadline = now + left
			if st.wall != 0 && st.wall < st.deadline {
				st.deadline = st.wall
			}
			return 0
		}
	}
	return 1
}

// fp returns the code pointer the engine calls for a Go function value. The
// engine calls it back through ccgo's function-pointer convention, which takes
// a Go func value's address, so a closure works too (and carries its VM).
func fp(f any) uintptr {
	type iface [2]uintptr
	return (*iface)(unsafe.Pointer(&f))[1]
}

// New creates a VM and evaluates its prelude.
func New(opts Options) (*VM, error) {
	tls := libc.NewTLS()
	rt := lib.XJS_NewRuntime(tls)
	if rt == 0 {
		tls.Close()
		return nil, errors.New("engine: cannot create runtime")
	}
	ctx := lib.XJS_NewContext(tls, rt)
	if ctx == 0 {
		lib.XJS_FreeRuntime(tls, rt)
		tls.Close()
		return nil, errors.New("engine: cannot create context")
	}
	vm := &VM{tls: tls, rt: rt, ctx: ctx}
	vm.root.root = true
	vm.task = &vm.root
	vm.baseCtx, vm.cancel = context.WithCancel(context.Background())
	vm.intr = libc.Xcalloc(tls, 1, libc.Tsize_t(unsafe.Sizeof(interruptState{})))
	lib.XJS_SetInterruptHandler(tls, rt, fp(interruptHandler), vm.intr)
	if opts.MemoryLimit > 0 {
		lib.XJS_SetMemoryLimit(tls, rt, libc.Tsize_t(opts.MemoryLimit))
	}
	if opts.MaxStackSize > 0 {
		lib.XJS_SetMaxStackSize(tls, rt, libc.Tsize_t(opts.MaxStackSize))
	}
	vm.dispatch = vm.callOp
	vm.tracker = vm.trackRejection
	lib.XJS_SetHostPromiseRejectionTracker(tls, rt, fp(vm.tracker), 0)

	ops := map[string]Op{}
	if opts.Prelude != nil {
		for name, op := range opts.Prelude.ops {
			ops[name] = op
		}
	}
	for name, op := range opts.Ops {
		ops[name] = op
	}
	if err := vm.installOps(ops); err != nil {
		vm.Close()
		return nil, err
	}
	if opts.Prelude != nil {
		// The prelude allocates only what stays alive: collecting during
		// it is wasted work (a third of VM creation when measured).
		lib.XJS_SetGCThreshold(tls, rt, 64<<20)
		defer lib.XJS_SetGCThreshold(tls, rt, gcThreshold)
		for _, s := range opts.Prelude.compiled {
			v, err := vm.EvalBytecode(s.code)
			if err != nil {
				vm.Close()
				return nil, fmt.Errorf("engine: prelude %s: %w", s.name, err)
			}
			v.Free()
		}
		if err := vm.drainJobs(); err != nil {
			vm.Close()
			return nil, fmt.Errorf("engine: prelude jobs: %w", err)
		}
	}
	return vm, nil
}

// Close frees the VM. Pending async work is cancelled; its completions are
// dropped.
func (vm *VM) Close() {
	vm.closeOnce.Do(func() {
		vm.cancel()
		vm.loop.stopTimers()
		vm.resources.closeAll()
		for _, p := range vm.rejections {
			p.Free()
		}
		vm.rejections = nil
		vm.loop.freeAll(vm)
		releaseAll(vm.state)
		lib.XJS_FreeContext(vm.tls, vm.ctx)
		lib.XJS_FreeRuntime(vm.tls, vm.rt)
		libc.Xfree(vm.tls, vm.intr)
		vm.closed = true
		vm.tls.Close()
	})
}

// Context is cancelled when the VM closes.
func (vm *VM) Context() context.Context { return vm.baseCtx }

// SetState stores per-VM data for an extension under key. If the data has
// a Release method, Close calls it (before the engine is freed), which is
// where Values the data holds must be freed.
func (vm *VM) SetState(key string, data any) {
	if vm.state == nil {
		vm.state = map[string]any{}
	}
	if old, ok := vm.state[key].(interface{ Release() }); ok {
		old.Release()
	}
	vm.state[key] = data
}

// State returns the data stored by SetState, or nil.
func (vm *VM) State(key string) any { return vm.state[key] }

// releaseAll empties an extension state map, calling Release on the values
// that have one.
func releaseAll(state map[string]any) {
	for k, st := range state {
		if r, ok := st.(interface{ Release() }); ok {
			r.Release()
		}
		delete(state, k)
	}
}

// ReportError passes a non-nil error to OnError. An interrupt is not
// reported: the loop ends with it instead.
func (vm *VM) ReportError(err error) {
	if err == nil || isFatal(err) {
		return
	}
	vm.reportIfError(err)
}

func (vm *VM) istate() *interruptState { return (*interruptState)(unsafePointer(vm.intr)) }

// Interrupt stops the JavaScript running now (or next) with an uncatchable
// error; the call into JavaScript returns ErrInterrupted. Safe from any
// goroutine while the VM is open.
func (vm *VM) Interrupt() {
	if vm.closed {
		return
	}
	atomic.StoreInt32(&vm.istate().flag, 1)
	vm.cancelBlocking()
	vm.loop.wake()
}

// SetDeadline makes JavaScript running past t stop with ErrDeadline. The zero
// time removes the deadline. The deadline holds until changed: it spans
// every call into JavaScript until then.
func (vm *VM) SetDeadline(t time.Time) {
	if t.IsZero() {
		vm.task.wall = 0
	} else {
		vm.task.wall = int64(t.Sub(monoBase))
	}
	st := vm.istate()
	st.wall = vm.task.wall
	st.deadline = vm.task.wall
	if st.cpuOn != 0 && vm.depth > 0 {
		if c := st.entered + st.cpuLeft; st.deadline == 0 || c < st.deadline {
			st.deadline = c
		}
	}
}

// SetCPULimit starts a new CPU budget: JavaScript (and the ops it calls) may
// run for d in total, across any number of calls, before it stops with
// ErrCPULimit. Time spent waiting in the event loop does not count. Zero
// removes the limit.
func (vm *VM) SetCPULimit(d time.Duration) {
	vm.task.cpuLimit = int64(d)
	vm.task.cpuUsed = 0
}

// CPUUsed reports the current task's CPU time since its last SetCPULimit.
func (vm *VM) CPUUsed() time.Duration { return time.Duration(vm.task.cpuUsed) }

// InterruptChecks reports how many times the engine polled for interrupts.
func (vm *VM) InterruptChecks() int64 { return vm.istate().checks }

// MemoryUsage returns the bytes the VM's heap has allocated.
func (vm *VM) MemoryUsage() int64 {
	size := int(unsafe.Sizeof(lib.TJSMemoryUsage{}))
	p := vm.tls.Alloc(size)
	defer vm.tls.Free(size)
	lib.XJS_ComputeMemoryUsage(vm.tls, vm.rt, p)
	return (*lib.TJSMemoryUsage)(unsafePointer(p)).Fmalloc_size
}

// SetMemoryLimit caps the VM's heap in bytes (0: no limit).
func (vm *VM) SetMemoryLimit(n int) {
	lim := libc.Tsize_t(n)
	if n <= 0 {
		lim = ^libc.Tsize_t(0)
	}
	lib.XJS_SetMemoryLimit(vm.tls, vm.rt, lim)
}

// SetGCThreshold sets how many bytes of allocation growth start QuickJS's
// cycle collector (0: its default, 256 KiB). After a collection QuickJS
// sets it to 1.5 times the heap.
func (vm *VM) SetGCThreshold(n int) {
	if n <= 0 {
		n = gcThreshold
	}
	lib.XJS_SetGCThreshold(vm.tls, vm.rt, libc.Tsize_t(n))
}

// RunGC runs the garbage collector.
func (vm *VM) RunGC() { lib.XJS_RunGC(vm.tls, vm.rt) }

// enter and leave bracket every call into JavaScript so that an interrupt
// flag left from an earlier call does not stop the next one, and so that CPU
// time is counted.
//
// The goroutine stays on one OS thread for the whole entry so that the
// thread's CPU clock measures this VM's work.
func (vm *VM) enter() {
	if vm.depth == 0 {
		runtime.LockOSThread()
		vm.interrupted = nil
		now := monotonic()
		st := vm.istate()
		st.entered, st.polledAt = now, 0
		t := vm.task
		st.wall = t.wall
		d := t.wall
		st.cpuOn = 0
		if t.cpuLimit > 0 {
			st.cpuOn = 1
			st.cpuLeft = t.cpuLimit - t.cpuUsed
			if c := now + st.cpuLeft; d == 0 || c < d {
				d = c
			}
		}
		st.deadline = d
	}
	vm.depth++
}

func (vm *VM) leave() {
	vm.depth--
	if vm.depth != 0 {
		return
	}
	st := vm.istate()
	now := monotonic()
	t := vm.task
	t.cpuUsed += st.cpuUsed(now)
	runtime.UnlockOSThread()
	switch {
	case atomic.LoadInt32(&st.flag) != 0:
		atomic.StoreInt32(&st.flag, 0)
		vm.interrupted = ErrInterrupted
	case t.cpuLimit > 0 && t.cpuUsed >= t.cpuLimit:
		vm.interrupted = ErrCPULimit
	case t.wall != 0 && now >= t.wall:
		vm.interrupted = ErrDeadline
	}
	if vm.interrupted != nil && !t.root {
		t.err = vm.interrupted
	}
}

// cstring copies s into engine memory with a NUL terminator.
func (vm *VM) cstring(s string) uintptr {
	p := libc.Xmalloc(vm.tls, libc.Tsize_t(len(s)+1))
	if p == 0 {
		panic("engine: out of memory")
	}
	b := unsafe.Slice((*byte)(unsafePointer(p)), len(s)+1)
	copy(b, s)
	b[len(s)] = 0
	return p
}

func (vm *VM) freeCString(p uintptr) { libc.Xfree(vm.tls, p) }

// Global returns the global object.
func (vm *VM) Global() Value { return Value{vm, lib.XJS_GetGlobalObject(vm.tls, vm.ctx)} }

// Undefined returns undefined.
func (vm *VM) Undefined() Value { return Value{vm, jsUndefined} }

// Null returns null.
func (vm *VM) Null() Value { return Value{vm, jsNull} }

// NewBool returns a boolean.
func (vm *VM) NewBool(b bool) Value { return Value{vm, jsBool(b)} }

// NewNumber returns a number.
func (vm *VM) NewNumber(f float64) Value { return Value{vm, jsFloat(f)} }

// NewInt returns a number holding n (exact up to 2^53).
func (vm *VM) NewInt(n int64) Value { return Value{vm, jsFloat(float64(n))} }

// NewString returns a string. Invalid UTF-8 becomes U+FFFD.
func (vm *VM) NewString(s string) Value {
	if !isASCII(s) {
		s = validUTF8(s)
	}
	var v lib.TJSValue
	if len(s) < 256 {
		p := vm.tls.Alloc(len(s) + 1)
		copy(unsafe.Slice((*byte)(unsafePointer(p)), len(s)), s)
		v = lib.XJS_NewStringLen(vm.tls, vm.ctx, p, libc.Tsize_t(len(s)))
		vm.tls.Free(len(s) + 1)
	} else {
		p := vm.cstring(s)
		v = lib.XJS_NewStringLen(vm.tls, vm.ctx, p, libc.Tsize_t(len(s)))
		vm.freeCString(p)
	}
	return Value{vm, v}
}

// NewStringBytes is NewString for text in a byte slice, without the
// conversion's copy (the engine copies it; b is not kept).
func (vm *VM) NewStringBytes(b []byte) Value {
	if len(b) == 0 {
		return vm.NewString("")
	}
	return vm.NewString(unsafe.String(&b[0], len(b)))
}

// NewBytes returns a new ArrayBuffer holding a copy of b.
func (vm *VM) NewBytes(b []byte) Value {
	if len(b) == 0 {
		return Value{vm, lib.XJS_NewArrayBufferCopy(vm.tls, vm.ctx, 0, 0)}
	}
	// Copy through engine memory: the engine's code does pointer arithmetic
	// on what it is given, which is invalid on Go memory (checkptr rejects
	// it), and a small slice may live on a Go stack, which can move.
	p := libc.Xmalloc(vm.tls, libc.Tsize_t(len(b)))
	if p == 0 {
		return Value{vm, jsUndefined}
	}
	copy(unsafe.Slice((*byte)(unsafePointer(p)), len(b)), b)
	v := lib.XJS_NewArrayBufferCopy(vm.tls, vm.ctx, p, libc.Tsize_t(len(b)))
	libc.Xfree(vm.tls, p)
	return Value{vm, v}
}

// NewUint8Array returns a new Uint8Array holding a copy of b. (It calls
// the Uint8Array constructor: JS_NewTypedArray crashed in the typed-array
// finalizer when called with no new.target.)
func (vm *VM) NewUint8Array(b []byte) (Value, error) {
	ab := vm.NewBytes(b)
	defer ab.Free()
	g := vm.Global()
	defer g.Free()
	ctor, err := g.Get("Uint8Array")
	if err != nil {
		return Value{}, err
	}
	defer ctor.Free()
	return vm.Construct(ctor, ab)
}

// NewObject returns a new plain object.
func (vm *VM) NewObject() Value { return Value{vm, lib.XJS_NewObject(vm.tls, vm.ctx)} }

// NewArray returns a new array of items, taking ownership of them.
func (vm *VM) NewArray(items ...Value) (Value, error) {
	a := Value{vm, lib.XJS_NewArray(vm.tls, vm.ctx)}
	for i, it := range items {
		if err := a.SetIndex(i, it); err != nil {
			a.Free()
			return Value{}, err
		}
	}
	return a, nil
}

// NewStringArray returns a new array of strings.
func (vm *VM) NewStringArray(items []string) (Value, error) {
	a := Value{vm, lib.XJS_NewArray(vm.tls, vm.ctx)}
	for i, s := range items {
		if err := a.SetIndex(i, vm.NewString(s)); err != nil {
			a.Free()
			return Value{}, err
		}
	}
	return a, nil
}

// ParseJSON parses JSON text into a value.
func (vm *VM) ParseJSON(s string) (Value, error) {
	p := vm.cstring(s)
	name := vm.cstring("<json>")
	v := lib.XJS_ParseJSON(vm.tls, vm.ctx, p, libc.Tsize_t(len(s)), name)
	vm.freeCString(p)
	vm.freeCString(name)
	if isException(v) {
		return Value{}, vm.takeException()
	}
	return Value{vm, v}, nil
}

// Eval evaluates a classic script. name appears in stack traces.
func (vm *VM) Eval(source, name string) (Value, error) {
	return vm.eval(source, name, lib.MJS_EVAL_TYPE_GLOBAL)
}

func (vm *VM) eval(source, name string, flags int32) (Value, error) {
	src := vm.cstring(source)
	cname := vm.cstring(name)
	vm.enter()
	v := lib.XJS_Eval(vm.tls, vm.ctx, src, libc.Tsize_t(len(source)), cname, flags)
	vm.leave()
	vm.freeCString(src)
	vm.freeCString(cname)
	if isException(v) {
		return Value{}, vm.takeException()
	}
	return Value{vm, v}, nil
}

// Compile compiles a classic script to bytecode that EvalBytecode runs, in
// this or any other VM of the same engine version.
func (vm *VM) Compile(source, name string) ([]byte, error) {
	fn, err := vm.eval(source, name, lib.MJS_EVAL_TYPE_GLOBAL|lib.MJS_EVAL_FLAG_COMPILE_ONLY)
	if err != nil {
		return nil, err
	}
	defer fn.Free()
	plen := vm.tls.Alloc(8)
	defer vm.tls.Free(8)
	p := lib.XJS_WriteObject(vm.tls, vm.ctx, plen, fn.v, lib.MJS_WRITE_OBJ_BYTECODE)
	if p == 0 {
		return nil, vm.takeException()
	}
	n := *(*libc.Tsize_t)(unsafePointer(plen))
	out := append([]byte(nil), unsafe.Slice((*byte)(unsafePointer(p)), n)...)
	lib.Xjs_free(vm.tls, vm.ctx, p)
	return out, nil
}

// EvalBytecode runs bytecode made by Compile. Bytecode is trusted input:
// only the runtime's own compiled scripts may be passed.
func (vm *VM) EvalBytecode(code []byte) (Value, error) {
	if len(code) == 0 {
		return Value{}, errors.New("engine: empty bytecode")
	}
	p := libc.Xmalloc(vm.tls, libc.Tsize_t(len(code)))
	copy(unsafe.Slice((*byte)(unsafePointer(p)), len(code)), code)
	fn := lib.XJS_ReadObject(vm.tls, vm.ctx, p, libc.Tsize_t(len(code)), lib.MJS_READ_OBJ_BYTECODE)
	libc.Xfree(vm.tls, p)
	if isException(fn) {
		return Value{}, vm.takeException()
	}
	vm.enter()
	v := lib.XJS_EvalFunction(vm.tls, vm.ctx, fn) // takes ownership of fn
	vm.leave()
	if isException(v) {
		return Value{}, vm.takeException()
	}
	return Value{vm, v}, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
