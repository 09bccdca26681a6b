package engine

import (
	"math"
	"unicode/utf8"
	"unsafe"

	"modernc.org/libc"
	lib "modernc.org/libquickjs"
)

// Value is a JavaScript value held by Go.
//
// A Value returned by a VM method is owned by the caller, who must Free it or
// hand it back to the engine (as an op's result, or to a method documented as
// taking ownership). The arguments an Op receives are borrowed: they are valid
// only during the call; Dup one to keep it.
type Value struct {
	vm *VM
	v  lib.TJSValue
}

func mkval(tag int64, payload uint64) lib.TJSValue {
	var v lib.TJSValue
	v.Ftag = tag
	v.Fu.Fuint641 = payload
	return v
}

var (
	jsUndefined = mkval(lib.EJS_TAG_UNDEFINED, 0)
	jsNull      = mkval(lib.EJS_TAG_NULL, 0)
)

func jsInt32(n int32) lib.TJSValue { return mkval(lib.EJS_TAG_INT, uint64(uint32(n))) }

func jsFloat(f float64) lib.TJSValue {
	if f == math.Trunc(f) && f >= math.MinInt32 && f <= math.MaxInt32 && !(f == 0 && math.Signbit(f)) {
		return jsInt32(int32(f))
	}
	return mkval(lib.EJS_TAG_FLOAT64, math.Float64bits(f))
}

func jsBool(b bool) lib.TJSValue {
	if b {
		return mkval(lib.EJS_TAG_BOOL, 1)
	}
	return mkval(lib.EJS_TAG_BOOL, 0)
}

func isException(v lib.TJSValue) bool { return v.Ftag == lib.EJS_TAG_EXCEPTION }

// refcounted reports whether v carries a reference count (all negative tags).
func refcounted(v lib.TJSValue) bool { return v.Ftag < 0 }

// Free releases the value. It is safe on zero and non-refcounted values.
func (x Value) Free() {
	if x.vm != nil && refcounted(x.v) && !x.vm.closed {
		lib.XFreeValue(x.vm.tls, x.vm.ctx, x.v)
	}
}

// Dup returns a new reference to the same value.
func (x Value) Dup() Value {
	if x.vm != nil && refcounted(x.v) {
		return Value{x.vm, lib.XDupValue(x.vm.tls, x.vm.ctx, x.v)}
	}
	return x
}

// IsUndefined reports whether the value is undefined (or the zero Value).
func (x Value) IsUndefined() bool { return x.vm == nil || x.v.Ftag == lib.EJS_TAG_UNDEFINED }

// IsNull reports whether the value is null.
func (x Value) IsNull() bool { return x.v.Ftag == lib.EJS_TAG_NULL }

// IsNullish reports whether the value is null or undefined.
func (x Value) IsNullish() bool { return x.IsUndefined() || x.IsNull() }

// IsString reports whether the value is a string.
func (x Value) IsString() bool {
	return x.v.Ftag == lib.EJS_TAG_STRING || x.v.Ftag == lib.EJS_TAG_STRING_ROPE
}

// IsNumber reports whether the value is a number.
func (x Value) IsNumber() bool {
	return x.v.Ftag == lib.EJS_TAG_INT || x.v.Ftag == lib.EJS_TAG_FLOAT64
}

// IsBool reports whether the value is a boolean.
func (x Value) IsBool() bool { return x.v.Ftag == lib.EJS_TAG_BOOL }

// IsObject reports whether the value is an object (functions included).
func (x Value) IsObject() bool { return x.v.Ftag == lib.EJS_TAG_OBJECT }

// IsFunction reports whether the value is callable.
func (x Value) IsFunction() bool {
	return x.IsObject() && lib.XJS_IsFunction(x.vm.tls, x.vm.ctx, x.v) != 0
}

// IsArray reports whether the value is an Array.
func (x Value) IsArray() bool {
	return x.IsObject() && lib.XJS_IsArray(x.vm.tls, x.vm.ctx, x.v) > 0
}

// IsError reports whether the value is an Error object.
func (x Value) IsError() bool {
	return x.IsObject() && lib.XJS_IsError(x.vm.tls, x.vm.ctx, x.v) != 0
}

// Bool converts the value with JavaScript truthiness.
func (x Value) Bool() bool {
	switch x.v.Ftag {
	case lib.EJS_TAG_BOOL, lib.EJS_TAG_INT:
		return uint32(x.v.Fu.Fuint641) != 0
	case lib.EJS_TAG_UNDEFINED, lib.EJS_TAG_NULL:
		return false
	}
	if x.vm == nil {
		return false
	}
	return lib.XJS_ToBool(x.vm.tls, x.vm.ctx, x.v) > 0
}

// Float converts the value to a number as JavaScript's ToNumber does.
func (x Value) Float() (float64, error) {
	switch x.v.Ftag {
	case lib.EJS_TAG_INT:
		return float64(int32(uint32(x.v.Fu.Fuint641))), nil
	case lib.EJS_TAG_FLOAT64:
		return math.Float64frombits(x.v.Fu.Fuint641), nil
	case lib.EJS_TAG_UNDEFINED:
		return math.NaN(), nil
	}
	if x.vm == nil {
		return math.NaN(), nil
	}
	tls := x.vm.tls
	p := tls.Alloc(8)
	defer tls.Free(8)
	if lib.XJS_ToFloat64(tls, x.vm.ctx, p, x.v) < 0 {
		return 0, x.vm.takeException()
	}
	return *(*float64)(unsafePointer(p)), nil
}

// Int converts the value to an integer (ToNumber, then truncation; NaN is 0).
func (x Value) Int() (int64, error) {
	if x.v.Ftag == lib.EJS_TAG_INT {
		return int64(int32(uint32(x.v.Fu.Fuint641))), nil
	}
	f, err := x.Float()
	if err != nil {
		return 0, err
	}
	switch {
	case math.IsNaN(f):
		return 0, nil
	case f >= math.MaxInt64:
		return math.MaxInt64, nil
	case f <= math.MinInt64:
		return math.MinInt64, nil
	}
	return int64(f), nil
}

// String converts the value to a Go string as JavaScript's String() does.
// Lone surrogates become U+FFFD, so the result is valid UTF-8.
func (x Value) String() (string, error) {
	if x.vm == nil {
		return "undefined", nil
	}
	tls := x.vm.tls
	plen := tls.Alloc(8)
	defer tls.Free(8)
	p := lib.XJS_ToCStringLen2(tls, x.vm.ctx, plen, x.v, 0)
	if p == 0 {
		return "", x.vm.takeException()
	}
	n := *(*libc.Tsize_t)(unsafePointer(plen))
	b := unsafe.Slice((*byte)(unsafePointer(p)), n)
	s := fromCESU(b)
	lib.XJS_FreeCString(tls, x.vm.ctx, p)
	return s, nil
}

// fromCESU copies the engine's UTF-8 (which encodes lone surrogates as
// three-byte sequences) into a valid Go string.
func fromCESU(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
			if i+3 <= len(b) && b[i] == 0xED && b[i+1] >= 0xA0 {
				size = 3 // an encoded surrogate half
			} else {
				size = 1
			}
		} else {
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return string(out)
}

// Bytes returns a copy of the bytes of an ArrayBuffer, a typed array or a
// DataView. Any other value is a TypeError.
func (x Value) Bytes() ([]byte, error) {
	b, ok := x.view()
	if !ok {
		return nil, TypeError("argument is not an ArrayBuffer or ArrayBufferView")
	}
	return append([]byte(nil), b...), nil
}

// view returns the bytes of an ArrayBuffer or ArrayBufferView without copying.
// The slice aliases engine memory: it is valid only until JavaScript runs
// again.
func (x Value) view() ([]byte, bool) {
	if !x.IsObject() {
		return nil, false
	}
	vm := x.vm
	tls := vm.tls
	// By class first: asking the engine for an ArrayBuffer of a typed array
	// (the usual body) throws a TypeError, whose backtrace cost 3% of a
	// hello-world request.
	class := lib.XJS_GetClassID(tls, x.v)
	isBuffer := class == lib.EJS_CLASS_ARRAY_BUFFER || class == lib.EJS_CLASS_SHARED_ARRAY_BUFFER
	if !isBuffer && (class < lib.EJS_CLASS_UINT8C_ARRAY || class > lib.EJS_CLASS_DATAVIEW) {
		return nil, false
	}
	bp := tls.Alloc(32)
	defer tls.Free(32)
	if !isBuffer {
		return x.typedView(bp)
	}
	if p := lib.XJS_GetArrayBuffer(tls, vm.ctx, bp, x.v); p != 0 {
		return unsafe.Slice((*byte)(unsafePointer(p)), *(*libc.Tsize_t)(unsafePointer(bp))), true
	} else if *(*libc.Tsize_t)(unsafePointer(bp)) == 0 && lib.XJS_HasException(tls, vm.ctx) == 0 {
		// A zero-length or detached ArrayBuffer.
		return []byte{}, true
	}
	vm.dropException()
	return nil, false
}

// typedView is view for a typed array or a DataView; bp is 32 bytes of
// scratch in the engine's memory.
func (x Value) typedView(bp uintptr) ([]byte, bool) {
	vm := x.vm
	tls := vm.tls
	// JS_GetTypedArrayBuffer also accepts DataView.
	ab := lib.XJS_GetTypedArrayBuffer(tls, vm.ctx, x.v, bp, bp+8, bp+16)
	if isException(ab) {
		vm.dropException()
		return nil, false
	}
	defer lib.XFreeValue(tls, vm.ctx, ab)
	off := *(*libc.Tsize_t)(unsafePointer(bp))
	n := *(*libc.Tsize_t)(unsafePointer(bp + 8))
	p := lib.XJS_GetArrayBuffer(tls, vm.ctx, bp+24, ab)
	if p == 0 {
		vm.dropException()
		return []byte{}, true
	}
	return unsafe.Slice((*byte)(unsafePointer(p+uintptr(off))), n), true
}

// Get returns the named property.
func (x Value) Get(name string) (Value, error) {
	if !x.IsObject() {
		return Value{x.vm, jsUndefined}, nil
	}
	vm := x.vm
	cs := vm.cstring(name)
	v := lib.XJS_GetPropertyStr(vm.tls, vm.ctx, x.v, cs)
	vm.freeCString(cs)
	if isException(v) {
		return Value{}, vm.takeException()
	}
	return Value{vm, v}, nil
}

// Index returns the element at index i.
func (x Value) Index(i int) (Value, error) {
	vm := x.vm
	v := lib.XJS_GetPropertyUint32(vm.tls, vm.ctx, x.v, uint32(i))
	if isException(v) {
		return Value{}, vm.takeException()
	}
	return Value{vm, v}, nil
}

// Len returns the value of the length property as an int.
func (x Value) Len() (int, error) {
	l, err := x.Get("length")
	if err != nil {
		return 0, err
	}
	n, err := l.Int()
	l.Free()
	return int(n), err
}

// Set sets the named property. It takes ownership of v.
func (x Value) Set(name string, v Value) error {
	vm := x.vm
	cs := vm.cstring(name)
	r := lib.XJS_SetPropertyStr(vm.tls, vm.ctx, x.v, cs, v.v)
	vm.freeCString(cs)
	if r < 0 {
		return vm.takeException()
	}
	return nil
}

// SetIndex sets element i. It takes ownership of v.
func (x Value) SetIndex(i int, v Value) error {
	vm := x.vm
	if lib.XJS_SetPropertyUint32(vm.tls, vm.ctx, x.v, uint32(i), v.v) < 0 {
		return vm.takeException()
	}
	return nil
}

// Call calls the value as a function. The arguments are borrowed.
func (x Value) Call(this Value, args ...Value) (Value, error) {
	vm := x.vm
	tls := vm.tls
	n := len(args)
	var argv uintptr
	size := n * int(unsafe.Sizeof(lib.TJSValue{}))
	if n > 0 {
		argv = tls.Alloc(size)
		for i, a := range args {
			*(*lib.TJSValue)(unsafePointer(argv + uintptr(i)*unsafe.Sizeof(lib.TJSValue{}))) = a.v
		}
	}
	thisv := this.v
	if this.vm == nil {
		thisv = jsUndefined
	}
	vm.enter()
	r := lib.XJS_Call(tls, vm.ctx, x.v, thisv, int32(n), argv)
	vm.leave()
	if n > 0 {
		tls.Free(size)
	}
	if isException(r) {
		return Value{}, vm.takeException()
	}
	return Value{vm, r}, nil
}

// JSON returns JSON.stringify(value); undefined gives "".
func (x Value) JSON() (string, error) {
	vm := x.vm
	r := lib.XJS_JSONStringify(vm.tls, vm.ctx, x.v, jsUndefined, jsUndefined)
	if isException(r) {
		return "", vm.takeException()
	}
	defer lib.XFreeValue(vm.tls, vm.ctx, r)
	if r.Ftag == lib.EJS_TAG_UNDEFINED {
		return "", nil
	}
	return Value{vm, r}.String()
}

// PromiseState reports the state of a promise value.
func (x Value) PromiseState() PromiseState {
	if !x.IsObject() {
		return NotAPromise
	}
	switch lib.XJS_PromiseState(x.vm.tls, x.vm.ctx, x.v) {
	case lib.EJS_PROMISE_PENDING:
		return PromisePending
	case lib.EJS_PROMISE_FULFILLED:
		return PromiseFulfilled
	case lib.EJS_PROMISE_REJECTED:
		return PromiseRejected
	}
	return NotAPromise
}

// PromiseResult returns the settled value of a fulfilled or rejected promise.
func (x Value) PromiseResult() Value {
	return Value{x.vm, lib.XJS_PromiseResult(x.vm.tls, x.vm.ctx, x.v)}
}

// PromiseState is the state of a promise.
type PromiseState int

// Promise states.
const (
	NotAPromise PromiseState = iota
	PromisePending
	PromiseFulfilled
	PromiseRejected
)

func (s PromiseState) String() string {
	return [...]string{"not a promise", "pending", "fulfilled", "rejected"}[s]
}

// validUTF8 replaces each invalid byte of s with U+FFFD.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	out := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
			i++
			continue
		}
		out = append(out, s[i:i+size]...)
		i += size
	}
	return string(out)
}
