package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	kvbinding "github.com/verge-edge/verge/bindings/kv"
	"github.com/verge-edge/verge/bindings/ratelimit"
	"github.com/verge-edge/verge/engine"
	"github.com/verge-edge/verge/webapi/cache"
	"github.com/verge-edge/verge/webapi/console"
	"github.com/verge-edge/verge/webapi/fetch"
	"github.com/verge-edge/verge/webapi/webassembly"
)

// registration holds the runtime functions worker.js hands to Go.
type registration struct{ init, dispatch, done, passThrough, makeBinding engine.Value }

func (r *registration) Release() {
	r.makeBinding.Free()
	r.init.Free()
	r.dispatch.Free()
	r.done.Free()
	r.passThrough.Free()
}

const stateKey = "worker.registration"

func opRegister(c *engine.Call) (engine.Value, error) {
	for i := 0; i < 5; i++ {
		if !c.Arg(i).IsFunction() {
			return engine.Value{}, engine.TypeError("worker_register: functions expected")
		}
	}
	c.VM.SetState(stateKey, &registration{c.Arg(0).Dup(), c.Arg(1).Dup(), c.Arg(2).Dup(), c.Arg(3).Dup(), c.Arg(4).Dup()})
	return c.VM.Undefined(), nil
}

// isolate is one VM with the worker loaded.
type isolate struct {
	w     *Worker
	vm    *engine.VM
	reg   *registration
	env   engine.Value
	style string
	// moduleConfig is the bundle's `config` export as JSON, or nil.
	moduleConfig json.RawMessage
	heap         int64 // last measured heap bytes, counted in w.heap

	// Guarded by w.mu.
	active   int  // requests in flight
	poisoned bool // hit a limit: takes no more requests (see Worker.poison)
}

func (w *Worker) newIsolate() (*isolate, error) {
	cfg := &w.cfg
	vm, err := cfg.Spares.Get()
	if vm == nil && err == nil {
		vm, err = engine.New(engine.Options{Prelude: cfg.Prelude})
	}
	if err != nil {
		return nil, fmt.Errorf("worker %s: %w", cfg.Name, err)
	}
	vm.SetMemoryLimit(cfg.Limits.Memory)
	webassembly.Install(vm, w.wasm, cfg.Limits.Memory)
	iso := &isolate{w: w, vm: vm}
	if err := iso.load(); err != nil {
		iso.close()
		return nil, err
	}
	iso.heap = vm.MemoryUsage()
	w.heap.Add(iso.heap)
	return iso, nil
}

func (iso *isolate) load() error {
	w, vm := iso.w, iso.vm
	cfg := &w.cfg
	if cfg.Console != nil {
		console.SetSink(vm, cfg.Console)
	}
	fetch.SetPolicy(vm, cfg.Fetch)
	cache.SetStore(vm, cfg.Cache)
	ratelimit.SetLimiter(vm, cfg.RateLimiter)
	kvbinding.SetStore(vm, cfg.KV)
	vm.OnError = func(err error) {
		w.log.Error("uncaught error in worker", "worker", cfg.Name, "err", w.FormatError(err))
	}
	reg, ok := vm.State(stateKey).(*registration)
	if !ok {
		return errors.New("worker: the prelude lacks the worker extension")
	}
	iso.reg = reg

	vm.SetCPULimit(cfg.Limits.Startup)
	defer vm.SetCPULimit(0)
	if cfg.Bytecode == nil {
		code, err := vm.Compile(string(cfg.Code), BundleName)
		if err != nil {
			return iso.loadError(err)
		}
		// Later VMs of this worker skip the parse. This runs for the first VM,
		// inside New, before any concurrent acquire can read it.
		cfg.Bytecode = code
	}
	if err := defineProcess(vm, cfg.Vars); err != nil {
		return fmt.Errorf("worker %s: %w", cfg.Name, err)
	}
	v, err := vm.EvalBytecode(cfg.Bytecode)
	if err != nil {
		return iso.loadError(err)
	}
	v.Free()
	// Top-level promises (e.g. async imports' glue) run now.
	if err := vm.RunUntil(context.Background(), func() bool { return true }); err != nil {
		return iso.loadError(err)
	}
	res, err := reg.init.Call(vm.Undefined())
	if err != nil {
		return iso.loadError(err)
	}
	js, _ := res.String()
	res.Free()
	var found struct {
		Style  string `json:"style"`
		Config string `json:"config"`
	}
	if err := json.Unmarshal([]byte(js), &found); err != nil {
		return fmt.Errorf("worker %s: runtime: %w", cfg.Name, err)
	}
	iso.style = found.Style
	if found.Config != "" {
		iso.moduleConfig = json.RawMessage(found.Config)
	}

	env := vm.NewObject()
	for k, val := range cfg.Vars {
		if err := env.Set(k, vm.NewString(val)); err != nil {
			env.Free()
			return fmt.Errorf("worker %s: env.%s: %w", cfg.Name, k, err)
		}
	}
	for _, b := range cfg.Bindings {
		v, err := reg.makeBinding.Call(vm.Undefined(), vm.NewString(b.Type), vm.NewString(string(b.Config)))
		if err == nil {
			err = env.Set(b.Name, v)
		}
		if err != nil {
			env.Free()
			return fmt.Errorf("worker %s: env.%s: %w", cfg.Name, b.Name, err)
		}
	}
	iso.env = env
	return nil
}

// defineProcess gives the script a minimal Node-style process global whose
// env holds the worker's vars, before its top level runs: Vercel's Edge
// runtime and Cloudflare's nodejs_compat both have one, and libraries
// written for them (@vercel/functions) read process.env at import time.
func defineProcess(vm *engine.VM, vars map[string]string) error {
	env, err := json.Marshal(vars)
	if err != nil {
		return err
	}
	v, err := vm.Eval(`(function (env) {
  if (typeof globalThis.process !== "undefined") return;
  const process = { env, nextTick(fn, ...args) { queueMicrotask(() => fn(...args)); } };
  Object.defineProperty(globalThis, "process", { value: process, writable: true, configurable: true, enumerable: false });
})(`+string(env)+`)`, "ext:worker/process.js")
	if err != nil {
		return err
	}
	v.Free()
	return nil
}

func (iso *isolate) loadError(err error) error {
	switch {
	case errors.Is(err, engine.ErrCPULimit), errors.Is(err, engine.ErrDeadline):
		return &LimitError{Code: CodeStartup, Detail: fmt.Sprintf("the script's top level ran for more than %v", iso.w.cfg.Limits.Startup)}
	case errors.Is(err, engine.ErrOutOfMemory):
		return &LimitError{Code: CodeMemory, Detail: "while loading the script"}
	}
	return &LoadError{Message: iso.w.FormatError(err)}
}

func (iso *isolate) close() {
	iso.w.heap.Add(-iso.heap)
	iso.env.Free()
	iso.vm.Close()
}

// serve runs one request under the VM's current task, which the caller
// made for it. It returns the promise of the request's waitUntil work
// (owned; undefined when there is none), and errors for Worker.fail to
// render.
func (iso *isolate) serve(ctx context.Context, rw http.ResponseWriter, r *http.Request, info RequestInfo) (pending engine.Value, err error) {
	vm := iso.vm
	lim := iso.w.cfg.Limits
	vm.SetCPULimit(lim.CPU)
	if d, ok := ctx.Deadline(); ok {
		vm.SetDeadline(d)
	}
	if o := iso.w.cfg.Origin; o != nil {
		if u, err := url.Parse(info.URL); err == nil {
			fetch.SetZone(vm, u.Hostname(), o)
		}
	}

	cf := vm.Undefined()
	if info.CF != nil || info.CFJSON != "" {
		s := info.CFJSON
		if s == "" {
			var err error
			if s, err = cfJSON(info.CF); err != nil {
				return engine.Value{}, fmt.Errorf("request.cf: %w", err)
			}
		}
		// The Request parses it on first use (see fetch.js).
		cf = vm.NewString(s)
	}
	req, err := fetch.NewRequest(vm, r, info.URL, info.Headers, cf)
	cf.Free()
	if err != nil {
		return engine.Value{}, err
	}
	result, err := iso.reg.dispatch.Call(vm.Undefined(), req, iso.env)
	req.Free()
	if err != nil {
		return engine.Value{}, err
	}
	defer result.Free()
	respP, err := result.Get("response")
	if err != nil {
		return engine.Value{}, err
	}
	defer respP.Free()
	if respP.PromiseState() != engine.NotAPromise {
		err = vm.RunUntil(ctx, func() bool { return respP.PromiseState() != engine.PromisePending })
	}
	pending = iso.waitUntilPromise(result)
	if err != nil {
		if respP.PromiseState() == engine.PromiseRejected {
			// Out of memory can also have used up the CPU budget; it is the
			// cause worth reporting.
			reason := respP.PromiseResult()
			rerr := vm.ErrorFrom(reason)
			reason.Free()
			if errors.Is(rerr, engine.ErrOutOfMemory) {
				return pending, rerr
			}
		}
		return pending, err
	}
	resp := respP.Dup()
	if respP.PromiseState() != engine.NotAPromise {
		resp.Free()
		resp = respP.PromiseResult()
	}
	defer resp.Free()
	if respP.PromiseState() == engine.PromiseRejected {
		err := vm.ErrorFrom(resp)
		if iso.passThroughRequested(result) {
			return pending, &passThrough{err}
		}
		return pending, err
	}
	return pending, fetch.WriteResponse(ctx, vm, resp, rw)
}

// passThroughRequested reports whether the handler called
// passThroughOnException().
func (iso *isolate) passThroughRequested(state engine.Value) bool {
	v, err := iso.reg.passThrough.Call(iso.vm.Undefined(), state)
	if err != nil {
		return false
	}
	defer v.Free()
	return v.Bool()
}

// waitUntilPromise returns the promise of the request's waitUntil work,
// or undefined.
func (iso *isolate) waitUntilPromise(state engine.Value) engine.Value {
	p, err := iso.reg.done.Call(iso.vm.Undefined(), state)
	if err != nil || p.IsNull() {
		p.Free()
		return engine.Value{}
	}
	return p
}

// waitingUntil reports whether the waitUntil work p is still pending after
// the microtasks queued so far have run.
func (iso *isolate) waitingUntil(p engine.Value) bool {
	if p.IsUndefined() {
		return false
	}
	iso.vm.RunUntil(context.Background(), func() bool { return true })
	return p.PromiseState() == engine.PromisePending
}

// finish runs the event loop until the waitUntil work p has settled.
func (iso *isolate) finish(ctx context.Context, p engine.Value) error {
	if d, ok := ctx.Deadline(); ok {
		iso.vm.SetDeadline(d)
	}
	return iso.vm.RunUntil(ctx, func() bool { return p.PromiseState() != engine.PromisePending })
}
