package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func newVM(t testing.TB, ops map[string]Op) *VM {
	t.Helper()
	vm, err := New(Options{Ops: ops})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(vm.Close)
	return vm
}

func evalString(t *testing.T, vm *VM, src string) string {
	t.Helper()
	v, err := vm.Eval(src, "test.js")
	if err != nil {
		t.Fatalf("eval %q: %v", src, err)
	}
	defer v.Free()
	s, err := v.String()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEvalAndConvert(t *testing.T) {
	vm := newVM(t, nil)
	tests := []struct{ src, want string }{
		{"1+2", "3"},
		{"'héllo' + ' 🌍'", "héllo 🌍"},
		{"'\\ud800x'", "\ufffdx"},
		{"[1,2].map(x => x*2).join()", "2,4"},
	}
	for _, tt := range tests {
		if got := evalString(t, vm, tt.src); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.src, got, tt.want)
		}
	}
}

func TestExceptionIsError(t *testing.T) {
	vm := newVM(t, nil)
	_, err := vm.Eval("function f() { throw new TypeError('nope') }\nf()", "thrower.js")
	var je *Error
	if !errors.As(err, &je) || je.Name != "TypeError" || je.Message != "nope" {
		t.Fatalf("err = %#v", err)
	}
	if !strings.Contains(je.Stack, "thrower.js:1") {
		t.Errorf("stack %q lacks file:line", je.Stack)
	}
	_, err = vm.Eval("throw 'a string'", "t.js")
	if err == nil || !strings.Contains(err.Error(), `"a string"`) {
		t.Errorf("thrown string: %v", err)
	}
	_, err = vm.Eval("let x = ;", "syntax.js")
	if !errors.As(err, &je) || je.Name != "SyntaxError" {
		t.Errorf("syntax error: %v", err)
	}
}

func TestOpsBytesAndErrors(t *testing.T) {
	vm := newVM(t, map[string]Op{
		"upper": func(c *Call) (Value, error) {
			b, err := c.Bytes(0)
			if err != nil {
				return Value{}, err
			}
			return c.VM.NewBytes([]byte(strings.ToUpper(string(b)))), nil
		},
		"fail": func(c *Call) (Value, error) {
			return Value{}, DOMException("DataError", "bad %s", "data")
		},
		"concat": func(c *Call) (Value, error) {
			var sb strings.Builder
			for i := range c.Args {
				s, err := c.String(i)
				if err != nil {
					return Value{}, err
				}
				sb.WriteString(s)
			}
			return c.VM.NewString(sb.String()), nil
		},
	})
	_, err := vm.Eval(`globalThis.DOMException = class DOMException extends Error {
		constructor(m, n) { super(m); this.name = n } }`, "dom.js")
	if err != nil {
		t.Fatal(err)
	}
	got := evalString(t, vm, `
		const ops = __verge_ops;
		const u = new Uint8Array(ops.upper(new TextEncoderish("abc")));
		function TextEncoderish(s) { return new Uint8Array([...s].map(c => c.charCodeAt(0))) }
		let e; try { ops.fail() } catch (x) { e = x }
		String.fromCharCode(...u) + "|" + e.name + ":" + e.message + "|" + (e instanceof DOMException) + "|" + ops.concat("a", 1, null)`)
	if want := "ABC|DataError:bad data|true|a1null"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	got = evalString(t, vm, `let r; try { __verge_ops.upper(42) } catch (x) { r = x.name + ": " + x.message } r`)
	if !strings.HasPrefix(got, "TypeError: ") {
		t.Errorf("bad argument: %q", got)
	}
	// Views into a larger buffer give only their bytes.
	got = evalString(t, vm, `String.fromCharCode(...new Uint8Array(__verge_ops.upper(new Uint8Array([97,98,99,100]).subarray(1,3))))`)
	if got != "BC" {
		t.Errorf("subarray: %q", got)
	}
}

func TestAsyncOpAndLoop(t *testing.T) {
	vm := newVM(t, map[string]Op{
		"sleep": func(c *Call) (Value, error) {
			ms, _ := c.Int(0)
			return c.Async(func(ctx context.Context) Completion {
				time.Sleep(time.Duration(ms) * time.Millisecond)
				return func(vm *VM) (Value, error) {
					if ms < 0 {
						return Value{}, RangeError("negative")
					}
					return vm.NewString("slept"), nil
				}
			})
		},
	})
	p, err := vm.Eval(`(async () => {
		const a = await __verge_ops.sleep(5);
		let b; try { await __verge_ops.sleep(-1) } catch (e) { b = e.name }
		return a + "," + b })()`, "t.js")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Free()
	if err := vm.RunUntil(context.Background(), func() bool { return p.PromiseState() != PromisePending }); err != nil {
		t.Fatal(err)
	}
	r := p.PromiseResult()
	defer r.Free()
	if s, _ := r.String(); s != "slept,RangeError" {
		t.Errorf("result %q", s)
	}
}

func TestNeverSettles(t *testing.T) {
	vm := newVM(t, nil)
	p, err := vm.Eval(`new Promise(() => {})`, "t.js")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Free()
	err = vm.RunUntil(context.Background(), func() bool { return p.PromiseState() != PromisePending })
	if !errors.Is(err, ErrNoProgress) {
		t.Fatalf("err = %v", err)
	}
}

func TestDeadlineStopsLoops(t *testing.T) {
	vm := newVM(t, nil)
	for _, src := range []string{
		`for(;;){}`,
		`try { for(;;){} } catch (e) {} "caught"`,
		`/(a+)+$/.test("a".repeat(40) + "b")`,
	} {
		vm.SetDeadline(time.Now().Add(50 * time.Millisecond))
		_, err := vm.Eval(src, "hostile.js")
		if !errors.Is(err, ErrDeadline) {
			t.Errorf("%s: err = %v, want ErrDeadline", src, err)
		}
	}
	vm.SetDeadline(time.Time{})
	if got := evalString(t, vm, "'alive'"); got != "alive" {
		t.Errorf("after interrupts: %q", got)
	}
}

func TestMemoryLimit(t *testing.T) {
	vm, err := New(Options{MemoryLimit: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	_, err = vm.Eval(`let a = []; for (;;) a.push(new Array(1000).fill(1))`, "bomb.js")
	if !errors.Is(err, ErrOutOfMemory) {
		t.Fatalf("err = %v, want ErrOutOfMemory", err)
	}
}

func TestPreludeBytecode(t *testing.T) {
	p, err := NewPrelude(Extension{Name: "x", Scripts: []Script{{"a.js", "globalThis.answer = () => 42"}}})
	if err != nil {
		t.Fatal(err)
	}
	vm, err := New(Options{Prelude: p})
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	if got := evalString(t, vm, "answer()"); got != "42" {
		t.Errorf("got %q", got)
	}
}

func TestUnhandledRejectionReported(t *testing.T) {
	vm := newVM(t, nil)
	var got []error
	vm.OnError = func(err error) { got = append(got, err) }
	v, err := vm.Eval(`Promise.reject(new Error("lost")); Promise.reject(new Error("handled")).catch(() => {}); 1`, "t.js")
	if err != nil {
		t.Fatal(err)
	}
	v.Free()
	if err := vm.drainJobs(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !strings.Contains(got[0].Error(), "lost") {
		t.Errorf("reported %v", got)
	}
}

func TestCPULimitCountsOnlyJavaScript(t *testing.T) {
	vm := newVM(t, map[string]Op{
		"wait": func(c *Call) (Value, error) {
			return c.Async(func(ctx context.Context) Completion {
				time.Sleep(60 * time.Millisecond)
				return nil
			})
		},
	})
	vm.SetCPULimit(40 * time.Millisecond)
	// Waiting does not use CPU: three 60 ms waits fit in a 40 ms budget.
	p, err := vm.Eval(`(async () => { for (let i = 0; i < 3; i++) await __verge_ops.wait(); return "ok" })()`, "t.js")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Free()
	if err := vm.RunUntil(context.Background(), func() bool { return p.PromiseState() != PromisePending }); err != nil {
		t.Fatal(err)
	}
	if vm.CPUUsed() > 40*time.Millisecond {
		t.Errorf("cpu used %v while waiting", vm.CPUUsed())
	}
	// Spinning does: the budget ends it, even across await points.
	q, err := vm.Eval(`(async () => { for (;;) { await null; for (let i = 0; i < 1e5; i++); } })()`, "t.js")
	if err != nil {
		t.Fatal(err)
	}
	defer q.Free()
	err = vm.RunUntil(context.Background(), func() bool { return q.PromiseState() != PromisePending })
	if !errors.Is(err, ErrCPULimit) {
		t.Fatalf("err = %v, want ErrCPULimit", err)
	}
}

// TestCPULimitIsThreadTime: time the VM's thread does not run (here it
// blocks in an op, as it would when a busy node deschedules it) is not
// charged to the budget; running is.
func TestCPULimitIsThreadTime(t *testing.T) {
	vm := newVM(t, map[string]Op{
		"block": func(c *Call) (Value, error) {
			time.Sleep(time.Second)
			return Value{}, nil
		},
	})
	// Far above what the two loops take even under the race detector on
	// a loaded machine (100 ms was not), far below the blocked second.
	vm.SetCPULimit(500 * time.Millisecond)
	// The first loop makes the engine poll, which starts the thread clock.
	v, err := vm.Eval(`for (let i = 0; i < 2e4; i++); __verge_ops.block(); for (let i = 0; i < 2e4; i++); "ok"`, "t.js")
	if err != nil {
		t.Fatalf("a blocked thread was charged: %v (cpu used %v)", err, vm.CPUUsed())
	}
	v.Free()
	if vm.CPUUsed() >= 500*time.Millisecond {
		t.Errorf("cpu used %v, want the blocked time left out", vm.CPUUsed())
	}
	_, err = vm.Eval(`for (;;);`, "t.js")
	if !errors.Is(err, ErrCPULimit) {
		t.Fatalf("err = %v, want ErrCPULimit", err)
	}
}

func TestNewUint8ArrayManyTimes(t *testing.T) {
	vm := newVM(t, nil)
	fn, err := vm.Eval(`(u) => u.length + u[0]`, "t.js")
	if err != nil {
		t.Fatal(err)
	}
	defer fn.Free()
	for i := 0; i < 2000; i++ {
		u, err := vm.NewUint8Array([]byte{byte(i), 2, 3})
		if err != nil {
			t.Fatal(err)
		}
		r, err := fn.Call(vm.Undefined(), u)
		u.Free()
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := r.Int(); n != 3+int64(byte(i)) {
			t.Fatalf("got %d", n)
		}
		r.Free()
		if i%100 == 0 {
			vm.RunGC()
		}
	}
}
