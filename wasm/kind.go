package wasm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// Handler is a compiled module of either kind, *Module (WAGI) or *Reactor,
// as CompileHandler returns it.
type Handler interface {
	http.Handler
	// Close waits for in-flight requests, then releases the module.
	Close(ctx context.Context) error
}

// CompileHandler compiles code as a reactor when it exports verge_handle
// (IsReactor), else as a WAGI command, so that a project's main can be
// either without saying which.
func CompileHandler(ctx context.Context, code []byte, opts Options) (Handler, error) {
	reactor, err := IsReactor(code)
	if err != nil {
		return nil, err
	}
	// Return a nil interface, not a nil pointer in one, on errors.
	if reactor {
		x, err := CompileReactor(ctx, code, opts)
		if err != nil {
			return nil, err
		}
		return x, nil
	}
	m, err := Compile(ctx, code, opts)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// IsReactor reports whether code is a module for the reactor ABI
// (CompileReactor) rather than a WAGI command (Compile): whether it exports
// a verge_handle function. It reads the section framing only, which is
// enough to reject a file that is not WebAssembly or was cut short, with an
// error that says so, before any compilation.
func IsReactor(code []byte) (bool, error) {
	exports, err := exportedFuncs(code)
	if err != nil {
		return false, err
	}
	return exports["verge_handle"], nil
}

// errTruncated is a module that ends inside a section or a field.
var errTruncated = errors.New("the file ends early (truncated?)")

// exportedFuncs walks the sections of a WebAssembly binary (the core
// specification's binary format) and returns the names of the functions
// in its export section. Every section's length is checked against the
// file, so truncation anywhere is found, not only in the exports.
func exportedFuncs(code []byte) (map[string]bool, error) {
	const header = "\x00asm\x01\x00\x00\x00"
	switch {
	case len(code) >= 4 && string(code[:4]) != header[:4]:
		return nil, errors.New("wasm: not a WebAssembly module (no \\0asm magic number at the start)")
	case len(code) < len(header):
		return nil, fmt.Errorf("wasm: not a WebAssembly module: %w", errTruncated)
	case string(code[4:8]) != header[4:]:
		return nil, fmt.Errorf("wasm: WebAssembly binary version %x is not 1 (component model binaries are not supported)", code[4:8])
	}
	funcs := map[string]bool{}
	for off := len(header); off < len(code); {
		id := code[off]
		size, n := uleb32(code[off+1:])
		if n == 0 {
			return nil, fmt.Errorf("wasm: section at byte %d: %w", off, errTruncated)
		}
		start := off + 1 + n
		if uint64(size) > uint64(len(code)-start) {
			return nil, fmt.Errorf("wasm: section %d at byte %d declares %d bytes but %d remain: %w", id, off, size, len(code)-start, errTruncated)
		}
		body := code[start : start+int(size)]
		off = start + int(size)
		if id != 7 { // the export section
			continue
		}
		if err := readExports(body, funcs); err != nil {
			return nil, fmt.Errorf("wasm: export section at byte %d: %w", start, err)
		}
	}
	return funcs, nil
}

// readExports adds the names of exported functions in an export section's
// body to funcs.
func readExports(b []byte, funcs map[string]bool) error {
	count, n := uleb32(b)
	if n == 0 {
		return errTruncated
	}
	b = b[n:]
	for range count {
		size, n := uleb32(b)
		if n == 0 || uint64(size) > uint64(len(b)-n) {
			return errTruncated
		}
		name := string(b[n : n+int(size)])
		b = b[n+int(size):]
		if len(b) == 0 {
			return errTruncated
		}
		kind := b[0]
		if _, n = uleb32(b[1:]); n == 0 {
			return errTruncated
		}
		b = b[1+n:]
		if kind == 0 { // a function
			funcs[name] = true
		}
	}
	return nil
}

// uleb32 decodes an unsigned LEB128 number of at most 32 bits, returning
// it and the bytes it took; 0 bytes when b ends first or it is too long.
func uleb32(b []byte) (uint32, int) {
	var v uint32
	for i := 0; i < 5 && i < len(b); i++ {
		v |= uint32(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			return v, i + 1
		}
	}
	return 0, 0
}
