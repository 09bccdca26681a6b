// Package webassembly implements the WebAssembly JavaScript API for workers
// (WebAssembly.Module, Instance, Memory, Global, validate, compile,
// instantiate and the CompileError, LinkError and RuntimeError classes) on
// wazero, since QuickJS has no WebAssembly of its own. A worker gets a
// module as on Cloudflare, `import mod from "./add.wasm"` (package bundle
// ships the bytes beside the code), or from bytes at run time.
//
// # Compiling and instantiating
//
// A worker version has one Runtime (one wazero runtime): the modules the
// bundle ships are compiled when the version loads, so a broken .wasm fails
// the load, and every VM of the version shares the compiled code; each
// `new WebAssembly.Instance` instantiates it. Imports are JavaScript
// functions: one host module per import module name is built once per
// compiled module, and its functions find the JavaScript to call through
// the context of the call in flight, which also keeps Go from holding
// JavaScript functions (an import that closes over its own instance would
// be a cycle the engine's collector cannot see). Only function imports are
// supported: wazero links memories, tables and globals only between
// WebAssembly modules, so importing one is a LinkError that says so. No
// WASI functions are provided, as on Cloudflare.
//
// A Module or Instance object holds a handle to its Go resource, an empty
// ArrayBuffer whose release the engine reports to Go as soon as the
// collector frees it (a FinalizationRegistry would wait for the end of the
// script's task). So when memory runs short, running the collector gives
// back the memories of instances the script dropped, even within one
// task, and even in reference cycles.
//
// Everything runs on the VM's goroutine: JavaScript calls an export, wazero
// runs the guest, the guest calls an import, and JavaScript runs again,
// nested, as in a browser. An exception thrown by an import unwinds through
// the guest and reaches the export's caller unchanged; a trap becomes a
// RuntimeError.
//
// # memory.buffer aliases the linear memory
//
// The engine can make an ArrayBuffer over memory it does not own
// (engine.VM.NewExternalArrayBuffer), but only memory that is not Go's (the
// engine's C-style pointer arithmetic fails Go's checkptr) and that never
// moves. wazero's memory allocator hook (experimental.MemoryAllocator) gives
// both: each linear memory is reserved with mmap at the largest size it may
// reach, and growing commits pages in place. So memory.buffer is the
// memory itself, as in every engine: writes from JavaScript are seen by the
// guest and the other way round, with no copies. As the JS API specifies,
// growing detaches the old buffer (when JavaScript calls grow, and, for
// growth inside the guest, before JavaScript next runs: when the call
// returns or an import is called) and the next memory.buffer is a new
// ArrayBuffer of the new length. A region is unmapped only when the
// instance is gone and no ArrayBuffer refers to it any more, so a buffer
// kept past its instance, or moved by transfer(), still reads valid memory.
//
// # Limits
//
// A call into WebAssembly runs under engine.VM.BlockingContext, which ends
// at the worker's wall deadline, when its CPU budget (the VM thread's CPU
// clock, as for JavaScript) runs out, or on Interrupt; the runtime is built
// with WithCloseOnContextDone, so wazero stops even a guest in an infinite
// loop, and the request fails with the same error as a JavaScript loop
// would (ErrCPULimit, ErrDeadline), which is uncatchable by the script.
// wazero closes the instance it stopped; the worker discards such a VM.
// wazero checks for the deadline only at loop headers, so a guest that
// recurses without bound is not stopped by it: wazero grows the guest's
// stack (Go heap, outside the memory budget) up to its ceiling of 400 MB,
// which took ~0.5 s here, and then traps (a RangeError, "Maximum call stack
// size exceeded"); the CPU time is charged and the request fails with the
// CPU limit all the same. The host process's RLIMIT_AS is the backstop.
//
// Memory: a VM's heap and its linear memories share the worker's memory
// limit, as an isolate's 128 MB covers both on Cloudflare. A memory may grow
// only while the heap and all memories fit (memory.grow returns -1, and
// Memory.grow throws a RangeError, past it; the collector runs once before
// either gives up), and the heap's limit shrinks by what the memories hold.
// Each memory reserves address space up to its declared maximum or the
// limit, whichever is smaller; only what it grows to is committed. wazero's WithMemoryLimitPages is not used for
// this: it rejects at compile time every module whose declared maximum is
// above it, which most toolchains' output is.
//
// # What differs from browsers and workerd
//
//   - Only function imports; no WebAssembly.Memory, Table or Global
//     constructors; exported tables are objects whose methods throw.
//   - Values of types v128, funcref and externref cannot cross to
//     JavaScript (a TypeError, as browsers do for v128).
//   - compile and instantiate are asynchronous in name only: the work
//     happens before the promise is returned. Compiling from bytes is
//     allowed (Cloudflare forbids it) but not interruptible, so modules
//     from bytes are limited to MaxModuleSize; ship larger ones.
//   - memory.buffer can be transferred (QuickJS has no non-detachable
//     buffers); the transferred buffer keeps aliasing the memory.
//   - An exception thrown while converting an import's result (a valueOf
//     that throws) reaches the caller as an equal error, not the same
//     object.
package webassembly
