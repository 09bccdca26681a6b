package engine

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// taskOps are ops for the task tests: wait (a promise that settles when
// the gate opens), open (opens it), sleep(ms) and later(fn, ms) (a timer).
func taskOps(gate chan struct{}) map[string]Op {
	return map[string]Op{
		"wait": func(c *Call) (Value, error) {
			return c.Async(func(ctx context.Context) Completion {
				<-gate
				return func(vm *VM) (Value, error) { return vm.NewString("opened"), nil }
			})
		},
		"open": func(c *Call) (Value, error) {
			close(gate)
			return c.VM.Undefined(), nil
		},
		"sleep": func(c *Call) (Value, error) {
			ms, _ := c.Int(0)
			return c.Async(func(ctx context.Context) Completion {
				time.Sleep(time.Duration(ms) * time.Millisecond)
				return nil
			})
		},
		"later": func(c *Call) (Value, error) {
			vm, fn := c.VM, c.Arg(0).Dup()
			ms, _ := c.Int(1)
			vm.AfterFunc(time.Duration(ms)*time.Millisecond, func() {
				r, err := fn.Call(vm.Undefined())
				fn.Free()
				r.Free()
				vm.ReportError(err)
			})
			return vm.Undefined(), nil
		},
	}
}

func settled(p Value) func() bool {
	return func() bool { return p.PromiseState() != PromisePending }
}

// TestSharedVMServesWhileOneWaits: a goroutine waiting in RunUntil lets go
// of the VM, so another request runs meanwhile (here, the one that lets the
// first finish: without sharing this would deadlock).
func TestSharedVMServesWhileOneWaits(t *testing.T) {
	vm := newVM(t, taskOps(make(chan struct{})))
	first := runAsync(vm, `__verge_ops.wait()`)
	second := runAsync(vm, `Promise.resolve(__verge_ops.open() ?? "opened it")`)
	if s := within(t, "the second request, while the first waited", second); s != "opened it" {
		t.Errorf("second request: %q", s)
	}
	if s := within(t, "the first request", first); s != "opened" {
		t.Errorf("first request: %q", s)
	}
}

// TestTimerRunsUnderItsTask: a timer's JavaScript is charged to the task
// that set it, whichever goroutine runs the loop when it fires.
func TestTimerRunsUnderItsTask(t *testing.T) {
	vm := newVM(t, taskOps(nil))
	a := NewTask()
	vm.Lock(a)
	vm.SetCPULimit(30 * time.Millisecond)
	v, err := vm.Eval(`__verge_ops.later(() => { for (;;) {} }, 5)`, "a.js")
	if err != nil {
		t.Fatal(err)
	}
	v.Free()
	vm.Unlock()

	b := NewTask()
	vm.Lock(b)
	defer vm.Unlock()
	vm.SetCPULimit(10 * time.Second)
	p, err := vm.Eval(`__verge_ops.sleep(100).then(() => "b done")`, "b.js")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Free()
	if err := vm.RunUntil(context.Background(), settled(p)); err != nil {
		t.Fatalf("b's loop: %v", err)
	}
	if !errors.Is(a.Err(), ErrCPULimit) {
		t.Errorf("a.Err() = %v, want the CPU limit", a.Err())
	}
	if b.Err() != nil {
		t.Errorf("b.Err() = %v", b.Err())
	}
	if used := vm.CPUUsed(); used >= 30*time.Millisecond {
		t.Errorf("b was charged %v, which includes a's loop", used)
	}
}

// TestEndTaskDropsItsWork: a finished request's timers and late async
// completions do not run, and leave no pending count behind.
func TestEndTaskDropsItsWork(t *testing.T) {
	vm := newVM(t, taskOps(nil))
	a := NewTask()
	vm.Lock(a)
	v, err := vm.Eval(`globalThis.ran = [];
		__verge_ops.later(() => ran.push("timer"), 1);
		__verge_ops.sleep(20).then(() => ran.push("async"));`, "a.js")
	if err != nil {
		t.Fatal(err)
	}
	v.Free()
	vm.EndTask(a)
	vm.Unlock()

	vm.Lock(nil)
	defer vm.Unlock()
	p, err := vm.Eval(`__verge_ops.sleep(60)`, "root.js")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Free()
	if err := vm.RunUntil(context.Background(), settled(p)); err != nil {
		t.Fatal(err)
	}
	if got := evalString(t, vm, `ran.join()`); got != "" {
		t.Errorf("an ended task's work ran: %q", got)
	}
	if n := vm.PendingCount(); n != 0 {
		t.Errorf("pending %d after the dropped completion", n)
	}
}

// TestOwnLimitReportedFromAnotherGoroutine: when another goroutine runs the
// work that breaks a task's limit, the task's own RunUntil returns it.
func TestOwnLimitReportedFromAnotherGoroutine(t *testing.T) {
	vm := newVM(t, taskOps(nil))
	a := NewTask()
	vm.Lock(a)
	vm.SetCPULimit(30 * time.Millisecond)
	p, err := vm.Eval(`new Promise(() => __verge_ops.later(() => { for (;;) {} }, 20))`, "a.js")
	if err != nil {
		t.Fatal(err)
	}
	errA := make(chan error, 1)
	go func() {
		err := vm.RunUntil(context.Background(), settled(p))
		p.Free()
		vm.Unlock()
		errA <- err
	}()
	// b keeps the loop busy with its own work meanwhile.
	vm.Lock(NewTask())
	q, err := vm.Eval(`(async () => { for (let i = 0; i < 20; i++) await __verge_ops.sleep(5) })()`, "b.js")
	if err != nil {
		t.Fatal(err)
	}
	if err := vm.RunUntil(context.Background(), settled(q)); err != nil {
		t.Errorf("b: %v", err)
	}
	q.Free()
	vm.Unlock()
	select {
	case err := <-errA:
		if !errors.Is(err, ErrCPULimit) {
			t.Errorf("a: %v, want the CPU limit", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a's RunUntil did not return")
	}
}

// TestCancelTimerAfterEndTask: the timers left after an ended task's are
// dropped can still be cancelled one by one.
func TestCancelTimerAfterEndTask(t *testing.T) {
	vm := newVM(t, nil)
	var ran []string
	a, b := NewTask(), NewTask()
	vm.SetTask(a)
	first := vm.AfterFunc(10*time.Millisecond, func() { ran = append(ran, "a1") })
	vm.SetTask(b)
	vm.AfterFunc(time.Millisecond, func() { ran = append(ran, "b") })
	vm.SetTask(a)
	vm.AfterFunc(20*time.Millisecond, func() { ran = append(ran, "a2") })
	vm.EndTask(b)
	vm.CancelTimer(first)
	if err := vm.RunUntil(context.Background(), func() bool { return len(ran) > 0 }); err != nil {
		t.Fatal(err)
	}
	if len(ran) != 1 || ran[0] != "a2" {
		t.Errorf("ran %v, want [a2]", ran)
	}
}

// runAsync runs src under a new task on its own goroutine until its promise
// settles, and reports the result (or error) after letting the VM go.
func runAsync(vm *VM, src string) <-chan string {
	out := make(chan string, 1)
	vm.Lock(NewTask())
	p, err := vm.Eval(src, "t.js")
	if err != nil {
		vm.Unlock()
		out <- err.Error()
		return out
	}
	go func() {
		var s string
		if err := vm.RunUntil(context.Background(), settled(p)); err != nil {
			s = err.Error()
		} else {
			r := p.PromiseResult()
			s, _ = r.String()
			r.Free()
		}
		p.Free()
		vm.Unlock()
		out <- s
	}()
	return out
}

func within(t *testing.T, what string, c <-chan string) string {
	t.Helper()
	select {
	case s := <-c:
		return s
	case <-time.After(10 * time.Second):
		t.Fatalf("%s never finished", what)
		return ""
	}
}

// TestWaiterWokenWhenAnotherRequestSettlesIt: a request waiting on a
// promise that another request resolves is woken by that, not by its own
// (here never-ending) I/O.
func TestWaiterWokenWhenAnotherRequestSettlesIt(t *testing.T) {
	gate := make(chan struct{})
	defer close(gate)
	vm := newVM(t, taskOps(gate))
	a := runAsync(vm, `__verge_ops.wait();
		globalThis.shared = new Promise(r => globalThis.resolveShared = r)`)
	b := runAsync(vm, `(async () => { resolveShared("from b"); return "b" })()`)
	if s := within(t, "b", b); s != "b" {
		t.Errorf("b: %q", s)
	}
	if s := within(t, "a", a); s != "from b" {
		t.Errorf("a: %q", s)
	}
}

// TestLaterTimerFiresAfterFirstWaiterLeaves: of two requests waiting on
// timers, the first leaves RunUntil; the second's later timer still fires.
func TestLaterTimerFiresAfterFirstWaiterLeaves(t *testing.T) {
	vm := newVM(t, taskOps(nil))
	first := runAsync(vm, `new Promise(r => __verge_ops.later(() => r("first"), 5))`)
	second := runAsync(vm, `new Promise(r => __verge_ops.later(() => r("second"), 60))`)
	if s := within(t, "first", first); s != "first" {
		t.Errorf("first: %q", s)
	}
	if s := within(t, "second", second); s != "second" {
		t.Errorf("second: %q", s)
	}
}

// BenchmarkSharedVMAwaits: 32 requests share a VM, each awaiting an async
// op in turn; measures the cost of handing the VM between them.
func BenchmarkSharedVMAwaits(b *testing.B) {
	vm := newVM(b, taskOps(nil))
	const n = 32
	b.ResetTimer()
	var wg sync.WaitGroup
	per := b.N/n + 1
	for g := 0; g < n; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				vm.Lock(NewTask())
				p, err := vm.Eval(`__verge_ops.sleep(0)`, "b.js")
				if err == nil {
					err = vm.RunUntil(context.Background(), settled(p))
				}
				p.Free()
				vm.Unlock()
				if err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
