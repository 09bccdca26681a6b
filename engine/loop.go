package engine

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/libc"
	lib "modernc.org/libquickjs"
)

// The event loop. Everything that runs JavaScript runs on the goroutine that
// calls RunUntil (or, for a shared VM, the goroutine holding its lock);
// other goroutines hand work to it with post. Microtasks run after every
// macrotask, as in browsers and workerd.

type posted struct {
	task *Task
	run  func() // on the VM goroutine
	drop func() // instead of run, when the VM closed first
	skip func() // instead of run, on the VM goroutine, when the task is dead
}

type loop struct {
	mu      sync.Mutex
	queue   []posted
	wakeC   chan struct{} // closed to wake every waiter; nil until one waits
	closed  bool
	pending int // async ops started and not yet completed
	timers  timerHeap
	nextID  int64

	// asyncs holds the resolving functions of async ops in flight, so that
	// Close can free them.
	asyncs    map[int64][2]Value
	nextAsync int64
}

// wake wakes every goroutine waiting in RunUntil.
func (l *loop) wake() {
	l.mu.Lock()
	l.wakeLocked()
	l.mu.Unlock()
}

func (l *loop) wakeLocked() {
	if l.wakeC != nil {
		close(l.wakeC)
		l.wakeC = nil
	}
}

// waitC returns the channel the next wake closes. l.mu must be held.
func (l *loop) waitC() <-chan struct{} {
	if l.wakeC == nil {
		l.wakeC = make(chan struct{})
	}
	return l.wakeC
}

// post queues p to run on the VM's goroutine. It is safe from any
// goroutine. If the VM has closed, p.drop runs instead (on the caller's
// goroutine) so that nothing leaks.
func (vm *VM) post(p posted) {
	l := &vm.loop
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		if p.drop != nil {
			p.drop()
		}
		return
	}
	l.queue = append(l.queue, p)
	l.wakeLocked()
	l.mu.Unlock()
}

// Post queues f to run on the VM's goroutine during RunUntil, under the
// root task (see Task). Safe from any goroutine; f is dropped if the VM
// closes first.
func (vm *VM) Post(f func()) { vm.post(posted{task: &vm.root, run: f}) }

// AddPending and DonePending count outside work (such as a streaming body
// being written) that will post back to the loop, so that RunUntil waits
// for it instead of reporting that nothing can make progress.
func (vm *VM) AddPending()  { vm.loop.pending++ }
func (vm *VM) DonePending() { vm.loop.pending-- }

type timer struct {
	id    int64
	when  time.Time
	fn    func()
	task  *Task
	index int
}

type timerHeap []*timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].when.Equal(h[j].when) {
		return h[i].id < h[j].id
	}
	return h[i].when.Before(h[j].when)
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }
func (h *timerHeap) Push(x any)   { t := x.(*timer); t.index = len(*h); *h = append(*h, t) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	t.index = -1
	return t
}
func (l *loop) stopTimers()      { l.timers = nil }
func (vm *VM) TimerCount() int   { return len(vm.loop.timers) }
func (vm *VM) PendingCount() int { return vm.loop.pending }
func (l *loop) nextTimer() *timer {
	if len(l.timers) == 0 {
		return nil
	}
	return l.timers[0]
}

// AfterFunc runs f on the VM's goroutine after d (during RunUntil), under
// the current task. It returns an id for CancelTimer.
func (vm *VM) AfterFunc(d time.Duration, f func()) int64 {
	l := &vm.loop
	l.nextID++
	heap.Push(&l.timers, &timer{id: l.nextID, when: time.Now().Add(d), fn: f, task: vm.task})
	return l.nextID
}

// dropTimers cancels the timers of an ended task.
func (l *loop) dropTimers(t *Task) {
	kept := l.timers[:0]
	for _, tm := range l.timers {
		if tm.task != t {
			kept = append(kept, tm)
		}
	}
	clear(l.timers[len(kept):])
	l.timers = kept
	for i, tm := range kept {
		tm.index = i // CancelTimer finds timers by index
	}
	heap.Init(&l.timers)
}

// CancelTimer cancels a timer made by AfterFunc. Unknown ids are ignored.
func (vm *VM) CancelTimer(id int64) {
	l := &vm.loop
	for _, t := range l.timers {
		if t.id == id {
			heap.Remove(&l.timers, t.index)
			return
		}
	}
}

// freeAll drops queued work when the VM closes.
func (l *loop) freeAll(vm *VM) {
	l.mu.Lock()
	l.closed = true
	q := l.queue
	l.queue = nil
	l.mu.Unlock()
	for _, p := range q {
		if p.drop != nil {
			p.drop()
		}
	}
	for id, fns := range l.asyncs {
		fns[0].Free()
		fns[1].Free()
		delete(l.asyncs, id)
	}
}

// ErrNoProgress is returned by RunUntil when the awaited condition can never
// become true: no microtask, timer, or async op is left to run.
var ErrNoProgress = errors.New("the script will never generate a response: no pending work can settle the promise")

// RunUntil runs the event loop until done reports true, ctx ends, or no
// work is left. JavaScript exceptions thrown by timers and jobs go to
// OnError; an interrupt or deadline ends the loop with that error.
//
// It runs every task's macrotasks, each under its own task (see Task), and
// returns early with the error of a limit that the calling task (the
// current one) ran into, even on another goroutine. A caller that holds
// the VM's lock lets go of it while it waits.
func (vm *VM) RunUntil(ctx context.Context, done func() bool) error {
	l := &vm.loop
	own := vm.task
	var waitTimer *time.Timer
	defer func() {
		if waitTimer != nil {
			waitTimer.Stop()
		}
		vm.task = own
	}()
	for {
		if own.err != nil {
			return own.err
		}
		if err := vm.drainJobs(); err != nil {
			return err
		}
		if done() {
			return nil
		}
		// Run posted completions.
		l.mu.Lock()
		q := l.queue
		l.queue = nil
		l.mu.Unlock()
		if len(q) > 0 {
			for i, p := range q {
				if err := vm.runTask(own, p.task, p.run, p.skip); err != nil {
					for _, rest := range q[i+1:] {
						vm.post(rest)
					}
					return err
				}
			}
			continue
		}
		// Run due timers, one at a time so microtasks run in between.
		if t := l.nextTimer(); t != nil && !t.when.After(time.Now()) {
			heap.Pop(&l.timers)
			if err := vm.runTask(own, t.task, t.fn, nil); err != nil {
				return err
			}
			continue
		}
		if l.pending == 0 && len(l.timers) == 0 {
			return ErrNoProgress
		}
		var timerC <-chan time.Time
		if t := l.nextTimer(); t != nil {
			d := time.Until(t.when)
			if waitTimer == nil {
				waitTimer = time.NewTimer(d)
			} else {
				waitTimer.Reset(d)
			}
			timerC = waitTimer.C
		}
		shared := vm.lk.locked
		l.mu.Lock()
		if len(l.queue) > 0 || atomic.LoadInt32(&vm.istate().flag) != 0 {
			l.mu.Unlock()
			continue
		}
		if shared && vm.lk.dirty {
			// Wake the others before taking the channel this goroutine
			// waits on, which the wake would close.
			l.wakeLocked()
			vm.lk.dirty = false
		}
		wakeC := l.waitC()
		l.mu.Unlock()
		if shared {
			vm.task = &vm.root
			vm.lk.locked = false
			vm.lk.mu.Unlock()
		}
		var err error
		select {
		case <-wakeC:
		case <-timerC:
		case <-ctx.Done():
			err = ctx.Err()
		}
		if shared {
			vm.lk.mu.Lock()
			vm.lk.locked = true
			vm.task = own
		}
		if err != nil {
			return err
		}
		if waitTimer != nil && timerC != nil {
			// Drained or not, Reset on the next round handles it (Go 1.23+
			// timers have no stale values after Stop/Reset).
			waitTimer.Stop()
		}
	}
}

// runTask runs one macrotask and its microtasks under task t (or under
// own, the loop's caller, for the root task's, which no request owns). A
// limit that t runs into ends t; it is returned only if t is own.
func (vm *VM) runTask(own, t *Task, run, skip func()) error {
	if t.root {
		t = own
	}
	if t.dead() {
		if skip != nil {
			skip()
		}
		return nil
	}
	vm.task = t
	vm.lk.dirty = true
	run()
	err := vm.fatal()
	if err == nil {
		err = vm.drainJobs()
	}
	vm.task = own
	if err == nil || t == own {
		return err
	}
	t.err = err // t is not root here: root work runs as own
	// Its goroutine may be waiting for this.
	vm.loop.wake()
	return nil
}

// fatal reports an interrupt or deadline that a macrotask ran into.
func (vm *VM) fatal() error {
	if vm.interrupted != nil {
		return vm.interrupted
	}
	return nil
}

// drainJobs runs all pending microtasks.
func (vm *VM) drainJobs() error {
	pctx := vm.tls.Alloc(8)
	defer vm.tls.Free(8)
	var fatal error
	vm.enter()
	for {
		r := lib.XJS_ExecutePendingJob(vm.tls, vm.rt, pctx)
		if r == 0 {
			break
		}
		if r < 0 {
			err := vm.takeException()
			if isFatal(err) {
				fatal = err
				break
			}
			vm.reportIfError(err)
		}
	}
	vm.leave()
	if vm.interrupted != nil {
		return vm.interrupted
	}
	if fatal != nil {
		return fatal
	}
	vm.flushRejections()
	return nil
}

func (vm *VM) reportIfError(err error) {
	if err != nil && vm.OnError != nil {
		vm.OnError(err)
	}
}

// trackRejection is the engine's host promise rejection tracker: a promise
// rejected with no handler is remembered, and reported after the microtasks
// ran unless a handler was attached meanwhile (as browsers do).
func (vm *VM) trackRejection(tls *libc.TLS, ctx uintptr, promise, reason lib.TJSValue, isHandled int32, opaque uintptr) {
	p := Value{vm, promise}
	if isHandled == 0 {
		vm.rejections = append(vm.rejections, p.Dup())
		return
	}
	for i, r := range vm.rejections {
		if r.v == promise {
			r.Free()
			vm.rejections = append(vm.rejections[:i], vm.rejections[i+1:]...)
			return
		}
	}
}

// UnhandledRejection is reported through OnError for a promise rejected with
// no handler.
type UnhandledRejection struct{ Reason *Error }

func (u *UnhandledRejection) Error() string {
	return fmt.Sprintf("Uncaught (in promise) %s", u.Reason.Error())
}

// Unwrap returns the rejection reason.
func (u *UnhandledRejection) Unwrap() error { return u.Reason }

func (vm *VM) flushRejections() {
	rs := vm.rejections
	vm.rejections = nil
	for _, p := range rs {
		reason := p.PromiseResult()
		e := vm.errorFromValue(reason)
		reason.Free()
		p.Free()
		vm.reportIfError(&UnhandledRejection{Reason: e})
	}
}

// isFatal reports whether err ends the VM's current work rather than being
// an exception the script could see.
func isFatal(err error) bool {
	return errors.Is(err, ErrInterrupted) || errors.Is(err, ErrDeadline) || errors.Is(err, ErrCPULimit) || errors.Is(err, ErrOutOfMemory)
}
