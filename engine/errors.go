package engine

import (
	"errors"
	"fmt"
	"strings"

	lib "modernc.org/libquickjs"
)

// Error is a JavaScript exception seen from Go, or an error an op throws
// into JavaScript.
//
// Name selects the JavaScript class when an op returns it: the built-in error
// constructors (Error, TypeError, RangeError, SyntaxError, ReferenceError)
// or, for any other name, a DOMException with that name.
type Error struct {
	Name    string
	Message string
	Stack   string
	// Value is the thrown value when it was not an Error object, as text.
	Value string
}

func (e *Error) Error() string {
	if e.Name == "" && e.Value != "" {
		return "Uncaught " + e.Value
	}
	if e.Message == "" {
		return e.Name
	}
	return e.Name + ": " + e.Message
}

// TypeError returns an error that an op throws as a JavaScript TypeError.
func TypeError(format string, args ...any) error {
	return &Error{Name: "TypeError", Message: fmt.Sprintf(format, args...)}
}

// RangeError returns an error that an op throws as a JavaScript RangeError.
func RangeError(format string, args ...any) error {
	return &Error{Name: "RangeError", Message: fmt.Sprintf(format, args...)}
}

// DOMException returns an error that an op throws as a DOMException with
// the given name (for example "InvalidStateError" or "DataError").
func DOMException(name, format string, args ...any) error {
	return &Error{Name: name, Message: fmt.Sprintf(format, args...)}
}

// takeException removes the pending exception and converts it. An interrupt
// or an out-of-memory condition becomes the matching sentinel error.
func (vm *VM) takeException() error {
	ex := Value{vm, lib.XJS_GetException(vm.tls, vm.ctx)}
	defer ex.Free()
	e := vm.errorFromValue(ex)
	// What the exception says comes first: a script that ran out of memory
	// after also using up its CPU budget ran out of memory.
	if e.Name == "InternalError" && e.Message == "out of memory" {
		return ErrOutOfMemory
	}
	if vm.interrupted != nil {
		return vm.interrupted
	}
	if e.Name == "InternalError" && e.Message == "interrupted" {
		return ErrInterrupted
	}
	return e
}

func (vm *VM) dropException() {
	lib.XFreeValue(vm.tls, vm.ctx, lib.XJS_GetException(vm.tls, vm.ctx))
}

// ErrorFrom converts a thrown JavaScript value (such as a promise's
// rejection reason) into an error: ErrOutOfMemory for the engine's
// out-of-memory error, which scripts can catch and rethrow, else an *Error.
func (vm *VM) ErrorFrom(v Value) error {
	e := vm.errorFromValue(v)
	if e.Name == "InternalError" && e.Message == "out of memory" {
		return ErrOutOfMemory
	}
	return e
}

func (vm *VM) errorFromValue(ex Value) *Error {
	if !ex.IsObject() {
		s, _ := ex.String()
		if ex.IsString() {
			s = fmt.Sprintf("%q", s)
		}
		return &Error{Value: s}
	}
	prop := func(name string) string {
		v, err := ex.Get(name)
		if err != nil {
			return ""
		}
		defer v.Free()
		if v.IsUndefined() {
			return ""
		}
		s, err := v.String()
		if err != nil {
			vm.dropException()
		}
		return s
	}
	e := &Error{Name: prop("name"), Message: prop("message"), Stack: prop("stack")}
	if e.Name == "" && e.Message == "" {
		s, err := ex.String()
		if err != nil {
			vm.dropException()
		}
		e.Value = s
	}
	return e
}

// throw turns a Go error from an op into a pending JavaScript exception and
// returns the engine's exception marker.
func (vm *VM) throw(err error) lib.TJSValue {
	var je *Error
	if !errors.As(err, &je) {
		je = &Error{Name: "Error", Message: err.Error()}
	}
	ctorName := je.Name
	args := []Value{vm.NewString(je.Message)}
	switch je.Name {
	case "Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError", "EvalError", "URIError":
	default:
		ctorName = "DOMException"
		args = append(args, vm.NewString(je.Name))
	}
	defer func() {
		for _, a := range args {
			a.Free()
		}
	}()
	g := vm.Global()
	defer g.Free()
	ctor, err2 := g.Get(ctorName)
	fallback := err2 != nil || !ctor.IsFunction()
	if fallback {
		// No DOMException in this VM (a minimal prelude): an Error with
		// the right name still lets code branch on e.name.
		ctor.Free()
		ctor, _ = g.Get("Error")
		args = args[:1]
	}
	defer ctor.Free()
	obj, err2 := vm.construct(ctor, args...)
	if err2 != nil {
		// Constructing the error threw; that exception is pending already.
		return mkval(lib.EJS_TAG_EXCEPTION, 0)
	}
	if fallback && je.Name != "Error" {
		obj.Set("name", vm.NewString(je.Name))
	}
	return lib.XJS_Throw(vm.tls, vm.ctx, obj.v)
}

// construct calls ctor with new. Arguments are borrowed.
func (vm *VM) construct(ctor Value, args ...Value) (Value, error) {
	tls := vm.tls
	size := len(args) * 16
	var argv uintptr
	if size > 0 {
		argv = tls.Alloc(size)
		for i, a := range args {
			*(*lib.TJSValue)(unsafePointer(argv + uintptr(i*16))) = a.v
		}
	}
	r := lib.XJS_CallConstructor(tls, vm.ctx, ctor.v, int32(len(args)), argv)
	if size > 0 {
		tls.Free(size)
	}
	if isException(r) {
		return Value{}, vm.takeException()
	}
	return Value{vm, r}, nil
}

// Construct calls ctor with new. Arguments are borrowed.
func (vm *VM) Construct(ctor Value, args ...Value) (Value, error) {
	vm.enter()
	defer vm.leave()
	return vm.construct(ctor, args...)
}

// FormatError renders a JavaScript error for logs: "Name: message" and the
// stack frames.
func FormatError(err error) string {
	var je *Error
	if !errors.As(err, &je) {
		return err.Error()
	}
	s := je.Error()
	if je.Stack != "" {
		s += "\n" + strings.TrimRight(je.Stack, "\n")
	}
	return s
}
