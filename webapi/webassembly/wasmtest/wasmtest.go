// Package wasmtest assembles tiny WebAssembly modules for tests: there is
// no wat2wasm here, so the test modules are written as bytecode, each next
// to the WebAssembly text it stands for.
package wasmtest

import "encoding/binary"

// Value types.
const (
	I32 byte = 0x7f
	I64 byte = 0x7e
	F32 byte = 0x7d
	F64 byte = 0x7c
)

// Export kinds.
const (
	KindFunc   byte = 0
	KindTable  byte = 1
	KindMemory byte = 2
	KindGlobal byte = 3
)

// Instructions used by the test modules.
const (
	Unreachable byte = 0x00
	Loop        byte = 0x03
	If          byte = 0x04
	Else        byte = 0x05
	End         byte = 0x0b
	Br          byte = 0x0c
	BrIf        byte = 0x0d
	Call        byte = 0x10
	Drop        byte = 0x1a
	LocalGet    byte = 0x20
	LocalTee    byte = 0x22
	GlobalGet   byte = 0x23
	GlobalSet   byte = 0x24
	I32Load8U   byte = 0x2d
	I32Store8   byte = 0x3a
	MemorySize  byte = 0x3f // followed by 0x00
	MemoryGrow  byte = 0x40 // followed by 0x00
	I32Const    byte = 0x41
	I64Const    byte = 0x42
	I32Eqz      byte = 0x45
	I32Add      byte = 0x6a
	I32Sub      byte = 0x6b
	I32DivS     byte = 0x6d
	I32Ne       byte = 0x47
	I64Add      byte = 0x7c
	F32Add      byte = 0x92
	F64Add      byte = 0xa0
	Void        byte = 0x40 // an empty block type
)

// Builder assembles a module. Functions are numbered imports first, then
// definitions, in the order they were added, as in the binary format.
type Builder struct {
	types    [][]byte
	imports  [][]byte
	nImports uint32   // imported functions
	nGlobals uint32   // imported globals
	funcs    []uint32 // type index of each defined function
	codes    [][]byte
	memory   []byte
	globals  [][]byte
	exports  [][]byte
	start    []byte
}

// ULEB128 encodes n as an unsigned LEB128.
func ULEB128(n uint64) []byte { return binary.AppendUvarint(nil, n) }

// SLEB128 encodes n as a signed LEB128 (the immediates of i32.const and
// i64.const).
func SLEB128(n int64) []byte {
	var out []byte
	for {
		b := byte(n & 0x7f)
		n >>= 7
		if (n == 0 && b&0x40 == 0) || (n == -1 && b&0x40 != 0) {
			return append(out, b)
		}
		out = append(out, b|0x80)
	}
}

func vec(items [][]byte) []byte {
	out := ULEB128(uint64(len(items)))
	for _, it := range items {
		out = append(out, it...)
	}
	return out
}

func name(s string) []byte { return append(ULEB128(uint64(len(s))), s...) }

func (b *Builder) typeIndex(params, results []byte) uint32 {
	t := append([]byte{0x60}, ULEB128(uint64(len(params)))...)
	t = append(t, params...)
	t = append(t, ULEB128(uint64(len(results)))...)
	t = append(t, results...)
	for i, have := range b.types {
		if string(have) == string(t) {
			return uint32(i)
		}
	}
	b.types = append(b.types, t)
	return uint32(len(b.types) - 1)
}

// ImportFunc imports a function and returns its index. Imports must come
// before any Func.
func (b *Builder) ImportFunc(module, field string, params, results []byte) uint32 {
	imp := append(name(module), name(field)...)
	imp = append(imp, KindFunc)
	imp = append(imp, ULEB128(uint64(b.typeIndex(params, results)))...)
	b.imports = append(b.imports, imp)
	b.nImports++
	return b.nImports - 1
}

// ImportMemory imports a memory of min pages.
func (b *Builder) ImportMemory(module, field string, min uint32) {
	b.ImportMemoryMax(module, field, min, -1)
}

// ImportMemoryMax imports a memory of min pages, and max pages unless max
// is negative.
func (b *Builder) ImportMemoryMax(module, field string, min uint32, max int) {
	imp := append(name(module), name(field)...)
	imp = append(imp, KindMemory)
	imp = append(imp, limits(min, max)...)
	b.imports = append(b.imports, imp)
}

// ImportGlobal imports a global of type t and returns its index. Imports
// must come before any Global.
func (b *Builder) ImportGlobal(module, field string, t byte, mutable bool) uint32 {
	imp := append(name(module), name(field)...)
	imp = append(imp, KindGlobal, t, 0)
	if mutable {
		imp[len(imp)-1] = 1
	}
	b.imports = append(b.imports, imp)
	b.nGlobals++
	return b.nGlobals - 1
}

// ImportTable imports a funcref table of min elements.
func (b *Builder) ImportTable(module, field string, min uint32) {
	imp := append(name(module), name(field)...)
	imp = append(imp, KindTable, 0x70)
	imp = append(imp, limits(min, -1)...)
	b.imports = append(b.imports, imp)
}

func limits(min uint32, max int) []byte {
	if max < 0 {
		return append([]byte{0x00}, ULEB128(uint64(min))...)
	}
	return append(append([]byte{0x01}, ULEB128(uint64(min))...), ULEB128(uint64(max))...)
}

// Func defines a function with extra locals of the given types and the
// body (without its final end), and returns its index.
func (b *Builder) Func(params, results, locals []byte, body ...byte) uint32 {
	b.funcs = append(b.funcs, b.typeIndex(params, results))
	code := ULEB128(uint64(len(locals)))
	for _, l := range locals {
		code = append(code, 1, l) // one local of type l
	}
	code = append(code, body...)
	code = append(code, End)
	b.codes = append(b.codes, append(ULEB128(uint64(len(code))), code...))
	return b.nImports + uint32(len(b.funcs)) - 1
}

// Memory defines the module's memory: min pages, and max pages unless max
// is negative.
func (b *Builder) Memory(min uint32, max int) { b.memory = limits(min, max) }

// Global defines a global of type t initialised by the constant
// instruction init (without its end), and returns its index (imported
// globals first).
func (b *Builder) Global(t byte, mutable bool, init ...byte) uint32 {
	g := []byte{t, 0}
	if mutable {
		g[1] = 1
	}
	g = append(g, init...)
	b.globals = append(b.globals, append(g, End))
	return b.nGlobals + uint32(len(b.globals)) - 1
}

// Export exports the item of the given kind and index as name.
func (b *Builder) Export(field string, kind byte, index uint32) {
	e := append(name(field), kind)
	b.exports = append(b.exports, append(e, ULEB128(uint64(index))...))
}

// Start makes function f the start function.
func (b *Builder) Start(f uint32) { b.start = ULEB128(uint64(f)) }

// Bytes returns the binary module.
func (b *Builder) Bytes() []byte {
	out := []byte{0x00, 'a', 's', 'm', 1, 0, 0, 0}
	section := func(id byte, body []byte) {
		out = append(out, id)
		out = append(out, ULEB128(uint64(len(body)))...)
		out = append(out, body...)
	}
	if len(b.types) > 0 {
		section(1, vec(b.types))
	}
	if len(b.imports) > 0 {
		section(2, vec(b.imports))
	}
	if len(b.funcs) > 0 {
		idx := make([][]byte, len(b.funcs))
		for i, t := range b.funcs {
			idx[i] = ULEB128(uint64(t))
		}
		section(3, vec(idx))
	}
	if b.memory != nil {
		section(5, vec([][]byte{b.memory}))
	}
	if len(b.globals) > 0 {
		section(6, vec(b.globals))
	}
	if len(b.exports) > 0 {
		section(7, vec(b.exports))
	}
	if b.start != nil {
		section(8, b.start)
	}
	if len(b.codes) > 0 {
		section(10, vec(b.codes))
	}
	return out
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// Add is the smallest useful module:
//
//	(module (func (export "add") (param i32 i32) (result i32)
//	  local.get 0 local.get 1 i32.add))
func Add() []byte {
	var b Builder
	b.Export("add", KindFunc, b.Func([]byte{I32, I32}, []byte{I32}, nil, LocalGet, 0, LocalGet, 1, I32Add))
	return b.Bytes()
}

// Numbers exports one adder per number type, a two-result function, a
// trap and a division (which traps on zero):
//
//	(func (export "add32") (param i32 i32) (result i32) ... i32.add)
//	(func (export "add64") (param i64 i64) (result i64) ... i64.add)
//	(func (export "addf32") (param f32 f32) (result f32) ... f32.add)
//	(func (export "addf64") (param f64 f64) (result f64) ... f64.add)
//	(func (export "swap") (param i32 i64) (result i64 i32) local.get 1 local.get 0)
//	(func (export "trap") unreachable)
//	(func (export "div") (param i32 i32) (result i32) ... i32.div_s)
//	(global (export "counter") (mut i32) (i32.const 7))
//	(global (export "big") i64 (i64.const -5))
func Numbers() []byte {
	var b Builder
	add := func(name string, t, op byte) {
		b.Export(name, KindFunc, b.Func([]byte{t, t}, []byte{t}, nil, LocalGet, 0, LocalGet, 1, op))
	}
	add("add32", I32, I32Add)
	add("add64", I64, I64Add)
	add("addf32", F32, F32Add)
	add("addf64", F64, F64Add)
	b.Export("swap", KindFunc, b.Func([]byte{I32, I64}, []byte{I64, I32}, nil, LocalGet, 1, LocalGet, 0))
	b.Export("trap", KindFunc, b.Func(nil, nil, nil, Unreachable))
	b.Export("div", KindFunc, b.Func([]byte{I32, I32}, []byte{I32}, nil, LocalGet, 0, LocalGet, 1, I32DivS))
	b.Export("counter", KindGlobal, b.Global(I32, true, cat([]byte{I32Const}, SLEB128(7))...))
	b.Export("big", KindGlobal, b.Global(I64, false, cat([]byte{I64Const}, SLEB128(-5))...))
	return b.Bytes()
}

// Memory has an exported memory of min pages (max pages unless negative)
// and functions over it:
//
//	(memory (export "mem") min max)
//	(func (export "load") (param i32) (result i32) local.get 0 i32.load8_u)
//	(func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store8)
//	(func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
//	(func (export "size") (result i32) memory.size)
//	;; grows by n pages at a time until memory.grow fails; returns the size
//	(func (export "hog") (param i32) (result i32)
//	  (loop (br_if 0 (i32.ne (memory.grow (local.get 0)) (i32.const -1))))
//	  memory.size)
func Memory(min uint32, max int) []byte {
	var b Builder
	b.Memory(min, max)
	b.Export("mem", KindMemory, 0)
	b.Export("load", KindFunc, b.Func([]byte{I32}, []byte{I32}, nil, LocalGet, 0, I32Load8U, 0, 0))
	b.Export("store", KindFunc, b.Func([]byte{I32, I32}, nil, nil, LocalGet, 0, LocalGet, 1, I32Store8, 0, 0))
	b.Export("grow", KindFunc, b.Func([]byte{I32}, []byte{I32}, nil, LocalGet, 0, MemoryGrow, 0))
	b.Export("size", KindFunc, b.Func(nil, []byte{I32}, nil, MemorySize, 0))
	b.Export("hog", KindFunc, b.Func([]byte{I32}, []byte{I32}, nil,
		Loop, Void,
		LocalGet, 0, MemoryGrow, 0, I32Const, 0x7f /* -1 */, I32Ne, BrIf, 0,
		End,
		MemorySize, 0))
	return b.Bytes()
}

// Imports calls back into JavaScript:
//
//	(import "env" "log" (func $log (param i32)))
//	(import "env" "twice" (func $twice (param i64) (result i64)))
//	(import "math" "half" (func $half (param f64) (result f64)))
//	(func (export "run") (param i32) (result i32)
//	  local.get 0 call $log  local.get 0 i32.const 1 i32.add)
//	(func (export "twice") (param i64) (result i64) local.get 0 call $twice)
//	(func (export "half") (param f64) (result f64) local.get 0 call $half)
func Imports() []byte {
	var b Builder
	log := b.ImportFunc("env", "log", []byte{I32}, nil)
	twice := b.ImportFunc("env", "twice", []byte{I64}, []byte{I64})
	half := b.ImportFunc("math", "half", []byte{F64}, []byte{F64})
	b.Export("run", KindFunc, b.Func([]byte{I32}, []byte{I32}, nil,
		LocalGet, 0, Call, byte(log), LocalGet, 0, I32Const, 1, I32Add))
	b.Export("twice", KindFunc, b.Func([]byte{I64}, []byte{I64}, nil, LocalGet, 0, Call, byte(twice)))
	b.Export("half", KindFunc, b.Func([]byte{F64}, []byte{F64}, nil, LocalGet, 0, Call, byte(half)))
	return b.Bytes()
}

// Start has a start function that calls an import:
//
//	(import "env" "hello" (func $hello (param i32)))
//	(func $start i32.const 42 call $hello)
//	(start $start)
func Start() []byte {
	var b Builder
	hello := b.ImportFunc("env", "hello", []byte{I32}, nil)
	b.Start(b.Func(nil, nil, nil, I32Const, 42, Call, byte(hello)))
	return b.Bytes()
}

// Spin loops forever, in its export or in its start function:
//
//	(func (export "spin") (loop (br 0)))
func Spin(inStart bool) []byte {
	var b Builder
	f := b.Func(nil, nil, nil, Loop, Void, Br, 0, End)
	if inStart {
		b.Start(f)
	} else {
		b.Export("spin", KindFunc, f)
	}
	return b.Bytes()
}

// ImportsMemory imports its memory, which Verge does not support:
//
//	(import "env" "memory" (memory 1))
func ImportsMemory() []byte {
	var b Builder
	b.ImportMemory("env", "memory", 1)
	return b.Bytes()
}

// Recurse recurses, without end or to a depth, and calls back into
// JavaScript at the bottom:
//
//	(import "env" "bottom" (func $bottom))
//	(func $forever (export "forever") call $forever)
//	(func $depth (export "depth") (param i32) (result i32)
//	  local.get 0 i32.eqz
//	  if (result i32) call $bottom i32.const 0
//	  else local.get 0 i32.const 1 i32.sub call $depth i32.const 1 i32.add end)
func Recurse() []byte {
	var b Builder
	bottom := b.ImportFunc("env", "bottom", nil, nil)
	forever := b.nImports + uint32(len(b.funcs))
	b.Export("forever", KindFunc, b.Func(nil, nil, nil, Call, byte(forever)))
	depth := b.nImports + uint32(len(b.funcs))
	b.Export("depth", KindFunc, b.Func([]byte{I32}, []byte{I32}, nil,
		LocalGet, 0, I32Eqz,
		If, I32, Call, byte(bottom), I32Const, 0,
		Else, LocalGet, 0, I32Const, 1, I32Sub, Call, byte(depth), I32Const, 1, I32Add,
		End))
	return b.Bytes()
}

// RecurseInStart recurses without end in its start function:
//
//	(func $f call $f) (start $f)
func RecurseInStart() []byte {
	var b Builder
	b.Start(b.Func(nil, nil, nil, Call, 0))
	return b.Bytes()
}

// ImportsMemoryAndGlobals imports its memory and globals, exports functions
// over them and exports what it imported:
//
//	(import "env" "memory" (memory min max))
//	(import "env" "base" (global $base i32))
//	(import "env" "counter" (global $counter (mut i32)))
//	(import "env" "log" (func $log (param i32)))
//	(import "js" "big" (global $big i64))
//	(func (export "load") (param i32) (result i32) local.get 0 global.get $base i32.add i32.load8_u)
//	(func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store8)
//	(func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
//	(func (export "bump") (result i32)
//	  global.get $counter i32.const 1 i32.add global.set $counter global.get $counter call $log global.get $counter)
//	(export "mem" (memory 0)) (export "counter" (global $counter)) (export "big" (global $big))
func ImportsMemoryAndGlobals(min uint32, max int) []byte {
	var b Builder
	b.ImportMemoryMax("env", "memory", min, max)
	base := b.ImportGlobal("env", "base", I32, false)
	counter := b.ImportGlobal("env", "counter", I32, true)
	log := b.ImportFunc("env", "log", []byte{I32}, nil)
	big := b.ImportGlobal("js", "big", I64, false)
	b.Export("load", KindFunc, b.Func([]byte{I32}, []byte{I32}, nil, LocalGet, 0, GlobalGet, byte(base), I32Add, I32Load8U, 0, 0))
	b.Export("store", KindFunc, b.Func([]byte{I32, I32}, nil, nil, LocalGet, 0, LocalGet, 1, I32Store8, 0, 0))
	b.Export("grow", KindFunc, b.Func([]byte{I32}, []byte{I32}, nil, LocalGet, 0, MemoryGrow, 0))
	b.Export("bump", KindFunc, b.Func(nil, []byte{I32}, nil,
		GlobalGet, byte(counter), I32Const, 1, I32Add, GlobalSet, byte(counter),
		GlobalGet, byte(counter), Call, byte(log), GlobalGet, byte(counter)))
	b.Export("mem", KindMemory, 0)
	b.Export("counter", KindGlobal, counter)
	b.Export("big", KindGlobal, big)
	return b.Bytes()
}
