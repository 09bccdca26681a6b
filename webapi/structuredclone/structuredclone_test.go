package structuredclone_test

import (
	"testing"

	"github.com/verge-edge/verge/engine"
	"github.com/verge-edge/verge/webapi/abort"
	"github.com/verge-edge/verge/webapi/blob"
	"github.com/verge-edge/verge/webapi/events"
	"github.com/verge-edge/verge/webapi/formdata"
	"github.com/verge-edge/verge/webapi/headers"
	"github.com/verge-edge/verge/webapi/structuredclone"
	"github.com/verge-edge/verge/webapi/webapitest"
)

// exposeInternals makes verge.internals reachable from test snippets as
// __internals (it loads after the areas under test, before finish.js).
var exposeInternals = engine.Extension{Name: "test-internals", Scripts: []engine.Script{{
	Name: "test-internals.js", Source: "globalThis.__internals = globalThis.__verge.internals;",
}}}

func TestStructuredClone(t *testing.T) {
	webapitest.RunCases(t, []webapitest.Case{
		{"primitives", `return [structuredClone(1), structuredClone("s"), structuredClone(true), structuredClone(null), structuredClone(undefined) === undefined, Object.is(structuredClone(-0), -0), Number.isNaN(structuredClone(NaN)), String(structuredClone(10n ** 20n))]`, `[1,"s",true,null,true,true,true,"100000000000000000000"]`},
		{"needs an argument", `try { structuredClone(); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"plain object", `const o = {a: 1, b: {c: [1, 2, {d: "x"}]}}; const c = structuredClone(o); return [c, c !== o, c.b !== o.b, c.b.c !== o.b.c]`, `[{"a":1,"b":{"c":[1,2,{"d":"x"}]}},true,true,true]`},
		{"array", `const a = [1, , 3]; a.extra = "x"; const c = structuredClone(a); return [c.length, 1 in c, c[2], c.extra, Array.isArray(c)]`, `[3,false,3,"x",true]`},
		{"cycles", `const o = {name: "o"}; o.self = o; o.list = [o]; const c = structuredClone(o); return [c.self === c, c.list[0] === c, c !== o]`, `[true,true,true]`},
		{"shared references", `const shared = {v: 1}; const c = structuredClone({a: shared, b: shared, m: new Map([["k", shared]])}); return [c.a === c.b, c.m.get("k") === c.a]`, `[true,true]`},
		{"Date", `const d = new Date(1234567890123); const c = structuredClone(d); return [c instanceof Date, c.getTime(), c !== d, isNaN(structuredClone(new Date(NaN)))]`, `[true,1234567890123,true,true]`},
		{"RegExp", `const r = /a+b/gimsu; r.lastIndex = 3; const c = structuredClone(r); return [c instanceof RegExp, c.source, c.flags, c.lastIndex, c !== r]`, `[true,"a+b","gimsu",0,true]`},
		{"Map and Set", `const m = new Map([[1, "a"], [{k: 1}, new Set([1, 2])]]); const c = structuredClone(m); const [[k1, v1], [k2, v2]] = c; return [c instanceof Map, c.size, k1, v1, k2, v2 instanceof Set, [...v2]]`, `[true,2,1,"a",{"k":1},true,[1,2]]`},
		{"Map with cycle", `const m = new Map(); m.set(m, m); const c = structuredClone(m); return [c.get(c) === c, c.size]`, `[true,1]`},
		{"wrappers", `const c = structuredClone([Object(true), Object(5), Object("s"), Object(7n)]); return [typeof c[0], c[0].valueOf(), c[1].valueOf(), c[2].valueOf(), String(c[3].valueOf()), c[2] instanceof String]`, `["object",true,5,"s","7",true]`},
		{"ArrayBuffer", `const ab = new Uint8Array([1, 2, 3]).buffer; const c = structuredClone(ab); new Uint8Array(c)[0] = 9; return [c instanceof ArrayBuffer, c.byteLength, new Uint8Array(ab)[0], c !== ab]`, `[true,3,1,true]`},
		{"typed arrays", `const out = []; for (const T of [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array]) { const src = new T(4); const c = structuredClone(src); out.push(c.constructor === T && c.length === 4) } return out`, `[true,true,true,true,true,true,true,true,true,true,true]`},
		{"typed array view", `const ab = new ArrayBuffer(8); const u = new Uint8Array(ab, 2, 3); u.set([1, 2, 3]); const c = structuredClone(u); return [c.byteOffset, c.length, c.buffer.byteLength, Array.from(c)]`, `[2,3,8,[1,2,3]]`},
		{"views share a cloned buffer", `const ab = new ArrayBuffer(4); const c = structuredClone({a: new Uint8Array(ab), b: new DataView(ab, 1), ab}); c.a[1] = 7; return [c.a.buffer === c.b.buffer, c.ab === c.a.buffer, c.b.getUint8(0), c.b.byteOffset, c.b instanceof DataView, new Uint8Array(ab)[1]]`, `[true,true,7,1,true,0]`},
		{"resizable ArrayBuffer", `if (!ArrayBuffer.prototype.resize) return "n/a"; const ab = new ArrayBuffer(2, {maxByteLength: 8}); const c = structuredClone(ab); return [c.resizable, c.maxByteLength, c.byteLength]`, `[true,8,2]`},
		{"Error types", `const out = []; for (const E of [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError]) { const c = structuredClone(new E("m")); out.push([c.constructor === E, c.name, c.message]) } return out`, `[[true,"Error","m"],[true,"EvalError","m"],[true,"RangeError","m"],[true,"ReferenceError","m"],[true,"SyntaxError","m"],[true,"TypeError","m"],[true,"URIError","m"]]`},
		{"Error details", `const e = new TypeError("boom", {cause: {why: 1}}); e.extra = 1; const c = structuredClone(e); return [c instanceof TypeError, c.message, c.cause, "extra" in c, typeof c.stack, c.stack === e.stack]`, `[true,"boom",{"why":1},false,"string",true]`},
		{"Error custom name", `const e = new Error("m"); e.name = "Custom"; const c = structuredClone(e); class MyError extends RangeError {} const d = structuredClone(new MyError("x")); return [c.name, c.constructor === Error, d.constructor === RangeError, d.name]`, `["Error",true,true,"RangeError"]`},
		{"Error without message", `const c = structuredClone(new Error()); return ["message" in c, Object.prototype.hasOwnProperty.call(c, "message")]`, `[true,false]`},
		{"DOMException", `const e = new DOMException("m", "AbortError"); const c = structuredClone(e); return [c instanceof DOMException, c.name, c.message, c.code, c !== e]`, `[true,"AbortError","m",20,true]`},
		{"Blob and File", `const b = new Blob(["xy"], {type: "text/plain"}); const f = new File(["z"], "f.txt", {lastModified: 5, type: "a/b"}); const c = structuredClone({b, f, again: b}); return [c.b instanceof Blob, c.b !== b, await c.b.text(), c.b.type, c.f instanceof File, c.f.name, c.f.lastModified, c.f.type, await c.f.text(), c.again === c.b]`, `[true,true,"xy","text/plain",true,"f.txt",5,"a/b","z",true]`},
		{"functions", `const out = []; for (const v of [() => 1, function f() {}, class A {}, {f() {}}, [Math.max]]) { try { structuredClone(v); out.push("ok") } catch (e) { out.push(e.name + " " + e.code + " " + (e instanceof DOMException)) } } return out`, `["DataCloneError 25 true","DataCloneError 25 true","DataCloneError 25 true","DataCloneError 25 true","DataCloneError 25 true"]`},
		{"function message", `try { structuredClone(() => 1) } catch (e) { return e.message }`, `"() => 1 could not be cloned."`},
		{"symbols", `const out = []; for (const v of [Symbol("s"), {s: Symbol()}]) { try { structuredClone(v); out.push("ok") } catch (e) { out.push(e.name) } } const o = {a: 1}; o[Symbol("k")] = 2; out.push(Object.getOwnPropertySymbols(structuredClone(o)).length); return out`, `["DataCloneError","DataCloneError",0]`},
		{"unclonable objects", `const out = []; for (const v of [new WeakMap(), new WeakSet(), Promise.resolve(), new WeakRef({}), (function* () {})(), [1][Symbol.iterator]()]) { try { structuredClone(v); out.push("ok") } catch (e) { out.push(e.name) } } return out`, `["DataCloneError","DataCloneError","DataCloneError","DataCloneError","DataCloneError","DataCloneError"]`},
		{"platform objects", `const out = []; for (const v of [new Headers(), new FormData(), new AbortController(), new AbortController().signal, new EventTarget(), new Event("x")]) { try { structuredClone(v); out.push("ok") } catch (e) { out.push(e.name) } } return out`, `["DataCloneError","DataCloneError","DataCloneError","DataCloneError","DataCloneError","DataCloneError"]`},
		{"class instances become plain objects", `class P { constructor() { this.x = 1 } get y() { return 2 } } const c = structuredClone(new P()); return [c, Object.getPrototypeOf(c) === Object.prototype]`, `[{"x":1},true]`},
		{"getters run, non-enumerable skipped", `const o = {get g() { return "got" }}; Object.defineProperty(o, "hidden", {value: 1, enumerable: false}); return structuredClone(o)`, `{"g":"got"}`},
		{"__proto__ key", `const o = JSON.parse('{"__proto__": {"x": 1}, "a": 2}'); const c = structuredClone(o); return [Object.keys(c), Object.getPrototypeOf(c) === Object.prototype, c.__proto__.x]`, `[["__proto__","a"],true,1]`},
		{"null prototype object", `const o = Object.create(null); o.a = 1; const c = structuredClone(o); return [c.a, Object.getPrototypeOf(c) === Object.prototype]`, `[1,true]`},
		{"arguments object", `const c = structuredClone((function () { return arguments })(1, 2)); return c`, `Throws: DataCloneError: #<Object> could not be cloned.`},
		{"transfer ArrayBuffer", `const ab = new Uint8Array([1, 2, 3]).buffer; const c = structuredClone(ab, {transfer: [ab]}); return [ab.byteLength, ab.detached, c.byteLength, Array.from(new Uint8Array(c))]`, `[0,true,3,[1,2,3]]`},
		{"transfer with views", `const ab = new ArrayBuffer(8); const u = new Uint16Array(ab, 2, 2); u[0] = 513; const c = structuredClone({u}, {transfer: [ab]}); return [ab.byteLength, u.length, c.u.byteOffset, c.u.length, c.u[0], c.u.buffer.byteLength]`, `[0,0,2,2,513,8]`},
		{"transfer not referenced", `const ab = new ArrayBuffer(4); const c = structuredClone(1, {transfer: [ab]}); return [c, ab.byteLength]`, `[1,0]`},
		{"transfer errors", `const out = []; const ab = new ArrayBuffer(1); const cases = [{transfer: [ab, ab]}, {transfer: [{}]}, {transfer: [new Uint8Array(2)]}, {transfer: 5}, {transfer: [5]}, {transfer: null}]; for (const o of cases) { try { structuredClone(ab, o); out.push("ok") } catch (e) { out.push(e.name) } } return [out, ab.byteLength]`, `[["DataCloneError","DataCloneError","DataCloneError","TypeError","TypeError","TypeError"],1]`},
		{"transfer detached", `const ab = new ArrayBuffer(1); structuredClone(ab, {transfer: [ab]}); try { structuredClone(ab, {transfer: [ab]}); return "no" } catch (e) { return e.name }`, `"DataCloneError"`},
		{"clone detached buffer", `const ab = new ArrayBuffer(1); structuredClone(ab, {transfer: [ab]}); try { structuredClone(ab); return "no" } catch (e) { return e.name }`, `"DataCloneError"`},
		{"failed clone detaches nothing", `const ab = new ArrayBuffer(4); try { structuredClone({ab, f() {}}, {transfer: [ab]}) } catch (e) {} return ab.byteLength`, `4`},
		{"options", `const out = []; for (const o of [undefined, null, {}, {transfer: []}, {transfer: undefined}]) { out.push(structuredClone(1, o)) } try { structuredClone(1, 5) } catch (e) { out.push(e.name) } return out`, `[1,1,1,1,1,"TypeError"]`},
		{"transfer iterable", `const ab = new ArrayBuffer(2); structuredClone(ab, {transfer: new Set([ab])}); return ab.byteLength`, `0`},
		{"nested containers", `const v = {list: [new Map([["d", new Date(0)]]), new Set([[1, {x: [2]}]])]}; const c = structuredClone(v); return [c.list[0].get("d").getTime(), [...c.list[1]][0][1].x[0]]`, `[0,2]`},
		{"big array", `const a = Array.from({length: 10000}, (_, i) => ({i})); const c = structuredClone(a); return [c.length, c[9999].i]`, `[10000,9999]`},
		{"deep nesting", `let o = {}; const root = o; for (let i = 0; i < 1000; i++) { o.n = {}; o = o.n } const c = structuredClone(root); let d = 0; for (let x = c; x.n; x = x.n) d++; return d`, `1000`},
		{"structuredClone property", `return [typeof structuredClone, structuredClone.length, structuredClone.name]`, `["function",1,"structuredClone"]`},
		{"internals clone", `const ab = new ArrayBuffer(2); const c = __internals.structuredclone.clone({ab}, [ab]); return [c.ab.byteLength, ab.byteLength]`, `[2,0]`},
		{"structuredClone surface", `return [Object.getOwnPropertyNames(structuredClone).sort()]`, `[["length","name"]]`},
	}, events.Extension(), abort.Extension(), blob.Extension(), formdata.Extension(), headers.Extension(), structuredclone.Extension(), exposeInternals)
}

// A detach_buffer op, when the VM has one, does the detaching.
func TestDetachOp(t *testing.T) {
	op := engine.Extension{Name: "test-detach", Ops: map[string]engine.Op{
		"detach_buffer": func(c *engine.Call) (engine.Value, error) {
			g := c.VM.Global()
			defer g.Free()
			return c.VM.Undefined(), g.Set("detachCalled", c.VM.NewBool(true))
		},
	}}
	got := webapitest.Run(t, `const ab = new ArrayBuffer(2); const c = structuredClone(ab, {transfer: [ab]}); return [globalThis.detachCalled === true, c.byteLength]`,
		events.Extension(), blob.Extension(), op, structuredclone.Extension())
	if want := `[true,2]`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// Without events and blob loaded, plain values still clone.
func TestMinimalPrelude(t *testing.T) {
	got := webapitest.Run(t, `const c = structuredClone({a: [1, new Date(0)], m: new Map([[1, 2]])}); let err; try { structuredClone(() => 1) } catch (e) { err = e.name } return [c.a[1].getTime(), c.m.get(1), err]`,
		structuredclone.Extension())
	if want := `[0,2,"DataCloneError"]`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
