package webassembly

import (
	"errors"
	"fmt"
)

// What the JavaScript API needs from a module's binary that wazero does not
// say: imports and exports of every kind in module order (Module.imports,
// Module.exports and the order of instance.exports are specified to follow
// it), and the minimum size of the module's own memory (to refuse an
// instance over the memory budget before wazero allocates it). The module
// has been validated by wazero before this runs; the reader still checks
// every bound because a bug here must not read out of range.

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

// limits reads a limits type and returns its minimum.
func (r *reader) limits() (uint32, error) {
	flags, err := r.byte()
	if err != nil {
		return 0, err
	}
	min, err := r.u32()
	if err == nil && flags&1 != 0 {
		_, err = r.u32()
	}
	return min, err
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
				_, err = r.limits()
			}
		case kindMemory:
			_, err = r.limits()
		case kindGlobal:
			_, err = r.bytes(2) // value type, mutability
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
	info.memMin, err = r.limits()
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
