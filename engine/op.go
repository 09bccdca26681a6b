package engine

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"unsafe"

	"modernc.org/libc"
	lib "modernc.org/libquickjs"
)

// Op is a Go function that JavaScript calls as verge.ops.<name>(...args).
//
// The arguments in c are borrowed. The returned Value is handed to
// JavaScript (the op gives up ownership). A returned error is thrown: an
// *Error selects the JavaScript class (see Error), anything else becomes an
// Error with the message.
type Op func(c *Call) (Value, error)

// Extension is a Web API area: its prelude scripts, in load order, and the
// ops they call.
type Extension struct {
	Name    string
	Scripts []Script
	Ops     map[string]Op
	// Lazy, when set, names the globals the extension defines: its scripts
	// then run on the first touch of one of them instead of in every new
	// VM, which keeps rarely used areas out of idle VMs' memory. The
	// bootstrap script provides the loader (verge.lazy) and the extension
	// must define exactly these globals and nothing other extensions use.
	Lazy []string
}

// Script is one prelude JavaScript file (a classic script).
type Script struct {
	Name   string
	Source string
}

// Call is one invocation of an op.
type Call struct {
	VM   *VM
	Args []Value
	This Value
}

// Arg returns argument i, or undefined when there are fewer arguments.
func (c *Call) Arg(i int) Value {
	if i < len(c.Args) {
		return c.Args[i]
	}
	return c.VM.Undefined()
}

// String returns argument i converted with String().
func (c *Call) String(i int) (string, error) { return c.Arg(i).String() }

// Bytes returns a copy of argument i, which must be an ArrayBuffer or view.
func (c *Call) Bytes(i int) ([]byte, error) { return c.Arg(i).Bytes() }

// View returns the bytes of argument i without copying. The slice is valid
// only until the op returns and must not be kept.
func (c *Call) View(i int) ([]byte, error) {
	b, ok := c.Arg(i).view()
	if !ok {
		return nil, TypeError("argument %d is not an ArrayBuffer or ArrayBufferView", i+1)
	}
	return b, nil
}

// Int returns argument i converted to an integer.
func (c *Call) Int(i int) (int64, error) { return c.Arg(i).Int() }

// Float returns argument i converted to a number.
func (c *Call) Float(i int) (float64, error) { return c.Arg(i).Float() }

// Bool returns argument i converted with JavaScript truthiness.
func (c *Call) Bool(i int) bool { return c.Arg(i).Bool() }

// Completion finishes an async op on the VM's goroutine: the value it
// returns fulfils the op's promise, the error rejects it.
type Completion func(vm *VM) (Value, error)

// Async runs work on its own goroutine and returns a promise that its
// Completion settles on the VM's goroutine. work gets a context that is
// cancelled when the VM closes; it must not touch the VM.
func (c *Call) Async(work func(ctx context.Context) Completion) (Value, error) {
	return c.VM.Async(work)
}

// Async is Call.Async for Go code outside an op.
func (vm *VM) Async(work func(ctx context.Context) Completion) (Value, error) {
	p, resolve, reject, err := vm.NewPromise()
	if err != nil {
		return Value{}, err
	}
	l := &vm.loop
	l.pending++
	l.nextAsync++
	id := l.nextAsync
	if l.asyncs == nil {
		l.asyncs = map[int64][2]Value{}
	}
	l.asyncs[id] = [2]Value{resolve, reject}
	ctx := vm.baseCtx
	task := vm.task
	take := func() ([2]Value, bool) {
		fns, ok := l.asyncs[id]
		if ok {
			delete(l.asyncs, id)
			l.pending--
		}
		return fns, ok
	}
	go func() {
		done := work(ctx)
		vm.post(posted{
			task: task,
			run: func() {
				if fns, ok := take(); ok {
					settle(vm, done, fns[0], fns[1])
				}
			},
			// The task has ended: nobody awaits the result.
			skip: func() {
				if fns, ok := take(); ok {
					fns[0].Free()
					fns[1].Free()
				}
			},
		})
	}()
	return p, nil
}

func settle(vm *VM, done Completion, resolve, reject Value) {
	defer resolve.Free()
	defer reject.Free()
	var (
		v   Value
		err error
	)
	if done != nil {
		v, err = done(vm)
	} else {
		v = vm.Undefined()
	}
	if err != nil {
		ex := vm.errorValue(err)
		r, cerr := reject.Call(vm.Undefined(), ex)
		ex.Free()
		r.Free()
		vm.reportIfError(cerr)
		return
	}
	r, cerr := resolve.Call(vm.Undefined(), v)
	v.Free()
	r.Free()
	vm.reportIfError(cerr)
}

// errorValue builds the JavaScript error object for err, as throw would.
func (vm *VM) errorValue(err error) Value {
	vm.throw(err)
	return Value{vm, lib.XJS_GetException(vm.tls, vm.ctx)}
}

// NewPromise returns a new pending promise and its resolve and reject
// functions, all owned by the caller.
func (vm *VM) NewPromise() (promise, resolve, reject Value, err error) {
	size := 2 * int(unsafe.Sizeof(lib.TJSValue{}))
	funcs := vm.tls.Alloc(size)
	defer vm.tls.Free(size)
	p := lib.XJS_NewPromiseCapability(vm.tls, vm.ctx, funcs)
	if isException(p) {
		return Value{}, Value{}, Value{}, vm.takeException()
	}
	resolve = Value{vm, *(*lib.TJSValue)(unsafePointer(funcs))}
	reject = Value{vm, *(*lib.TJSValue)(unsafePointer(funcs + unsafe.Sizeof(lib.TJSValue{})))}
	return Value{vm, p}, resolve, reject, nil
}

type opEntry struct {
	name string
	fn   Op
}

// installOps defines globalThis.__verge_ops, which bootstrap.js takes and
// hides. Every op is a C function object whose magic number indexes vm.ops;
// all of them enter Go through the VM's one dispatch function.
func (vm *VM) installOps(ops map[string]Op) error {
	names := make([]string, 0, len(ops))
	for name := range ops {
		names = append(names, name)
	}
	sort.Strings(names)
	if len(names) > 32000 {
		return fmt.Errorf("engine: too many ops (%d)", len(names))
	}
	obj := vm.NewObject()
	for _, name := range names {
		vm.ops = append(vm.ops, opEntry{name, ops[name]})
		cname := vm.cstring(name)
		fn := lib.XJS_NewCFunction2(vm.tls, vm.ctx, fp(vm.dispatch), cname, 0, lib.EJS_CFUNC_generic_magic, int32(len(vm.ops)-1))
		r := lib.XJS_DefinePropertyValueStr(vm.tls, vm.ctx, obj.v, cname, fn, lib.MJS_PROP_THROW)
		vm.freeCString(cname)
		if isException(fn) || r < 0 {
			obj.Free()
			return fmt.Errorf("engine: defining op %s: %w", name, vm.takeException())
		}
	}
	g := vm.Global()
	defer g.Free()
	return g.Set("__verge_ops", obj)
}

// callOp is the dispatcher the engine calls for every op.
func (vm *VM) callOp(tls *libc.TLS, ctx uintptr, this lib.TJSValue, argc int32, argv uintptr, magic int32) (r lib.TJSValue) {
	if magic < 0 || int(magic) >= len(vm.ops) {
		return vm.throw(fmt.Errorf("engine: unknown op %d", magic))
	}
	op := vm.ops[magic]
	var buf [6]Value
	args := buf[:0]
	for i := 0; i < int(argc); i++ {
		args = append(args, Value{vm, *(*lib.TJSValue)(unsafePointer(argv + uintptr(i)*unsafe.Sizeof(lib.TJSValue{})))})
	}
	defer func() {
		if p := recover(); p != nil {
			// A panicking op is a bug in the runtime, not in the worker;
			// keep the process up and surface it as an exception.
			r = vm.throw(&Error{Name: "Error", Message: fmt.Sprintf("internal error in op %s: %v", op.name, p)})
		}
	}()
	c := Call{VM: vm, Args: args, This: Value{vm, this}}
	v, err := op.fn(&c)
	if err != nil {
		v.Free()
		if isFatal(err) {
			// JavaScript this op called was stopped; the stop must not
			// become an exception the script can catch.
			r = vm.throw(&Error{Name: "Error", Message: err.Error()})
			lib.XJS_SetUncatchableException(tls, ctx, 1)
			return r
		}
		if vm.interrupted != nil || lib.XJS_HasException(tls, ctx) != 0 {
			return mkval(lib.EJS_TAG_EXCEPTION, 0)
		}
		return vm.throw(err)
	}
	if v.vm == nil {
		return jsUndefined
	}
	return v.v
}

func unsafePointer(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }

// Scripts reads prelude scripts, in the order given, from an embedded file
// system; each is named ext:<area>/<file> in stack traces. A missing file
// is a build mistake and panics.
func Scripts(fsys fs.FS, area string, files ...string) []Script {
	out := make([]Script, len(files))
	for i, name := range files {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			panic(fmt.Sprintf("engine: %s: %v", area, err))
		}
		out[i] = Script{Name: "ext:" + area + "/" + name, Source: string(b)}
	}
	return out
}
