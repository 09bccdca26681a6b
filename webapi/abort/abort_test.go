package abort_test

import (
	"testing"

	"github.com/verge-edge/verge/engine"
	"github.com/verge-edge/verge/webapi/abort"
	"github.com/verge-edge/verge/webapi/events"
	"github.com/verge-edge/verge/webapi/webapitest"
)

// exposeInternals makes verge.internals reachable from test snippets as
// __internals (it loads after the areas under test, before finish.js).
var exposeInternals = engine.Extension{Name: "test-internals", Scripts: []engine.Script{{
	Name: "test-internals.js", Source: "globalThis.__internals = globalThis.__verge.internals;",
}}}

func exts() []engine.Extension {
	return []engine.Extension{events.Extension(), abort.Extension(), exposeInternals}
}

func TestAbort(t *testing.T) {
	webapitest.RunCases(t, []webapitest.Case{
		{"AbortController basics", `const c = new AbortController(); const s = c.signal; return [s.aborted, s.reason, s instanceof AbortSignal, s instanceof EventTarget, c.signal === s, Object.prototype.toString.call(c), Object.prototype.toString.call(s)]`, `[false,null,true,true,true,"[object AbortController]","[object AbortSignal]"]`},
		{"abort default reason", `const c = new AbortController(); c.abort(); const r = c.signal.reason; return [c.signal.aborted, r instanceof DOMException, r.name, r.message, r.code]`, `[true,true,"AbortError","The operation was aborted",20]`},
		{"abort with reason", `const c = new AbortController(); c.abort("why"); c.abort("again"); return [c.signal.aborted, c.signal.reason]`, `[true,"why"]`},
		{"abort with undefined reason", `const c = new AbortController(); c.abort(undefined); return c.signal.reason.name`, `"AbortError"`},
		{"abort with null reason", `const c = new AbortController(); c.abort(null); return c.signal.reason`, `null`},
		{"abort event", `const c = new AbortController(); const out = []; c.signal.addEventListener("abort", (e) => out.push(e.type, e.isTrusted, e.target === c.signal, c.signal.aborted, e.bubbles, e.cancelable)); c.abort(); c.abort(); return out`, `["abort",true,true,true,false,false]`},
		{"onabort", `const c = new AbortController(); const out = []; c.signal.onabort = (e) => out.push("on", e.type); c.signal.addEventListener("abort", () => out.push("listener")); const before = typeof c.signal.onabort; c.abort(); return [before, out, c.signal.onabort === null]`, `["function",["on","abort","listener"],false]`},
		{"onabort default", `return new AbortController().signal.onabort`, `null`},
		{"onabort non-callable", `const s = new AbortController().signal; s.onabort = 5; return s.onabort`, `null`},
		{"throwIfAborted", `const c = new AbortController(); c.signal.throwIfAborted(); c.abort(new TypeError("x")); try { c.signal.throwIfAborted(); return "no" } catch (e) { return [e.name, e.message] }`, `["TypeError","x"]`},
		{"throwIfAborted default", `const s = AbortSignal.abort(); try { s.throwIfAborted(); return "no" } catch (e) { return [e.name, e instanceof DOMException] }`, `["AbortError",true]`},
		{"AbortSignal.abort", `const s = AbortSignal.abort(); const t = AbortSignal.abort(42); return [s.aborted, s.reason.name, t.aborted, t.reason]`, `[true,"AbortError",true,42]`},
		{"AbortSignal constructor", `try { new AbortSignal(); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"AbortController needs new", `try { AbortController(); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"AbortSignal.timeout", `const s = AbortSignal.timeout(10); const before = s.aborted; const e = await new Promise((r) => s.addEventListener("abort", r)); return [before, s.aborted, s.reason.name, s.reason.message, s.reason.code, e.type]`, `[false,true,"TimeoutError","The operation was aborted due to timeout",23,"abort"]`},
		{"AbortSignal.timeout zero", `const s = AbortSignal.timeout(0); await new Promise((r) => s.onabort = r); return s.reason.name`, `"TimeoutError"`},
		{"AbortSignal.timeout range", `const out = []; for (const v of [-1, NaN, Infinity, 2 ** 64]) { try { AbortSignal.timeout(v); out.push("ok") } catch (e) { out.push(e.name) } } return out`, `["TypeError","TypeError","TypeError","TypeError"]`},
		{"AbortSignal.timeout needs argument", `try { AbortSignal.timeout(); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"AbortSignal.any", `const a = new AbortController(), b = new AbortController(); const s = AbortSignal.any([a.signal, b.signal]); const out = [s.aborted]; s.onabort = () => out.push("abort", s.reason); b.abort("b"); a.abort("a"); return [out, s.aborted, s.reason]`, `[[false,"abort","b"],true,"b"]`},
		{"AbortSignal.any already aborted", `const a = new AbortController(); const s = AbortSignal.any([a.signal, AbortSignal.abort("first"), AbortSignal.abort("second")]); return [s.aborted, s.reason]`, `[true,"first"]`},
		{"AbortSignal.any empty", `const s = AbortSignal.any([]); return s.aborted`, `false`},
		{"AbortSignal.any of any", `const a = new AbortController(); const s1 = AbortSignal.any([a.signal]); const s2 = AbortSignal.any([s1]); const out = []; s1.onabort = () => out.push("s1"); s2.onabort = () => out.push("s2"); a.signal.onabort = () => out.push("a"); a.abort("r"); return [out, s2.reason]`, `[["a","s1","s2"],"r"]`},
		{"AbortSignal.any bad input", `const out = []; for (const v of [[{}], 5, null, [null]]) { try { AbortSignal.any(v); out.push("ok") } catch (e) { out.push(e.name) } } return out`, `["TypeError","TypeError","TypeError","TypeError"]`},
		{"AbortSignal.any with timeout", `const s = AbortSignal.any([new AbortController().signal, AbortSignal.timeout(5)]); await new Promise((r) => s.onabort = r); return s.reason.name`, `"TimeoutError"`},
		{"abort order: source listeners before dependents", `const a = new AbortController(); const d = AbortSignal.any([a.signal]); const out = []; d.addEventListener("abort", () => out.push("d", a.signal.aborted)); a.signal.addEventListener("abort", () => out.push("a", d.aborted)); a.abort(); return out`, `["a",true,"d",true]`},
		{"reason getter brand check", `try { Object.getOwnPropertyDescriptor(AbortSignal.prototype, "reason").get.call(new EventTarget()); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"abort brand check", `try { AbortController.prototype.abort.call({}); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"signal on fetch-like listener", `const c = new AbortController(); const t = new EventTarget(); let n = 0; t.addEventListener("x", () => n++, {signal: c.signal}); t.addEventListener("x", () => n += 10, {signal: c.signal, once: true}); t.dispatchEvent(new Event("x")); c.abort(); t.dispatchEvent(new Event("x")); return n`, `11`},
		{"abort listener throws", `const c = new AbortController(); let ran = false; c.signal.addEventListener("abort", () => { throw new Error("x") }); c.signal.addEventListener("abort", () => { ran = true }); c.abort(); return ran`, `true`},
		{"internals algorithms", `const ab = __internals.abort; const s = ab.newSignal(); const out = []; const remove = ab.addAlgorithm(s, (r) => out.push("alg1", r)); ab.addAlgorithm(s, (r) => out.push("alg2")); remove(); s.onabort = () => out.push("event"); ab.signalAbort(s, "bye"); ab.addAlgorithm(s, () => out.push("late")); return [out, s.aborted, ab.isSignal(s), ab.isSignal({})]`, `[["alg2","event"],true,true,false]`},
		{"internals any follows", `const ab = __internals.abort; const c = new AbortController(); const s = ab.any([c.signal]); c.abort("r"); return [s.aborted, s.reason]`, `[true,"r"]`},
		{"internals signalAbort default reason", `const ab = __internals.abort; const s = ab.newSignal(); ab.signalAbort(s); return s.reason.name`, `"AbortError"`},
		{"AbortController surface", `if (typeof AbortController === "undefined") return "missing"; return [Object.getOwnPropertyNames(AbortController).sort(), Object.getOwnPropertyNames(AbortController.prototype).sort(), Object.getOwnPropertySymbols(AbortController.prototype).map(String)]`, `[["length","name","prototype"],["abort","constructor","signal"],["Symbol(Symbol.toStringTag)"]]`},
		{"AbortSignal surface", `if (typeof AbortSignal === "undefined") return "missing"; return [Object.getOwnPropertyNames(AbortSignal).sort(), Object.getOwnPropertyNames(AbortSignal.prototype).sort(), Object.getOwnPropertySymbols(AbortSignal.prototype).map(String)]`, `[["abort","any","length","name","prototype","timeout"],["aborted","constructor","onabort","reason","throwIfAborted"],["Symbol(Symbol.toStringTag)"]]`},
	}, exts()...)
}

// A dependent signal that nobody listens to is not kept alive by its
// sources; one with a listener is, until it aborts.
func TestAnyKeepsListenedSignalsAlive(t *testing.T) {
	vm := webapitest.New(t, exts()...)
	got := vm.Run(t, `
		globalThis.src = new AbortController();
		globalThis.fired = 0;
		for (let i = 0; i < 50; i++) AbortSignal.any([src.signal]); // unobserved
		AbortSignal.any([src.signal]).addEventListener("abort", () => fired++);
		return "ok"`)
	if got != `"ok"` {
		t.Fatal(got)
	}
	vm.RunGC()
	if got := vm.Run(t, `src.abort(); return fired`); got != "1" {
		t.Fatalf("fired = %s", got)
	}
}

// Many short-lived AbortSignal.any signals on one long-lived source must
// not accumulate (the source holds them weakly).
func TestAnyDoesNotLeak(t *testing.T) {
	vm := webapitest.New(t, exts()...)
	vm.Run(t, `globalThis.src = new AbortController(); return 0`)
	vm.RunGC()
	before := vm.MemoryUsage()
	vm.Run(t, `for (let i = 0; i < 20000; i++) { const s = AbortSignal.any([src.signal]); const r = __internals.abort.addAlgorithm(s, () => {}); r() } return 0`)
	vm.RunGC()
	if grown := vm.MemoryUsage() - before; grown > 2<<20 {
		t.Fatalf("memory grew by %d bytes", grown)
	}
}
