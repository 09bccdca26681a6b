package engine

import "sync"

// A Task is the work of one request in a VM that serves several requests
// at once: the JavaScript it runs is charged to its CPU budget and bounded
// by its deadline, and extensions keep per-request data in it (Task.SetState).
//
// Every macrotask carries the task that caused it: a timer, or an async
// op's completion, runs under the task that was current when it was set up,
// and the microtasks that a macrotask queues run under its task too. So a
// request's limits cover exactly the JavaScript it set in motion, whichever
// request's goroutine happens to be running the event loop at the time. (A
// promise shared between requests is the exception: whoever settles it
// pays for its reactions, much as Cloudflare ties a promise to the request
// whose I/O settles it.)
//
// A VM starts with a root task, current whenever no other is; SetCPULimit,
// SetDeadline and CPUUsed apply to the current task.
type Task struct {
	cpuLimit, cpuUsed int64 // nanoseconds; 0 limit: none
	wall              int64 // monotonic wall deadline; 0: none

	// err is the limit the task ran into; its remaining macrotasks are
	// dropped. The root task never records one (its caller sees every
	// error directly).
	err   error
	ended bool
	root  bool
	state map[string]any
}

// NewTask returns a task with no limits. Make it current with Lock or
// SetTask.
func NewTask() *Task { return &Task{} }

// Err returns the limit the task ran into (ErrCPULimit, ErrDeadline,
// ErrOutOfMemory, ErrInterrupted), or nil.
func (t *Task) Err() error { return t.err }

// SetState stores per-task data for an extension under key. If the data has
// a Release method, EndTask calls it.
func (t *Task) SetState(key string, data any) {
	if t.state == nil {
		t.state = map[string]any{}
	}
	t.state[key] = data
}

// State returns the data stored by SetState, or nil.
func (t *Task) State(key string) any { return t.state[key] }

// dead reports whether the task's macrotasks must no longer run.
func (t *Task) dead() bool { return t.ended || t.err != nil }

// Task returns the current task.
func (vm *VM) Task() *Task { return vm.task }

// SetTask makes t current (nil: the root task). It is for code that runs
// JavaScript on behalf of t; RunUntil keeps the task it was called with.
func (vm *VM) SetTask(t *Task) {
	if t == nil {
		t = &vm.root
	}
	vm.task = t
}

// EndTask ends t: its timers are cancelled, its pending async completions
// are dropped when they arrive, and its per-task data is released. Work a
// finished request left behind (a timer it never awaited) thus cannot run
// later on another request's budget. The root task cannot end.
func (vm *VM) EndTask(t *Task) {
	if t == nil || t.root || t.ended {
		return
	}
	t.ended = true
	vm.loop.dropTimers(t)
	releaseAll(t.state)
	if vm.task == t {
		vm.task = &vm.root
	}
}

// The VM lock. A VM serves one request at a time unless its user shares it:
// then every goroutine that uses it holds the lock (Lock), and RunUntil
// lets it go while it waits for I/O or timers, so that another request can
// run meanwhile. A VM that is not shared is used without the lock, as
// before.
type vmLock struct {
	mu     sync.Mutex
	locked bool // held through Lock (read by the holder only)
	// dirty: the holder may have settled what others wait for, so they
	// must look again when it lets go. Waiters that found nothing to do
	// leave it unset, or two of them would wake each other forever.
	dirty bool
}

// Lock takes the VM for the calling goroutine with t as the current task
// (nil: the root task). A goroutine that holds the lock may call anything;
// RunUntil releases it while it waits and takes it back before it returns.
func (vm *VM) Lock(t *Task) {
	vm.lk.mu.Lock()
	vm.lk.locked = true
	vm.lk.dirty = true
	vm.SetTask(t)
}

// Unlock releases the VM taken by Lock. Goroutines waiting in RunUntil
// look again at whether what they wait for happened.
func (vm *VM) Unlock() {
	vm.task = &vm.root
	vm.lk.locked = false
	vm.lk.dirty = false
	vm.lk.mu.Unlock()
	vm.loop.wake()
}

// Unlocked runs f with the VM's lock released, if the caller holds it, and
// takes it back (with the same current task) afterwards. It is for blocking
// Go work between calls into JavaScript, such as writing a response to a
// slow client, that must not hold up the VM's other requests.
func (vm *VM) Unlocked(f func()) {
	if !vm.lk.locked {
		f()
		return
	}
	t := vm.task
	vm.Unlock()
	defer vm.Lock(t)
	f()
}
