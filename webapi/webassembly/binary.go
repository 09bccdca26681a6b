package webassembly

import (
	"errors"
	"fmt"
)

// What the JavaScript API needs from a module's binary that wazero does not
// say: imports and exports of every kind in module order (Module.imports,
// Module.exports and the order of instance.exports are specified to follow
// it), the types of imported memories and globals (to check and link what
// JavaScript passes for them), the minimum size of the module's own memory
// (to refuse an instance over the memory budget before wazero allocates
// it), and its start function (see withoutStart). The reader checks every
// bound: it runs before wazero has validated the module, and a bug here
// must not read out of range.

// External kinds, as the binary format numbers them.
const (
	kindFunc   = 0
	kindTable  = 1
	kindMemory = 2
	kindGlobal = 3
	kindTag    = 4
)

var kindNames = [...]string{"function", "table", "memory", "global", "tag"}

func kindName(k byte) string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

type importEntry struct {
	module, name string
	kind         byte
	// A memory's limits, in pages.
	min, max uint32
	hasMax   bool
	// A global's value type and mutability.
	valType byte
	mutable bool
}

type exportEntry struct {
	name  string
	kind  byte
	index uint32
}

// moduleInfo is what parseModule reads.
type moduleInfo struct {
	imports []importEntry
	exports []exportEntry
	// memMin is the minimum pages of the memory the module defines;
	// hasMemory is false when it defines none.
	memMin    uint32
	hasMemory bool
	// start is the start function's index, if hasStart.
	start    uint32
	hasStart bool
	// startExport is the name the start function is exported by in the
	// module wazero compiles (see withoutStart); "" if there is none.
	startExport string
}

var errTruncated = errors.New("unexpected end of module")

type reader struct {
	b   []byte
	off int
}

func (r *reader) byte() (byte, error) {
	if r.off >= len(r.b) {
		return 0, errTruncated
	}
	r.off++
	return r.b[r.off-1], nil
}

// u32 reads an unsigned LEB128 of at most 32 bits.
func (r *reader) u32() (uint32, error) {
	var n uint32
	for shift := 0; shift < 35; shift += 7 {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		n |= uint32(c&0x7f) << shift
		if c&0x80 == 0 {
			return n, nil
		}
	}
	return 0, errors.New("integer too long")
}

func (r *reader) bytes(n uint32) ([]byte, error) {
	if uint64(n) > uint64(len(r.b)-r.off) {
		return nil, errTruncated
	}
	r.off += int(n)
	return r.b[r.off-int(n) : r.off], nil
}

func (r *reader) name() (string, error) {
	n, err := r.u32()
	if err != nil {
		return "", err
	}
	b, err := r.bytes(n)
	return string(b), err
}

// limits reads a limits type.
func (r *reader) limits() (min, max uint32, hasMax bool, err error) {
	flags, err := r.byte()
	if err != nil {
		return 0, 0, false, err
	}
	min, err = r.u32()
	if err == nil && flags&1 != 0 {
		max, err = r.u32()
		hasMax = true
	}
	return min, max, hasMax, err
}

// parseModule reads the import, memory and export sections of a module.
func parseModule(b []byte) (moduleInfo, error) {
	var info moduleInfo
	r := &reader{b: b}
	if head, err := r.bytes(8); err != nil || string(head[:4]) != "\x00asm" {
		return info, errors.New("not a WebAssembly module")
	}
	for r.off < len(r.b) {
		id, err := r.byte()
		if err != nil {
			return info, err
		}
		size, err := r.u32()
		if err != nil {
			return info, err
		}
		body, err := r.bytes(size)
		if err != nil {
			return info, err
		}
		s := &reader{b: body}
		switch id {
		case 2:
			err = info.readImports(s)
		case 5:
			err = info.readMemories(s)
		case 7:
			err = info.readExports(s)
		case 8:
			info.start, err = s.u32()
			info.hasStart = err == nil
		}
		if err != nil {
			return info, fmt.Errorf("section %d: %w", id, err)
		}
	}
	return info, nil
}

func (info *moduleInfo) readImports(r *reader) error {
	n, err := r.u32()
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		var e importEntry
		if e.module, err = r.name(); err != nil {
			return err
		}
		if e.name, err = r.name(); err != nil {
			return err
		}
		if e.kind, err = r.byte(); err != nil {
			return err
		}
		switch e.kind {
		case kindFunc:
			_, err = r.u32() // type index
		case kindTable:
			if _, err = r.byte(); err == nil { // reference type
				_, _, _, err = r.limits()
			}
		case kindMemory:
			e.min, e.max, e.hasMax, err = r.limits()
		case kindGlobal:
			var t []byte
			if t, err = r.bytes(2); err == nil {
				e.valType, e.mutable = t[0], t[1] == 1
			}
		case kindTag:
			if _, err = r.byte(); err == nil { // attribute
				_, err = r.u32()
			}
		default:
			err = fmt.Errorf("unknown import kind %d", e.kind)
		}
		if err != nil {
			return err
		}
		info.imports = append(info.imports, e)
	}
	return nil
}

func (info *moduleInfo) readMemories(r *reader) error {
	n, err := r.u32()
	if err != nil || n == 0 {
		return err
	}
	info.memMin, _, _, err = r.limits()
	info.hasMemory = err == nil
	return err
}

func (info *moduleInfo) readExports(r *reader) error {
	n, err := r.u32()
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		var e exportEntry
		if e.name, err = r.name(); err != nil {
			return err
		}
		if e.kind, err = r.byte(); err != nil {
			return err
		}
		if e.index, err = r.u32(); err != nil {
			return err
		}
		info.exports = append(info.exports, e)
	}
	return nil
}

// withoutStart returns the module with its start section replaced by an
// export of the start function (info.startExport), so that Verge calls it
// after instantiation, on the guarded call stack (see internal/wasmstack), where
// wazero would call it during instantiation on a stack of its own. The
// function's type, which the start section requires to be [] -> [], is
// checked after compilation (Runtime.compile). b must have parsed into
// info.
func withoutStart(b []byte, info *moduleInfo) []byte {
	names := map[string]bool{}
	for _, e := range info.exports {
		names[e.name] = true
	}
	info.startExport = "verge:start"
	for i := 2; names[info.startExport]; i++ {
		info.startExport = fmt.Sprintf("verge:start%d", i)
	}
	entry := appendName(nil, info.startExport)
	entry = append(entry, kindFunc)
	entry = appendULEB(entry, uint64(info.start))

	out := append([]byte(nil), b[:8]...)
	exported := false
	r := &reader{b: b, off: 8}
	for r.off < len(r.b) {
		start := r.off
		id, _ := r.byte()
		size, _ := r.u32()
		body, _ := r.bytes(size)
		switch {
		case id == 7:
			// The export count, then the entries with ours appended.
			s := &reader{b: body}
			n, _ := s.u32()
			nb := appendULEB(nil, uint64(n)+1)
			nb = append(nb, body[s.off:]...)
			out = appendSection(out, 7, append(nb, entry...))
			exported = true
		case id == 8:
			if !exported {
				out = appendSection(out, 7, append(appendULEB(nil, 1), entry...))
				exported = true
			}
		default:
			out = append(out, b[start:r.off]...)
		}
	}
	return out
}

// Encoding, for withoutStart and the modules Verge makes (see link.go).

func appendULEB(b []byte, n uint64) []byte {
	for {
		c := byte(n & 0x7f)
		n >>= 7
		if n == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func appendSLEB(b []byte, n int64) []byte {
	for {
		c := byte(n & 0x7f)
		n >>= 7
		if (n == 0 && c&0x40 == 0) || (n == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func appendName(b []byte, s string) []byte {
	return append(appendULEB(b, uint64(len(s))), s...)
}

func appendSection(b []byte, id byte, body []byte) []byte {
	b = append(b, id)
	return append(appendULEB(b, uint64(len(body))), body...)
}

func appendLimits(b []byte, min, max uint32, hasMax bool) []byte {
	if !hasMax {
		return appendULEB(append(b, 0), uint64(min))
	}
	b = appendULEB(append(b, 1), uint64(min))
	return appendULEB(b, uint64(max))
}
