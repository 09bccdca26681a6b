// Package wasmstack bounds the call stack of WebAssembly guests run by
// wazero's compiler: a fixed region per caller, outside the Go heap,
// instead of a stack wazero grows to 84 MB for runaway recursion.
package wasmstack

import (
	"errors"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/tetratelabs/wazero/api"
	"golang.org/x/sys/unix"
)

// wazero's compiler runs a guest on a stack of its own: a Go []byte per
// exported function, which the prologue of every compiled function checks
// for room and which wazero doubles when there is none, until it is past a
// ceiling (StackCeiling in internal/engine/wazevo, a constant; its
// comment says 400 MB, but it is compared with the length in bytes, so 50
// MB). So a guest that recurses without end grows a stack of 84 MB,
// allocating ~160 MB of Go heap on the way (measured: 2.6 million frames
// of a small function), before it traps: outside any budget, per call, and
// a few VMs doing it at once take the process down.
//
// What else was considered (wazero v1.12.0):
//   - wazero has no setting for the ceiling; the interpreter's frame limit
//     is a variable, but the interpreter is 10-100 times slower.
//   - A FunctionListener (experimental) sees every call, but with one,
//     every call leaves compiled code for Go: many times slower.
//   - Counting calls in the guest, through an imported host function or by
//     rewriting every function to bump a global, costs on every call, and
//     the rewrite means decoding every instruction of every module.
//
// What we do instead costs nothing per guest call: before each call into
// the guest (Stack.Enter), the call engine's stack is pointed at a fixed
// region of Stack.size bytes, reserved once with mmap (so outside the Go
// heap), and the slice wazero keeps for it is given a length above the
// ceiling.
// The prologue checks compiled code makes anyway then find the region's
// end, wazero's growStack sees a stack already past its ceiling and fails
// the call with its ordinary "stack overflow" error, which leaves the call
// engine reusable. The fields are restored when the call returns, so wazero
// keeps no pointer into the region between calls.
//
// The fields are wazero internals, found by name and type through reflect
// (see findLayout); if they are not there (another wazero version, or the
// interpreter on platforms the compiler does not support), calls run
// unguarded as before, and TestRecursionBounded (webapi/webassembly) and
// TestRecursionContained (wasm) fail. What must hold for a new wazero
// version: the stack is only grown by growStack, which checks
// len(stack) against the ceiling before anything else, and nothing else
// reads the stack through the slice. Two wazero features break the latter
// by copying the whole stack (it would copy len bytes): the
// exception-handling proposal (try_table) and experimental.Snapshotter;
// neither may be enabled in a runtime whose calls use a Stack.
//
// Calls nest (JavaScript calls an export, which calls an import, which
// calls an export...) and share the region as native code shares a
// thread's stack: while an import runs, the region's top is lowered to
// where the guest's stack pointer was, so the nested call's frames go below
// the caller's. So the guests of one Stack together never use more than
// its size.

// JSSize is the call stack of WebAssembly called from JavaScript: 1 MiB,
// as V8's (which JavaScript shares). A small recursive function gets
// ~32,000 frames of 32 bytes in it, V8 ~18,000.
const JSSize = 1 << 20

// HandlerSize is the call stack of a WebAssembly request handler: 8 MiB, as
// a Linux thread's. Only the pages a guest touches take memory.
const HandlerSize = 8 << 20

// minStackRoom is the least room a call starts with: wazero's own initial
// stack, which its entry code assumes (before any prologue checks) holds
// the arguments and results.
const minStackRoom = 10240

// ErrExhausted is a guest's call stack overflow, as a trap; wazero's own
// error for it reads the same.
var ErrExhausted = errors.New("wasm error: stack overflow")

// fakeStackLen is the length given to the slice wazero keeps for the stack:
// above its ceiling (50,000,000), so growStack refuses to grow it.
const fakeStackLen = 1 << 30

// engineLayout is where wazero's call engine keeps its stack.
type engineLayout struct {
	typ      reflect.Type // *wazevo.callEngine
	stack    uintptr      // stack []byte
	stackTop uintptr      // stackTop uintptr
	bottom   uintptr      // execCtx.stackBottomPtr *byte
	sp       uintptr      // execCtx.stackPointerBeforeGoCall *uint64
}

// findLayout finds the fields of wazero's call engine type t, or returns
// nil when t is not the call engine this code was written for.
func findLayout(t reflect.Type) *engineLayout {
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct ||
		t.Elem().PkgPath() != "github.com/tetratelabs/wazero/internal/engine/wazevo" || t.Elem().Name() != "callEngine" {
		return nil
	}
	field := func(s reflect.Type, name string, want reflect.Type) (uintptr, bool) {
		f, ok := s.FieldByName(name)
		if !ok || len(f.Index) != 1 || (want != nil && f.Type != want) {
			return 0, false
		}
		return f.Offset, true
	}
	ce := t.Elem()
	l := &engineLayout{typ: t}
	var ok [5]bool
	var ctxOff uintptr
	l.stack, ok[0] = field(ce, "stack", reflect.TypeFor[[]byte]())
	l.stackTop, ok[1] = field(ce, "stackTop", reflect.TypeFor[uintptr]())
	ctxOff, ok[2] = field(ce, "execCtx", nil)
	if !ok[2] {
		return nil
	}
	ctxType, _ := ce.FieldByName("execCtx")
	if ctxType.Type.Kind() != reflect.Struct {
		return nil
	}
	l.bottom, ok[3] = field(ctxType.Type, "stackBottomPtr", reflect.TypeFor[*byte]())
	l.sp, ok[4] = field(ctxType.Type, "stackPointerBeforeGoCall", reflect.TypeFor[*uint64]())
	for _, o := range ok {
		if !o {
			return nil
		}
	}
	l.bottom += ctxOff
	l.sp += ctxOff
	return l
}

// Stack is a guest call stack, for calls from one goroutine at a time. The
// zero Stack is not usable: use New.
type Stack struct {
	size   int           // bytes
	ready  bool          // setup ran
	region []byte        // a guard page, then size bytes
	layout *engineLayout // nil: calls are not guarded
	// top is where the next call's frames start (the stack grows down):
	// the region's end, or below the frames of the call whose import is
	// running.
	top uintptr
	err error // reserving the region failed
}

// Saved is a call engine's own stack, put back when the call returns.
type Saved struct {
	ce     unsafe.Pointer // the call engine; nil when the call is not guarded
	stack  []byte
	top    uintptr
	bottom *byte
	sp     *uint64
}

// sliceHeader is the layout of a slice.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

// setup finds the call engine's layout from the first function called and
// reserves the region, if the engine is the one this code knows.
func (s *Stack) setup(fn api.Function) error {
	if s.ready {
		return s.err
	}
	s.ready = true
	if s.layout = findLayout(reflect.TypeOf(fn)); s.layout == nil {
		return nil
	}
	page := unix.Getpagesize()
	region, err := unix.Mmap(-1, 0, page+s.size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err == nil {
		// Nothing below the bottom is ever written (the prologue checks
		// stop short of it); the guard page makes a bug there a crash
		// rather than a write into whatever is mapped below.
		if err = unix.Mprotect(region[:page], unix.PROT_NONE); err != nil {
			_ = unix.Munmap(region)
		}
	}
	if err != nil {
		s.err = fmt.Errorf("webassembly: reserving the call stack: %w", err)
		return s.err
	}
	s.region = region
	s.top = alignDown(uintptr(unsafe.Pointer(&region[len(region)-1])))
	return nil
}

func alignDown(p uintptr) uintptr { return p &^ 15 }

// bottom is the lowest byte of the stack proper.
func (s *Stack) bottom() unsafe.Pointer {
	return unsafe.Pointer(&s.region[len(s.region)-s.size])
}

// Guards reports whether calls of fn run on s.
func (s *Stack) Guards(fn api.Function) bool {
	return s.layout != nil && reflect.TypeOf(fn) == s.layout.typ
}

// Enter gives fn the free part of the region for a call with the given
// number of parameter and result slots; Exit gives it its own stack back.
// It fails with ErrExhausted when too little room is left (a call
// nested in calls that used most of it).
func (s *Stack) Enter(fn api.Function, slots int) (Saved, error) {
	if err := s.setup(fn); err != nil {
		return Saved{}, err
	}
	if !s.Guards(fn) {
		return Saved{}, nil
	}
	bottom := s.bottom()
	if s.top < uintptr(bottom)+uintptr(max(minStackRoom, 16*slots+64)) {
		return Saved{}, ErrExhausted
	}
	l := s.layout
	ce := reflect.ValueOf(fn).UnsafePointer()
	stack := (*[]byte)(unsafe.Add(ce, l.stack))
	top := (*uintptr)(unsafe.Add(ce, l.stackTop))
	bot := (**byte)(unsafe.Add(ce, l.bottom))
	sp := (**uint64)(unsafe.Add(ce, l.sp))
	saved := Saved{ce: ce, stack: *stack, top: *top, bottom: *bot, sp: *sp}
	var fake []byte
	*(*sliceHeader)(unsafe.Pointer(&fake)) = sliceHeader{data: bottom, len: fakeStackLen, cap: fakeStackLen}
	*stack, *top, *bot = fake, s.top, (*byte)(bottom)
	return saved, nil
}

func (s *Stack) Exit(saved Saved) {
	if saved.ce == nil {
		return
	}
	l := s.layout
	*(*[]byte)(unsafe.Add(saved.ce, l.stack)) = saved.stack
	*(*uintptr)(unsafe.Add(saved.ce, l.stackTop)) = saved.top
	*(**byte)(unsafe.Add(saved.ce, l.bottom)) = saved.bottom
	*(**uint64)(unsafe.Add(saved.ce, l.sp)) = saved.sp
}

// Lend lowers the region's top below the frames of the call saved, which
// is calling an import, for the calls nested in the import; the caller
// gives the returned top to Restore when the import returns.
func (s *Stack) Lend(saved Saved) (prev uintptr) {
	ce := saved.ce
	prev = s.top
	if ce == nil {
		return prev // not guarded: the caller's frames are not on the region
	}
	sp := uintptr(unsafe.Pointer(*(**uint64)(unsafe.Add(ce, s.layout.sp))))
	bottom := uintptr(s.bottom())
	if sp <= bottom || sp > prev {
		// Not on the region: nested calls get no room rather than the
		// caller's frames.
		s.top = bottom
		return prev
	}
	s.top = alignDown(sp - 1)
	return prev
}

// New returns a stack of size bytes; the region is reserved on the first
// guarded call.
func New(size int) *Stack { return &Stack{size: size} }

// Restore puts back the top Lend returned.
func (s *Stack) Restore(prev uintptr) { s.top = prev }

// Release unmaps the region; s is not used again.
func (s *Stack) Release() {
	if s.region != nil {
		_ = unix.Munmap(s.region)
		s.region = nil
	}
}
