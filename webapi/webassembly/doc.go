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
// `new WebAssembly.Instance` instantiates it. Function imports are
// JavaScript functions: one host module per import module name is built
// once per compiled module, and its functions find the JavaScript to call
// through the context of the call in flight, which also keeps Go from
// holding JavaScript functions (an import that closes over its own
// instance would be a cycle the engine's collector cannot see). No WASI
// functions are provided, as on Cloudflare.
//
// Memories and globals can be imported too: a WebAssembly.Memory or Global
// that the script made (`new WebAssembly.Memory({initial, maximum})`, `new
// WebAssembly.Global({value, mutable}, v)`) or that another instance
// exports, or, for an immutable global, a number or BigInt, as the JS API
// specifies. wazero links memories and globals only between WebAssembly
// modules, so a Memory or Global the script makes is a tiny module of its
// own that defines it, and an import module name whose imports are not all
// functions is served by a linker module made for the instantiation, which
// re-exports the host functions, the memory and the globals (see link.go).
// The memory or global is then one and the same everywhere: what one
// instance or memory.buffer writes, the others read, and a mutable global
// set by one is set for all. What is passed is checked against the
// import's type first, with V8's LinkError messages, and an instance
// exports what it imported as the same Memory or Global object. A memory
// lives until the last Memory object and instance using it are gone.
//
// Tables cannot be imported, and WebAssembly.Table has no constructor:
// wazero has no API to read, write or grow a table, and a table shared by
// instances holds references to the functions of every instance that
// stored into it, which the lifetimes here do not track (an instance
// collected while another could still call its functions through the table
// would run against freed memory).
//
// Verge calls the start function itself, rather than wazero during
// instantiation (the module wazero compiles has its start section turned
// into a hidden export), so that it runs on the guarded call stack (see
// Limits).
//
// A Module, Instance, Memory or Global object holds a handle to its Go
// resource, an empty ArrayBuffer whose release the engine reports to Go as
// soon as the collector frees it (a FinalizationRegistry would wait for
// the end of the script's task). So when memory runs short, running the
// collector gives back the memories of instances the script dropped, even
// within one task, and even in reference cycles.
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
// growth inside a guest, before JavaScript next runs: when the call
// returns or an import is called) and the next memory.buffer is a new
// ArrayBuffer of the new length. A region is unmapped only when the memory
// is gone and no ArrayBuffer refers to it any more, so a buffer kept past
// its instance, or moved by transfer(), still reads valid memory.
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
//
// wazero checks for the deadline only at loop headers, not at calls, and
// would grow a guest's stack (Go heap, outside any budget) to 84 MB before
// trapping: ~160 MB allocated by one runaway recursion. Instead, calls into
// WebAssembly run on one call stack per VM, 1 MiB reserved with mmap
// (internal/wasmstack says how wazero is made to use it, and why nothing else was
// chosen); a guest that exhausts it traps with a RuntimeError, "Maximum
// call stack size exceeded", and ordinary calls pay nothing for it. Calls
// nested through imports share the stack, as calls share a thread's stack
// in a browser. A small recursive function gets ~32,000 frames (V8 ~18,000).
//
// Memory: a VM's heap and its linear memories share the worker's memory
// limit, as an isolate's 128 MB covers both on Cloudflare. A memory may grow
// only while the heap and all memories fit (memory.grow returns -1, and
// Memory.grow throws a RangeError, past it; the collector runs once before
// either gives up), and the heap's limit shrinks by what the memories hold.
// Memories made by `new WebAssembly.Memory` count like an instance's. Each
// memory reserves address space up to its declared maximum or the limit,
// whichever is smaller; only what it grows to is committed. wazero's
// WithMemoryLimitPages is not used for this: it rejects at compile time
// every module whose declared maximum is above it, which most toolchains'
// output is.
//
// # What differs from browsers and workerd
//
//   - No table imports and no WebAssembly.Table constructor (see above);
//     exported tables are objects whose methods throw. No shared memories
//     (`shared: true` is a TypeError).
//   - Values of types v128, funcref and externref cannot cross to
//     JavaScript (a TypeError, as browsers do for v128), so globals of
//     those types can be neither made nor imported.
//   - A guest that exhausts its call stack throws a WebAssembly.RuntimeError;
//     V8 throws a RangeError with the same message.
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
