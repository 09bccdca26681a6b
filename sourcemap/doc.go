// Package sourcemap maps positions in a bundle back to the files the
// developer wrote, so that an uncaught exception's stack trace names
// src/handler.ts:12:5 rather than worker.js:840:9.
//
// It reads version 3 source maps (the JSON that package bundle produces)
// and rewrites the frames of QuickJS stack traces, which look like
//
//	at handler (worker.js:12:5)
//	at worker.js:3:1
//	at map (native)
//
// Lines are 1-based and columns 1-based in stack frames (QuickJS's
// convention); Map.Source takes and returns 0-based columns, the source map
// convention.
//
// The package must not read files or fetch anything: the map carries what
// it needs. Maps may come from tenants, so Parse validates its input and
// never panics on it; a parsed Map is immutable and safe for concurrent
// use. To keep a PoP's memory small with many workers loaded, a Map keeps
// the encoded mappings (not sourcesContent) and a sparse index of line
// starts, and decodes a few generated lines when it is asked about one.
package sourcemap
