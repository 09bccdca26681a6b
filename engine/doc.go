// Package engine is Verge's JavaScript engine layer: a binding written
// directly on modernc.org/libquickjs (QuickJS compiled to pure Go).
//
// A VM is one isolate: a QuickJS runtime with one context, its own memory
// limit, interrupt state, op table, event loop and resource table. VMs share
// nothing, so two VMs may run on two goroutines; one VM is used by one
// goroutine at a time, or shared by several through its lock (see below).
//
// # Ops
//
// Web APIs are JavaScript over Go ops (see docs/WEBAPI-CONVENTIONS.md). Each
// op is a C function object whose magic number indexes the VM's op table,
// and all of them enter Go through one dispatcher closure per VM, so no
// process-wide table or lock sits on the call path. JavaScript reaches them as
// verge.ops.<name>(...) inside the prelude; bootstrap.js hides them from
// worker code. Bytes cross as ArrayBuffers (Value.Bytes, Call.View,
// VM.NewBytes), never JSON or base64; NewExternalArrayBuffer makes one over
// memory the engine does not own, without copying.
//
//	func opUpper(c *engine.Call) (engine.Value, error) {
//		s, err := c.String(0)            // borrowed arguments
//		if err != nil {
//			return engine.Value{}, err
//		}
//		return c.VM.NewString(strings.ToUpper(s)), nil // ownership passes to JS
//	}
//
// Errors returned by ops are thrown: engine.TypeError, engine.RangeError,
// engine.DOMException(name, ...) select the class.
//
// Async ops return a promise from Call.Async: the work runs on its own
// goroutine and returns a Completion, which runs on the VM's goroutine to
// build the result:
//
//	return c.Async(func(ctx context.Context) engine.Completion {
//		body, err := fetchSomething(ctx)
//		return func(vm *engine.VM) (engine.Value, error) {
//			if err != nil {
//				return engine.Value{}, engine.TypeError("fetch failed: %v", err)
//			}
//			return vm.NewBytes(body), nil
//		}
//	})
//
// # Values and ownership
//
// A Value returned by a VM or Value method is owned by the caller, who must
// Free it or hand it back (as an op result or to Set/SetIndex/NewArray, which
// take ownership). Op arguments are borrowed; Dup to keep one. Values kept by
// an extension across calls go in VM.SetState with a Release method that
// frees them.
//
// # Event loop
//
// RunUntil runs microtasks, posted completions and timers (AfterFunc) until
// a condition holds, typically that a promise settled. It returns
// ErrNoProgress when nothing left can make progress (a promise that never
// settles), as workerd reports "the script will never generate a response".
//
// # Tasks and sharing
//
// A VM can serve several requests at once: each request's goroutine takes
// the VM with Lock(task), and RunUntil lets the lock go while it waits for
// I/O or timers, so another request runs meanwhile. A Task is one request's
// accounting: every macrotask (timer, async completion) runs under the task
// that set it up, with that task's CPU budget and deadline, and a limit
// ends only that task. EndTask drops the work a request left behind.
//
// # Limits
//
// New takes a per-VM memory limit (ErrOutOfMemory). SetDeadline bounds the
// time JavaScript may run (ErrDeadline); Interrupt stops it from another
// goroutine (ErrInterrupted). Both reach loops, built-ins and regular
// expressions through QuickJS's interrupt handler and cannot be caught by
// the script. Go work that an op runs synchronously and that the handler
// cannot reach (WebAssembly) gets the same limits from BlockingContext.
//
// # Prelude
//
// NewPrelude compiles the Web API scripts to bytecode once per process; New
// evaluates that bytecode into each VM, which is what keeps VM creation
// under a millisecond.
//
// This package must not know about HTTP, workers or any particular Web API.
package engine
