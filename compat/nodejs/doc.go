// Package nodejs is Verge's Node.js compatibility layer: the JavaScript of
// the built-in modules a worker may import when it has the nodejs_compat
// compatibility flag (or is a Lambda@Edge handler): node:assert,
// node:buffer, node:crypto (hashes, HMACs, randomness), node:events,
// node:path (POSIX), node:process, node:querystring, node:string_decoder
// and node:util, each also under its bare name.
//
// The modules are not part of the runtime prelude. Package bundle builds
// them into a worker's bundle, and only those the worker imports; the
// globals module (which completes process) goes into every bundle built
// with the flag, and the Buffer global into those whose code mentions
// Buffer (its module is evaluated on first use). A worker without the flag
// pays nothing, and one with it only for what it uses: a hello-world VM's
// heap is 821 KiB without the flag, 831 KiB with it, 988 KiB when it uses
// Buffer (TestMemory).
//
// The modules are CommonJS, written for Verge over the Web APIs
// (TextEncoder, TextDecoder, atob, btoa); they behave as Node 20's do for
// what they cover, which the package's tests check against node itself.
//
// The package must not grow modules that pretend to work: a built-in that
// Verge cannot honour (fs, net, child_process) stays unresolved, so that
// the bundler names it in a clear error.
package nodejs
