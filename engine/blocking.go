package engine

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// blocking is the state of BlockingContext: the innermost context (VM
// goroutine only), the outermost one's cancel function, which Interrupt
// calls from any goroutine, and the reader of the thread's CPU clock for the
// current entry into JavaScript (getting it is a system call).
type blocking struct {
	ctx        context.Context
	cancel     atomic.Pointer[context.CancelCauseFunc]
	clock      func() (int64, bool)
	clockEntry int64 // the entry (interruptState.entered) clock is for
}

// BlockingContext returns a context for Go work that an op does
// synchronously on the VM's goroutine and that the engine's interrupt
// handler cannot reach, such as running WebAssembly. The context ends when
// the JavaScript that called the op would have been stopped, with
// context.Cause telling why: the wall deadline passed (ErrDeadline), the
// CPU budget ran out (ErrCPULimit), Interrupt was called (ErrInterrupted),
// or the VM closed. Call stop when the work returns.
//
// CPU time is the VM thread's CPU clock, as for JavaScript: a thread that
// is descheduled while the work runs is not charged for it. The time the
// work takes counts against the budget through the op that runs it, like
// any op's. Creating the context reads no clock in the common case: a
// timer fires when the budget could first have run out (CPU time never
// exceeds wall time), and only then is the thread's clock read.
//
// Call it only from an op (the VM's goroutine stays on one thread while
// JavaScript runs, which is what makes the thread's clock meaningful).
// Contexts may nest: an op can run JavaScript that calls another such op.
func (vm *VM) BlockingContext() (ctx context.Context, stop func()) {
	parent := vm.blocking.ctx
	if parent == nil {
		parent = vm.baseCtx
	}
	ctx, cancel := context.WithCancelCause(parent)
	prev := vm.blocking.ctx
	vm.blocking.ctx = ctx
	outer := prev == nil
	if outer {
		vm.blocking.cancel.Store(&cancel)
	}
	st := vm.istate()
	if atomic.LoadInt32(&st.flag) != 0 {
		cancel(ErrInterrupted)
	}

	now := monotonic()
	w := &watchdog{wall: vm.task.wall, cancel: cancel}
	if vm.depth > 0 && st.cpuOn != 0 {
		// From here on the entry's CPU time is read from the thread's
		// clock (see interruptState), as if the handler had polled.
		if st.polledAt == 0 {
			st.polledAt, st.polledCPU = now, threadCPU()
		}
		if vm.blocking.clock == nil || vm.blocking.clockEntry != st.entered {
			vm.blocking.clock, vm.blocking.clockEntry = threadClock(), st.entered
		}
		w.cpuOn = true
		w.budget, w.entered = st.cpuLeft, st.entered
		w.polledAt, w.polledCPU = st.polledAt, st.polledCPU
		w.clock = vm.blocking.clock
	}
	w.arm(now, w.entered+w.budget-now)
	return ctx, func() {
		w.stop()
		cancel(nil)
		vm.blocking.ctx = prev
		if outer {
			vm.blocking.cancel.Store(nil)
		}
	}
}

// watchdog ends a BlockingContext when a limit passes. Its timer runs on
// another goroutine, hence the lock.
type watchdog struct {
	wall   int64 // monotonic wall deadline; 0: none
	cancel context.CancelCauseFunc

	// The entry's CPU budget, and what its CPU time is made of (see
	// interruptState.cpuUsed).
	cpuOn               bool
	budget, entered     int64
	polledAt, polledCPU int64
	clock               func() (int64, bool) // the thread's CPU clock, from any goroutine

	mu      sync.Mutex
	t       *time.Timer
	stopped bool
}

// arm ends the context if the wall deadline has passed, else sets the
// timer for when a limit next could pass: the deadline, or cpuLeft from
// now, a lower bound on when the CPU budget runs out.
func (w *watchdog) arm(now, cpuLeft int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	if w.wall != 0 && now >= w.wall {
		w.cancel(ErrDeadline)
		return
	}
	next := int64(-1)
	if w.cpuOn {
		next = max(cpuLeft, 0)
	}
	if w.wall != 0 && (next < 0 || w.wall-now < next) {
		next = w.wall - now
	}
	if next >= 0 {
		w.t = time.AfterFunc(time.Duration(next), w.fire)
	}
}

// fire runs on the timer's goroutine.
func (w *watchdog) fire() {
	now := monotonic()
	left := int64(-1)
	if w.cpuOn {
		used := now - w.entered // wall time bounds CPU time from above
		if c, ok := w.clock(); ok {
			used = w.polledAt - w.entered + c - w.polledCPU
		}
		if left = w.budget - used; left <= 0 {
			w.mu.Lock()
			if !w.stopped {
				w.cancel(ErrCPULimit)
			}
			w.mu.Unlock()
			return
		}
	}
	w.arm(now, left)
}

func (w *watchdog) stop() {
	w.mu.Lock()
	w.stopped = true
	if w.t != nil {
		w.t.Stop()
	}
	w.mu.Unlock()
}

// cancelBlocking ends the outermost BlockingContext, for Interrupt.
func (vm *VM) cancelBlocking() {
	if c := vm.blocking.cancel.Load(); c != nil {
		(*c)(ErrInterrupted)
	}
}
