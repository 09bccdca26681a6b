// Package wasmtest assembles small WebAssembly modules by hand for tests:
// hostile ones that a compiler would not produce on purpose, without a
// toolchain. Each is a valid module unless its name says otherwise.
package wasmtest

// leb encodes n as unsigned LEB128.
func leb(n int) []byte {
	var b []byte
	for {
		c := byte(n & 0x7f)
		n >>= 7
		if n != 0 {
			c |= 0x80
		}
		b = append(b, c)
		if n == 0 {
			return b
		}
	}
}

func section(id byte, body ...byte) []byte {
	return append(append([]byte{id}, leb(len(body))...), body...)
}

func name(s string) []byte { return append(leb(len(s)), s...) }

func vec(items ...[]byte) []byte {
	b := leb(len(items))
	for _, it := range items {
		b = append(b, it...)
	}
	return b
}

const header = "\x00asm\x01\x00\x00\x00"

// Hanging returns a module whose function 0 loops forever. It is the Wasm
// start function when start is set, and is exported under each name in
// loops (such as "_initialize" or "_start"). reactor adds the reactor
// ABI's exports, verge_abi_version (1) and verge_handle (0), so that the
// module passes wasm.CompileReactor's checks; otherwise the module exports
// an empty _start, unless loops names it.
func Hanging(start, reactor bool, loops ...string) []byte {
	mod := []byte(header)
	// Types: () -> (), () -> i32, i32 -> i32.
	mod = append(mod, section(1, 3, 0x60, 0, 0, 0x60, 0, 1, 0x7f, 0x60, 1, 0x7f, 1, 0x7f)...)
	// Functions: 0 loops, 1 returns 1, 2 returns 0, 3 returns at once.
	mod = append(mod, section(3, 4, 0, 1, 2, 0)...)
	mod = append(mod, section(5, 1, 0, 1)...) // one page of memory
	exports := [][]byte{append(name("memory"), 2, 0)}
	if reactor {
		exports = append(exports, append(name("verge_abi_version"), 0, 1), append(name("verge_handle"), 0, 2))
	}
	hasStart := false
	for _, n := range loops {
		exports = append(exports, append(name(n), 0, 0))
		hasStart = hasStart || n == "_start"
	}
	if !reactor && !hasStart {
		exports = append(exports, append(name("_start"), 0, 3))
	}
	mod = append(mod, section(7, vec(exports...)...)...)
	if start {
		mod = append(mod, section(8, 0)...)
	}
	return append(mod, section(10, 4,
		7, 0, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, // loop br 0 end
		4, 0, 0x41, 1, 0x0b, // i32.const 1
		4, 0, 0x41, 0, 0x0b, // i32.const 0
		2, 0, 0x0b)...)
}

// Recursing returns a module whose function 0 calls itself without end:
// the WAGI _start, or, with reactor, what verge_handle calls (with
// verge_abi_version 1), so that every request recurses.
func Recursing(reactor bool) []byte { return recursing(reactor, false) }

// RecursingAtStart returns a reactor whose _initialize calls itself
// without end: every instance fails to start.
func RecursingAtStart() []byte { return recursing(true, true) }

func recursing(reactor, atStart bool) []byte {
	mod := []byte(header)
	// Types: () -> (), () -> i32, i32 -> i32.
	mod = append(mod, section(1, 3, 0x60, 0, 0, 0x60, 0, 1, 0x7f, 0x60, 1, 0x7f, 1, 0x7f)...)
	// Functions: 0 recurses, 1 returns 1, 2 calls 0.
	mod = append(mod, section(3, 3, 0, 1, 2)...)
	mod = append(mod, section(5, 1, 0, 1)...) // one page of memory
	exports := [][]byte{append(name("memory"), 2, 0)}
	if reactor {
		exports = append(exports, append(name("verge_abi_version"), 0, 1), append(name("verge_handle"), 0, 2))
		if atStart {
			exports = append(exports, append(name("_initialize"), 0, 0))
		}
	} else {
		exports = append(exports, append(name("_start"), 0, 0))
	}
	mod = append(mod, section(7, vec(exports...)...)...)
	return append(mod, section(10, 3,
		4, 0, 0x10, 0, 0x0b, // call 0
		4, 0, 0x41, 1, 0x0b, // i32.const 1
		6, 0, 0x10, 0, 0x41, 0, 0x0b)...) // call 0, i32.const 0
}

// Flood returns a WAGI command that writes a CGI header block, then
// 64 KiB of body at a time to stdout forever, ignoring errors: a guest
// that would write 10 GB, or any amount, if nothing stopped it.
func Flood() []byte {
	const (
		hdr     = "Content-Type: application/octet-stream\n\n"
		hdrAt   = 64  // the header's bytes
		bodyAt  = 128 // the body's 64 KiB (zeroes)
		bodyLen = 64 << 10
	)
	mod := []byte(header)
	// Types: 0 is fd_write's (i32 i32 i32 i32) -> i32, 1 is () -> ().
	mod = append(mod, section(1, 2, 0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f, 0x60, 0, 0)...)
	mod = append(mod, section(2, vec(append(append(name("wasi_snapshot_preview1"), name("fd_write")...), 0, 0))...)...)
	mod = append(mod, section(3, 1, 1)...)    // function 1 (_start) of type 1
	mod = append(mod, section(5, 1, 0, 3)...) // three pages of memory
	mod = append(mod, section(7, vec(append(name("memory"), 2, 0), append(name("_start"), 0, 1))...)...)
	// fd_write(1, iovs, 1, nwritten) with iovs at 0 (the header), then at
	// 8 (the body) in a loop. 32 holds nwritten.
	write := func(iovs int) []byte {
		b := append(i32(1), i32(iovs)...)
		b = append(b, i32(1)...)
		b = append(b, i32(32)...)
		return append(b, 0x10, 0, 0x1a) // call 0, drop
	}
	body := []byte{0}
	body = append(body, write(0)...)
	body = append(body, 0x03, 0x40) // loop
	body = append(body, write(8)...)
	body = append(body, 0x0c, 0, 0x0b, 0x0b) // br 0, end loop, end
	mod = append(mod, section(10, vec(append(leb(len(body)), body...))...)...)
	// Data: the two iovecs and the header.
	iovs := append(append(append(le32(hdrAt), le32(len(hdr))...), le32(bodyAt)...), le32(bodyLen)...)
	return append(mod, section(11, vec(dataSegment(0, iovs), dataSegment(hdrAt, []byte(hdr)))...)...)
}

// CGI returns a WAGI command that writes out, a whole CGI response such
// as "Content-Type: text/plain\n\nhello\n", to stdout and exits.
func CGI(out string) []byte {
	const outAt = 64
	mod := []byte(header)
	mod = append(mod, section(1, 2, 0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f, 0x60, 0, 0)...)
	mod = append(mod, section(2, vec(append(append(name("wasi_snapshot_preview1"), name("fd_write")...), 0, 0))...)...)
	mod = append(mod, section(3, 1, 1)...)
	pages := (outAt+len(out))>>16 + 1
	mod = append(mod, section(5, append([]byte{1, 0}, leb(pages)...)...)...)
	mod = append(mod, section(7, vec(append(name("memory"), 2, 0), append(name("_start"), 0, 1))...)...)
	// fd_write(1, iovs at 0, 1, nwritten at 32); a short write is not
	// retried: out is small.
	body := []byte{0}
	body = append(body, i32(1)...)
	body = append(body, i32(0)...)
	body = append(body, i32(1)...)
	body = append(body, i32(32)...)
	body = append(body, 0x10, 0, 0x1a, 0x0b)
	mod = append(mod, section(10, vec(append(leb(len(body)), body...))...)...)
	iov := append(le32(outAt), le32(len(out))...)
	return append(mod, section(11, vec(dataSegment(0, iov), dataSegment(outAt, []byte(out)))...)...)
}

// Reactor returns a module for the reactor ABI, without WASI or a
// runtime, whose handler answers every request with status and body.
func Reactor(status int, body string) []byte {
	const bodyAt = 64
	mod := []byte(header)
	// Types: 0 (i32 i32) -> i32, 1 (i32 i32 i32) -> i32, 2 () -> i32,
	// 3 (i32) -> i32.
	mod = append(mod, section(1, 4,
		0x60, 2, 0x7f, 0x7f, 1, 0x7f,
		0x60, 3, 0x7f, 0x7f, 0x7f, 1, 0x7f,
		0x60, 0, 1, 0x7f,
		0x60, 1, 0x7f, 1, 0x7f)...)
	mod = append(mod, section(2, vec(
		append(append(name("verge"), name("resp_set_status")...), 0, 0),
		append(append(name("verge"), name("resp_write")...), 0, 1))...)...)
	mod = append(mod, section(3, 2, 2, 3)...) // functions 2 and 3
	pages := (bodyAt+len(body))>>16 + 1
	mod = append(mod, section(5, append([]byte{1, 0}, leb(pages)...)...)...)
	mod = append(mod, section(7, vec(append(name("memory"), 2, 0),
		append(name("verge_abi_version"), 0, 2), append(name("verge_handle"), 0, 3))...)...)
	version := []byte{0, 0x41, 1, 0x0b}
	handle := []byte{0, 0x20, 0} // local.get 0 (req)
	handle = append(handle, i32(status)...)
	handle = append(handle, 0x10, 0, 0x1a, 0x20, 0) // call resp_set_status, drop, local.get 0
	handle = append(handle, i32(bodyAt)...)
	handle = append(handle, i32(len(body))...)
	handle = append(handle, 0x10, 1, 0x1a, 0x41, 0, 0x0b) // call resp_write, drop, return 0
	mod = append(mod, section(10, vec(append(leb(len(version)), version...), append(leb(len(handle)), handle...))...)...)
	return append(mod, section(11, vec(dataSegment(bodyAt, []byte(body)))...)...)
}

// dataSegment is an active data segment writing b at offset at of memory 0.
func dataSegment(at int, b []byte) []byte {
	seg := append(append([]byte{0}, i32(at)...), 0x0b)
	return append(append(seg, leb(len(b))...), b...)
}

// le32 is n as 4 little-endian bytes.
func le32(n int) []byte { return []byte{byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)} }

// i32 is the instruction i32.const n, for 0 <= n < 2^20: its immediate
// is signed LEB128, whose last byte's 0x40 bit is the sign.
func i32(n int) []byte {
	b := []byte{0x41}
	for {
		c := byte(n & 0x7f)
		n >>= 7
		if n == 0 && c&0x40 == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}
