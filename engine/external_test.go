package engine

import (
	"context"
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// mapped returns n bytes of memory outside the Go heap, unmapped at the
// end of the test.
func mapped(t *testing.T, n int) []byte {
	t.Helper()
	b, err := unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(b) })
	return b
}

func TestExternalArrayBufferAliases(t *testing.T) {
	mem := mapped(t, 4096)
	var held Value
	released := 0
	vm := newVM(t, map[string]Op{
		"buffer": func(c *Call) (Value, error) {
			v, err := c.VM.NewExternalArrayBuffer(mem[:16], func() { released++ })
			if err != nil {
				return Value{}, err
			}
			held = v.Dup()
			return v, nil
		},
	})
	mem[0] = 7
	got := evalString(t, vm, `globalThis.u = new Uint8Array(__verge_ops.buffer()); u[1] = 42; u.length + ":" + u[0]`)
	if got != "16:7" {
		t.Errorf("JS saw %q, want 16:7", got)
	}
	if mem[1] != 42 {
		t.Errorf("Go saw %d after a write from JS, want 42", mem[1])
	}
	held.DetachArrayBuffer()
	held.Free()
	if released != 1 {
		t.Errorf("released %d times after detach, want 1", released)
	}
	if got := evalString(t, vm, `u.length + ":" + u.buffer.byteLength`); got != "0:0" {
		t.Errorf("after detach: %q", got)
	}
	if vm.ExternalCount() != 0 {
		t.Errorf("%d external buffers left", vm.ExternalCount())
	}
}

func TestExternalArrayBufferReleasedByGCAndClose(t *testing.T) {
	mem := mapped(t, 4096)
	released := 0
	vm, err := New(Options{Ops: map[string]Op{
		"buffer": func(c *Call) (Value, error) { return c.VM.NewExternalArrayBuffer(mem, func() { released++ }) },
	}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := vm.Eval(`__verge_ops.buffer(); globalThis.kept = __verge_ops.buffer(); 1`, "t.js")
	if err != nil {
		t.Fatal(err)
	}
	v.Free()
	vm.RunGC()
	if released != 1 {
		t.Errorf("released %d after GC, want 1 (the dropped buffer)", released)
	}
	vm.Close()
	if released != 2 {
		t.Errorf("released %d after Close, want 2", released)
	}
}

func TestBigInt64(t *testing.T) {
	vm := newVM(t, nil)
	for _, n := range []int64{0, -1, 1 << 62, -1 << 63} {
		v := vm.NewBigInt64(n)
		got, err := v.BigInt64()
		v.Free()
		if err != nil || got != n {
			t.Errorf("round trip %d: %d, %v", n, got, err)
		}
	}
	v, err := vm.Eval(`2n ** 64n + 5n`, "t.js")
	if err != nil {
		t.Fatal(err)
	}
	defer v.Free()
	if got, err := v.BigInt64(); err != nil || got != 5 {
		t.Errorf("2**64+5 wraps to %d, %v; want 5", got, err)
	}
	num := vm.NewNumber(1)
	var je *Error
	if _, err := num.BigInt64(); !errors.As(err, &je) || je.Name != "TypeError" {
		t.Errorf("a number converted to BigInt: %v, want a TypeError", err)
	}
}

func TestHeapSizeGrows(t *testing.T) {
	vm := newVM(t, nil)
	before := vm.HeapSize()
	v, err := vm.Eval(`globalThis.big = new Array(1e5).fill(1); 1`, "t.js")
	if err != nil {
		t.Fatal(err)
	}
	v.Free()
	if after := vm.HeapSize(); before <= 0 || after < before+400_000 {
		t.Errorf("heap %d -> %d after allocating 800 kB", before, after)
	}
}

// spinOp is an op that, like WebAssembly, runs until its BlockingContext
// ends, and reports the cause.
func spinOp(cause *error) Op {
	return func(c *Call) (Value, error) {
		ctx, stop := c.VM.BlockingContext()
		defer stop()
		for ctx.Err() == nil {
		}
		*cause = context.Cause(ctx)
		return Value{}, *cause
	}
}

func TestBlockingContextCPULimit(t *testing.T) {
	var cause error
	vm := newVM(t, map[string]Op{"spin": spinOp(&cause)})
	vm.SetCPULimit(20 * time.Millisecond)
	_, err := vm.Eval(`try { __verge_ops.spin() } catch (e) {} "caught"`, "t.js")
	if !errors.Is(cause, ErrCPULimit) || !errors.Is(err, ErrCPULimit) {
		t.Fatalf("cause %v, err %v; want ErrCPULimit, uncatchable", cause, err)
	}
}

func TestBlockingContextDeadline(t *testing.T) {
	var cause error
	vm := newVM(t, map[string]Op{"spin": spinOp(&cause)})
	vm.SetDeadline(time.Now().Add(20 * time.Millisecond))
	_, err := vm.Eval(`__verge_ops.spin()`, "t.js")
	if !errors.Is(cause, ErrDeadline) || !errors.Is(err, ErrDeadline) {
		t.Fatalf("cause %v, err %v; want ErrDeadline", cause, err)
	}
}

func TestBlockingContextInterrupt(t *testing.T) {
	var cause error
	started := make(chan struct{})
	vm := newVM(t, map[string]Op{
		"spin": func(c *Call) (Value, error) {
			ctx, stop := c.VM.BlockingContext()
			defer stop()
			close(started)
			<-ctx.Done()
			cause = context.Cause(ctx)
			return Value{}, cause
		},
	})
	go func() {
		<-started
		vm.Interrupt()
	}()
	_, err := vm.Eval(`__verge_ops.spin()`, "t.js")
	if !errors.Is(cause, ErrInterrupted) || !errors.Is(err, ErrInterrupted) {
		t.Fatalf("cause %v, err %v; want ErrInterrupted", cause, err)
	}
}

func TestBlockingContextNests(t *testing.T) {
	var cause error
	var outerErr error
	vm := newVM(t, map[string]Op{
		"spin": spinOp(&cause),
		// outer holds a BlockingContext while JavaScript calls spin.
		"outer": func(c *Call) (Value, error) {
			ctx, stop := c.VM.BlockingContext()
			defer stop()
			_, err := c.Arg(0).Call(c.VM.Undefined())
			outerErr = context.Cause(ctx)
			return Value{}, err
		},
	})
	vm.SetCPULimit(20 * time.Millisecond)
	_, err := vm.Eval(`__verge_ops.outer(() => __verge_ops.spin())`, "t.js")
	if !errors.Is(cause, ErrCPULimit) || !errors.Is(err, ErrCPULimit) {
		t.Fatalf("inner cause %v, err %v; want ErrCPULimit", cause, err)
	}
	if outerErr != nil && !errors.Is(outerErr, ErrCPULimit) {
		t.Errorf("outer cause %v", outerErr)
	}
	// With no limit the context lasts until stop.
	vm.SetCPULimit(0)
	v, err := vm.Eval(`__verge_ops.outer(() => 1); "ok"`, "t.js")
	if err != nil {
		t.Fatal(err)
	}
	v.Free()
}

// TestBlockingContextIsThreadTime: time the VM's thread spends off the CPU
// inside the work (here asleep, as when a busy node deschedules it) is not
// charged to the budget.
func TestBlockingContextIsThreadTime(t *testing.T) {
	var cause error
	vm := newVM(t, map[string]Op{
		"sleep": func(c *Call) (Value, error) {
			ctx, stop := c.VM.BlockingContext()
			defer stop()
			time.Sleep(60 * time.Millisecond)
			cause = context.Cause(ctx)
			return Value{}, nil
		},
	})
	vm.SetCPULimit(20 * time.Millisecond)
	v, err := vm.Eval(`__verge_ops.sleep(); "ok"`, "t.js")
	if err != nil || cause != nil {
		t.Fatalf("a sleeping thread was charged: err %v, cause %v", err, cause)
	}
	v.Free()
}
