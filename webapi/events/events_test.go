package events_test

import (
	"strings"
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

func TestEvents(t *testing.T) {
	webapitest.RunCases(t, []webapitest.Case{
		{"DOMException basics", `const e = new DOMException("boom", "AbortError"); return [e.name, e.message, e.code, e instanceof DOMException, e instanceof Error, String(e), Object.prototype.toString.call(e)]`, `["AbortError","boom",20,true,true,"AbortError: boom","[object DOMException]"]`},
		{"DOMException defaults", `const e = new DOMException(); return [e.name, e.message, e.code]`, `["Error","",0]`},
		{"DOMException undefined args", `const e = new DOMException(undefined, undefined); return [e.name, e.message]`, `["Error",""]`},
		{"DOMException converts to string", `const e = new DOMException(42, {toString() { return "NotFoundError" }}); return [e.message, e.name, e.code]`, `["42","NotFoundError",8]`},
		{"DOMException legacy codes", `return ["IndexSizeError","DOMStringSizeError","HierarchyRequestError","WrongDocumentError","InvalidCharacterError","NoDataAllowedError","NoModificationAllowedError","NotFoundError","NotSupportedError","InUseAttributeError","InvalidStateError","SyntaxError","InvalidModificationError","NamespaceError","InvalidAccessError","ValidationError","TypeMismatchError","SecurityError","NetworkError","AbortError","URLMismatchError","QuotaExceededError","TimeoutError","InvalidNodeTypeError","DataCloneError"].map(n => new DOMException("", n).code)`, `[1,0,3,4,5,0,7,8,9,10,11,12,13,14,15,0,17,18,19,20,21,22,23,24,25]`},
		{"DOMException modern names have code 0", `return ["toString","constructor","__proto__","EncodingError","NotReadableError","UnknownError","ConstraintError","DataError","TransactionInactiveError","ReadOnlyError","VersionError","OperationError","NotAllowedError","Error","whatever"].map(n => new DOMException("", n).code)`, `[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]`},
		{"DOMException constants", `return [DOMException.INDEX_SIZE_ERR, DOMException.ABORT_ERR, DOMException.TIMEOUT_ERR, DOMException.DATA_CLONE_ERR, DOMException.prototype.NETWORK_ERR, new DOMException().SYNTAX_ERR, Object.getOwnPropertyDescriptor(DOMException, "ABORT_ERR").writable]`, `[1,20,23,25,19,12,false]`},
		{"DOMException all constants", `return Object.keys(DOMException).length`, `25`},
		{"DOMException prototype chain", `return [Object.getPrototypeOf(DOMException.prototype) === Error.prototype, Object.getOwnPropertyNames(new DOMException("a", "b")).includes("name"), "name" in DOMException.prototype, DOMException.name, DOMException.length]`, `[true,false,true,"DOMException",0]`},
		{"DOMException stack starts at the caller", `const e = new DOMException("m", "AbortError"); return [typeof e.stack, e.stack.includes("domexception.js")]`, `["string",false]`},
		{"DOMException getters brand check", `try { Object.getOwnPropertyDescriptor(DOMException.prototype, "code").get.call({}); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"DOMException name getter on prototype", `try { return DOMException.prototype.name } catch (e) { return e.name }`, `"TypeError"`},
		{"DOMException needs new", `try { DOMException("x"); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"DOMException subclass", `class MyErr extends DOMException { constructor() { super("sub", "DataError") } } const e = new MyErr(); return [e.name, e.message, e instanceof DOMException, e instanceof MyErr, e.code]`, `["DataError","sub",true,true,0]`},
		{"DOMException catch and rethrow", `try { throw new DOMException("x", "SyntaxError") } catch (e) { return [e.name, e.code, e instanceof Error] }`, `["SyntaxError",12,true]`},
		{"DOMException name object is stringified", `const e = new DOMException("m", {name: "AbortError"}); return [e.name, "cause" in e]`, `["[object Object]",false]`},
		{"Event needs a type", `try { new Event(); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"Event needs new", `try { Event("x"); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"Event defaults", `const e = new Event("x"); return [e.type, e.bubbles, e.cancelable, e.composed, e.defaultPrevented, e.eventPhase, e.target, e.currentTarget, e.srcElement, e.isTrusted, e.returnValue, e.cancelBubble, typeof e.timeStamp, e.timeStamp >= 0]`, `["x",false,false,false,false,0,null,null,null,false,true,false,"number",true]`},
		{"Event init", `const e = new Event(1, {bubbles: 1, cancelable: "yes", composed: true}); return [e.type, e.bubbles, e.cancelable, e.composed]`, `["1",true,true,true]`},
		{"Event init null", `const e = new Event("x", null); return e.bubbles`, `false`},
		{"Event init not an object", `try { new Event("x", 5); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"Event preventDefault", `const a = new Event("x"); a.preventDefault(); const b = new Event("x", {cancelable: true}); b.preventDefault(); const c = new Event("x", {cancelable: true}); c.returnValue = false; return [a.defaultPrevented, b.defaultPrevented, b.returnValue, c.defaultPrevented]`, `[false,true,false,true]`},
		{"Event constants", `return [Event.NONE, Event.CAPTURING_PHASE, Event.AT_TARGET, Event.BUBBLING_PHASE, new Event("x").AT_TARGET]`, `[0,1,2,3,2]`},
		{"Event toStringTag", `return [Object.prototype.toString.call(new Event("x")), String(new Event("x"))]`, `["[object Event]","[object Event]"]`},
		{"Event brand check", `try { Object.getOwnPropertyDescriptor(Event.prototype, "type").get.call({}); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"Event method brand check", `try { Event.prototype.preventDefault.call({}); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"Event cancelBubble", `const e = new Event("x"); e.cancelBubble = true; const f = new Event("x"); f.stopPropagation(); return [e.cancelBubble, f.cancelBubble]`, `[true,true]`},
		{"Event composedPath", `const t = new EventTarget(); let during; t.addEventListener("x", (e) => { during = e.composedPath().length === 1 && e.composedPath()[0] === t }); const e = new Event("x"); t.dispatchEvent(e); return [during, e.composedPath().length]`, `[true,0]`},
		{"Event initEvent", `const e = new Event("a"); e.initEvent("b", true, true); return [e.type, e.bubbles, e.cancelable]`, `["b",true,true]`},
		{"Event subclass", `class Ping extends Event { constructor() { super("ping") } get extra() { return 1 } } const t = new EventTarget(); let got; t.addEventListener("ping", (e) => { got = [e.type, e.extra, e instanceof Ping] }); t.dispatchEvent(new Ping()); return got`, `["ping",1,true]`},
		{"Event props are on the prototype", `return [Object.getOwnPropertyNames(new Event("x")).length, typeof Object.getOwnPropertyDescriptor(Event.prototype, "type").get]`, `[0,"function"]`},
		{"EventTarget dispatch", `const t = new EventTarget(); const out = []; t.addEventListener("x", function (e) { out.push(e.type, e.target === t, e.currentTarget === t, this === t, e.eventPhase, e.isTrusted) }); const r = t.dispatchEvent(new Event("x")); return [out, r]`, `[["x",true,true,true,2,false],true]`},
		{"EventTarget after dispatch", `const t = new EventTarget(); const e = new Event("x"); t.addEventListener("x", () => {}); t.dispatchEvent(e); return [e.target === t, e.currentTarget, e.eventPhase]`, `[true,null,0]`},
		{"EventTarget order", `const t = new EventTarget(); const out = []; t.addEventListener("x", () => out.push(1)); t.addEventListener("x", () => out.push(2)); t.addEventListener("y", () => out.push("y")); t.dispatchEvent(new Event("x")); return out`, `[1,2]`},
		{"EventTarget duplicate ignored", `const t = new EventTarget(); let n = 0; const f = () => n++; t.addEventListener("x", f); t.addEventListener("x", f); t.addEventListener("x", f, {once: true}); t.dispatchEvent(new Event("x")); return n`, `1`},
		{"EventTarget capture is part of identity", `const t = new EventTarget(); let n = 0; const f = () => n++; t.addEventListener("x", f); t.addEventListener("x", f, true); t.dispatchEvent(new Event("x")); t.removeEventListener("x", f, {capture: true}); t.dispatchEvent(new Event("x")); return n`, `3`},
		{"EventTarget capture listeners first", `const t = new EventTarget(); const out = []; t.addEventListener("x", () => out.push("bubble")); t.addEventListener("x", () => out.push("capture"), {capture: true}); t.dispatchEvent(new Event("x")); return out`, `["capture","bubble"]`},
		{"EventTarget removeEventListener", `const t = new EventTarget(); let n = 0; const f = () => n++; t.addEventListener("x", f); t.removeEventListener("x", f); t.removeEventListener("x", f); t.removeEventListener("x", null); t.dispatchEvent(new Event("x")); return n`, `0`},
		{"EventTarget once", `const t = new EventTarget(); let n = 0; t.addEventListener("x", () => n++, {once: true}); t.dispatchEvent(new Event("x")); t.dispatchEvent(new Event("x")); return n`, `1`},
		{"EventTarget once re-entrant", `const t = new EventTarget(); let n = 0; t.addEventListener("x", () => { n++; if (n < 3) t.dispatchEvent(new Event("x")) }, {once: true}); t.dispatchEvent(new Event("x")); return n`, `1`},
		{"EventTarget passive", `const t = new EventTarget(); let inside; t.addEventListener("x", (e) => { e.preventDefault(); inside = e.defaultPrevented }, {passive: true}); const e = new Event("x", {cancelable: true}); const r = t.dispatchEvent(e); return [inside, e.defaultPrevented, r]`, `[false,false,true]`},
		{"EventTarget canceled", `const t = new EventTarget(); t.addEventListener("x", (e) => e.preventDefault()); return [t.dispatchEvent(new Event("x", {cancelable: true})), t.dispatchEvent(new Event("x"))]`, `[false,true]`},
		{"EventTarget handleEvent", `const t = new EventTarget(); const o = { n: 0, handleEvent(e) { this.n++; this.type = e.type } }; t.addEventListener("x", o); t.dispatchEvent(new Event("x")); return [o.n, o.type]`, `[1,"x"]`},
		{"EventTarget handleEvent looked up late", `const t = new EventTarget(); const o = {}; t.addEventListener("x", o); let got; o.handleEvent = (e) => { got = e.type }; t.dispatchEvent(new Event("x")); return got`, `"x"`},
		{"EventTarget bad callback", `const t = new EventTarget(); try { t.addEventListener("x", 5); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"EventTarget null callback", `const t = new EventTarget(); t.addEventListener("x", null); t.addEventListener("x", undefined); return t.dispatchEvent(new Event("x"))`, `true`},
		{"EventTarget needs 2 arguments", `const t = new EventTarget(); try { t.addEventListener("x"); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"EventTarget listener throws, others run", `const t = new EventTarget(); const out = []; t.addEventListener("x", () => { throw new Error("boom") }); t.addEventListener("x", () => out.push("second")); const r = t.dispatchEvent(new Event("x")); return [out, r]`, `[["second"],true]`},
		{"EventTarget stopImmediatePropagation", `const t = new EventTarget(); const out = []; t.addEventListener("x", (e) => { out.push(1); e.stopImmediatePropagation() }); t.addEventListener("x", () => out.push(2)); t.dispatchEvent(new Event("x")); t.dispatchEvent(new Event("x")); return out`, `[1,1]`},
		{"EventTarget stopPropagation keeps same-phase listeners", `const t = new EventTarget(); const out = []; t.addEventListener("x", (e) => { out.push(1); e.stopPropagation() }); t.addEventListener("x", () => out.push(2)); t.dispatchEvent(new Event("x")); return out`, `[1,2]`},
		{"EventTarget added during dispatch waits", `const t = new EventTarget(); const out = []; t.addEventListener("x", () => { out.push(1); t.addEventListener("x", () => out.push(2)) }); t.dispatchEvent(new Event("x")); return out`, `[1]`},
		{"EventTarget removed during dispatch skipped", `const t = new EventTarget(); const out = []; const g = () => out.push(2); t.addEventListener("x", () => { out.push(1); t.removeEventListener("x", g) }); t.addEventListener("x", g); t.dispatchEvent(new Event("x")); return out`, `[1]`},
		{"EventTarget redispatch while dispatching", `const t = new EventTarget(); let err; const e = new Event("x"); t.addEventListener("x", () => { try { t.dispatchEvent(e) } catch (x) { err = [x.name, x.code] } }); t.dispatchEvent(e); return err`, `["InvalidStateError",11]`},
		{"EventTarget redispatch after dispatch", `const t = new EventTarget(); let n = 0; t.addEventListener("x", () => n++); const e = new Event("x"); t.dispatchEvent(e); t.dispatchEvent(e); return n`, `2`},
		{"EventTarget dispatch non-event", `const t = new EventTarget(); try { t.dispatchEvent({type: "x"}); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"EventTarget brand check", `try { EventTarget.prototype.addEventListener.call({}, "x", () => {}); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"EventTarget subclass", `class Emitter extends EventTarget { fire() { return this.dispatchEvent(new Event("go")) } } const t = new Emitter(); let ok = false; t.addEventListener("go", (e) => { ok = e.target === t }); t.fire(); return [ok, t instanceof EventTarget, Object.prototype.toString.call(t)]`, `[true,true,"[object EventTarget]"]`},
		{"EventTarget type converted to string", `const t = new EventTarget(); let n = 0; t.addEventListener(1, () => n++); t.dispatchEvent(new Event("1")); return n`, `1`},
		{"EventTarget signal", `const t = new EventTarget(); const c = new AbortController(); let n = 0; t.addEventListener("x", () => n++, {signal: c.signal}); t.dispatchEvent(new Event("x")); c.abort(); t.dispatchEvent(new Event("x")); return n`, `1`},
		{"EventTarget aborted signal", `const t = new EventTarget(); let n = 0; t.addEventListener("x", () => n++, {signal: AbortSignal.abort()}); t.dispatchEvent(new Event("x")); return n`, `0`},
		{"EventTarget bad signal", `const t = new EventTarget(); try { t.addEventListener("x", () => {}, {signal: {}}); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"EventTarget null signal", `const t = new EventTarget(); try { t.addEventListener("x", () => {}, {signal: null}); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"global addEventListener", `let got; const f = (e) => { got = [e.type, e.target === globalThis] }; addEventListener("custom", f); const r = dispatchEvent(new Event("custom")); removeEventListener("custom", f); dispatchEvent(new Event("custom")); return [got, r, typeof globalThis.addEventListener]`, `[["custom",true],true,"function"]`},
		{"CustomEvent", `const e = new CustomEvent("c", {detail: {a: 1}, bubbles: true}); return [e.type, e.detail, e.bubbles, e instanceof Event, Object.prototype.toString.call(e)]`, `["c",{"a":1},true,true,"[object CustomEvent]"]`},
		{"CustomEvent default detail", `return new CustomEvent("c").detail`, `null`},
		{"CustomEvent dispatch", `const t = new EventTarget(); let d; t.addEventListener("c", (e) => { d = e.detail }); t.dispatchEvent(new CustomEvent("c", {detail: 5})); return d`, `5`},
		{"CustomEvent initCustomEvent", `const e = new CustomEvent("a"); e.initCustomEvent("b", false, true, "d"); return [e.type, e.cancelable, e.detail]`, `["b",true,"d"]`},
		{"CustomEvent brand check", `try { Object.getOwnPropertyDescriptor(CustomEvent.prototype, "detail").get.call(new Event("x")); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"ErrorEvent", `const err = new Error("x"); const e = new ErrorEvent("error", {message: "m", filename: "f.js", lineno: 3, colno: 4, error: err}); return [e.type, e.message, e.filename, e.lineno, e.colno, e.error === err, Object.prototype.toString.call(e)]`, `["error","m","f.js",3,4,true,"[object ErrorEvent]"]`},
		{"ErrorEvent defaults", `const e = new ErrorEvent("error"); return [e.message, e.filename, e.lineno, e.colno, e.error]`, `["","",0,0,null]`},
		{"PromiseRejectionEvent", `const p = Promise.resolve(); const e = new PromiseRejectionEvent("unhandledrejection", {promise: p, reason: "r"}); return [e.type, e.promise === p, e.reason, e instanceof Event]`, `["unhandledrejection",true,"r",true]`},
		{"PromiseRejectionEvent needs promise", `try { new PromiseRejectionEvent("x", {}); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"PromiseRejectionEvent needs init", `try { new PromiseRejectionEvent("x"); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"FetchEvent is not constructible", `try { new FetchEvent("fetch", {request: null}); return "no" } catch (e) { return e.name + ": " + e.message }`, `"TypeError: Illegal constructor"`},
		{"ExtendableEvent untrusted waitUntil", `const e = new ExtendableEvent("x"); try { e.waitUntil(Promise.resolve()); return "no" } catch (x) { return x.name }`, `"InvalidStateError"`},
		{"globals exist", `return [typeof FetchEvent, typeof ExtendableEvent, typeof ScheduledEvent, typeof CustomEvent, typeof ErrorEvent, typeof PromiseRejectionEvent]`, `["function","function","function","function","function","function"]`},
		{"internals dispatch trusted", `const ev = __internals.events; const t = new EventTarget(); let trusted; t.addEventListener("x", (e) => { trusted = e.isTrusted; e.stopImmediatePropagation() }); const r = ev.dispatch(t, new Event("x", {cancelable: true}), {trusted: true}); return [trusted, r]`, `[true,{"notCanceled":true,"canceled":false,"stopPropagation":true,"stopImmediatePropagation":true}]`},
		{"internals dispatch reports preventDefault", `const ev = __internals.events; const t = new EventTarget(); t.addEventListener("x", (e) => e.preventDefault()); return ev.dispatch(t, new Event("x", {cancelable: true}))`, `{"notCanceled":false,"canceled":true,"stopPropagation":false,"stopImmediatePropagation":false}`},
		{"internals listeners", `const ev = __internals.events; const t = new EventTarget(); const f = () => {}; t.addEventListener("x", f); t.addEventListener("x", () => {}); const a = [ev.hasListeners(t, "x"), ev.listenerCount(t, "x"), ev.hasListeners(t, "y")]; t.removeEventListener("x", f); return [a, ev.listenerCount(t, "x"), ev.isEvent(new Event("x")), ev.isEvent({}), ev.isEventTarget(t), ev.isEventTarget(globalThis)]`, `[[true,2,false],1,true,false,true,true]`},
		{"internals fetch event", `const ev = __internals.events; let req; addEventListener("fetch", (e) => { req = e.request; e.respondWith("resp"); e.waitUntil(Promise.resolve(1)); e.passThroughOnException() }); addEventListener("fetch", () => { req = "second listener ran" }); const fe = ev.newFetchEvent({url: "u"}); const notCanceled = ev.dispatch(globalThis, fe, {trusted: true}); const r = ev.fetchEventResult(fe); return [req.url, r.respondWithCalled, await r.response, r.passThroughOnException, r.waitUntil.length, fe.isTrusted, fe.type, fe instanceof ExtendableEvent, fe instanceof Event, Object.prototype.toString.call(fe), notCanceled.notCanceled]`, `["u",true,"resp",true,1,true,"fetch",true,true,"[object FetchEvent]",true]`},
		{"internals fetch event hooks", `const ev = __internals.events; const seen = []; const fe = ev.newFetchEvent({}, {waitUntil: (p) => seen.push("wait"), passThroughOnException: () => seen.push("pass")}); const t = new EventTarget(); t.addEventListener("fetch", (e) => { e.waitUntil(1); e.passThroughOnException() }); ev.dispatch(t, fe, {trusted: true}); fe.waitUntil(2); return [seen, ev.fetchEventResult(fe).respondWithCalled]`, `[["wait","pass","wait"],false]`},
		{"internals respondWith twice", `const ev = __internals.events; const t = new EventTarget(); let err; t.addEventListener("fetch", (e) => { e.respondWith(1); try { e.respondWith(2) } catch (x) { err = x.name } }); ev.dispatch(t, ev.newFetchEvent({}), {trusted: true}); return err`, `"InvalidStateError"`},
		{"internals respondWith after dispatch", `const ev = __internals.events; const fe = ev.newFetchEvent({}); ev.dispatch(new EventTarget(), fe, {trusted: true}); try { fe.respondWith(1); return "no" } catch (e) { return e.name }`, `"InvalidStateError"`},
		{"internals scheduled event", `const ev = __internals.events; const t = new EventTarget(); t.addEventListener("scheduled", (e) => { e.noRetry(); e.waitUntil(Promise.resolve()) }); const se = ev.newScheduledEvent(1000, "* * * * *"); ev.dispatch(t, se, {trusted: true}); const r = ev.scheduledEventResult(se); return [se.type, se.scheduledTime, se.cron, r.noRetry, r.waitUntil.length]`, `["scheduled",1000,"* * * * *",true,1]`},
		{"internals defineEventHandler", `const ev = __internals.events; class T extends EventTarget {} ev.defineEventHandler(T.prototype, "ping"); const t = new T(); const out = []; t.addEventListener("ping", () => out.push("a")); t.onping = () => out.push("h1"); t.addEventListener("ping", () => out.push("b")); t.dispatchEvent(new Event("ping")); t.onping = () => out.push("h2"); t.dispatchEvent(new Event("ping")); t.onping = null; t.dispatchEvent(new Event("ping")); t.onping = () => false; const e = new Event("ping", {cancelable: true}); t.dispatchEvent(e); return [out, e.defaultPrevented, t.onping === null, typeof t.onping]`, `[["a","h1","b","a","h2","b","a","b","a","b"],true,false,"function"]`},
		{"internals domexception", `const d = __internals.domexception; return [d.is(new DOMException("x")), d.is(new Error("x")), d.parts(new DOMException("m", "AbortError")), d.codeOf("TimeoutError")]`, `[true,false,{"name":"AbortError","message":"m"},23]`},
		{"DOMException surface", `if (typeof DOMException === "undefined") return "missing"; return [Object.getOwnPropertyNames(DOMException).sort(), Object.getOwnPropertyNames(DOMException.prototype).sort(), Object.getOwnPropertySymbols(DOMException.prototype).map(String)]`, `[["ABORT_ERR","DATA_CLONE_ERR","DOMSTRING_SIZE_ERR","HIERARCHY_REQUEST_ERR","INDEX_SIZE_ERR","INUSE_ATTRIBUTE_ERR","INVALID_ACCESS_ERR","INVALID_CHARACTER_ERR","INVALID_MODIFICATION_ERR","INVALID_NODE_TYPE_ERR","INVALID_STATE_ERR","NAMESPACE_ERR","NETWORK_ERR","NOT_FOUND_ERR","NOT_SUPPORTED_ERR","NO_DATA_ALLOWED_ERR","NO_MODIFICATION_ALLOWED_ERR","QUOTA_EXCEEDED_ERR","SECURITY_ERR","SYNTAX_ERR","TIMEOUT_ERR","TYPE_MISMATCH_ERR","URL_MISMATCH_ERR","VALIDATION_ERR","WRONG_DOCUMENT_ERR","length","name","prototype"],["ABORT_ERR","DATA_CLONE_ERR","DOMSTRING_SIZE_ERR","HIERARCHY_REQUEST_ERR","INDEX_SIZE_ERR","INUSE_ATTRIBUTE_ERR","INVALID_ACCESS_ERR","INVALID_CHARACTER_ERR","INVALID_MODIFICATION_ERR","INVALID_NODE_TYPE_ERR","INVALID_STATE_ERR","NAMESPACE_ERR","NETWORK_ERR","NOT_FOUND_ERR","NOT_SUPPORTED_ERR","NO_DATA_ALLOWED_ERR","NO_MODIFICATION_ALLOWED_ERR","QUOTA_EXCEEDED_ERR","SECURITY_ERR","SYNTAX_ERR","TIMEOUT_ERR","TYPE_MISMATCH_ERR","URL_MISMATCH_ERR","VALIDATION_ERR","WRONG_DOCUMENT_ERR","code","constructor","message","name"],["Symbol(Symbol.toStringTag)"]]`},
		{"Event surface", `if (typeof Event === "undefined") return "missing"; return [Object.getOwnPropertyNames(Event).sort(), Object.getOwnPropertyNames(Event.prototype).sort(), Object.getOwnPropertySymbols(Event.prototype).map(String)]`, `[["AT_TARGET","BUBBLING_PHASE","CAPTURING_PHASE","NONE","length","name","prototype"],["AT_TARGET","BUBBLING_PHASE","CAPTURING_PHASE","NONE","bubbles","cancelBubble","cancelable","composed","composedPath","constructor","currentTarget","defaultPrevented","eventPhase","initEvent","isTrusted","preventDefault","returnValue","srcElement","stopImmediatePropagation","stopPropagation","target","timeStamp","type"],["Symbol(Symbol.toStringTag)"]]`},
		{"EventTarget surface", `if (typeof EventTarget === "undefined") return "missing"; return [Object.getOwnPropertyNames(EventTarget).sort(), Object.getOwnPropertyNames(EventTarget.prototype).sort(), Object.getOwnPropertySymbols(EventTarget.prototype).map(String)]`, `[["length","name","prototype"],["addEventListener","constructor","dispatchEvent","removeEventListener"],["Symbol(Symbol.toStringTag)"]]`},
		{"CustomEvent surface", `if (typeof CustomEvent === "undefined") return "missing"; return [Object.getOwnPropertyNames(CustomEvent).sort(), Object.getOwnPropertyNames(CustomEvent.prototype).sort(), Object.getOwnPropertySymbols(CustomEvent.prototype).map(String)]`, `[["length","name","prototype"],["constructor","detail","initCustomEvent"],["Symbol(Symbol.toStringTag)"]]`},
		{"ErrorEvent surface", `if (typeof ErrorEvent === "undefined") return "missing"; return [Object.getOwnPropertyNames(ErrorEvent).sort(), Object.getOwnPropertyNames(ErrorEvent.prototype).sort(), Object.getOwnPropertySymbols(ErrorEvent.prototype).map(String)]`, `[["length","name","prototype"],["colno","constructor","error","filename","lineno","message"],["Symbol(Symbol.toStringTag)"]]`},
		{"PromiseRejectionEvent surface", `if (typeof PromiseRejectionEvent === "undefined") return "missing"; return [Object.getOwnPropertyNames(PromiseRejectionEvent).sort(), Object.getOwnPropertyNames(PromiseRejectionEvent.prototype).sort(), Object.getOwnPropertySymbols(PromiseRejectionEvent.prototype).map(String)]`, `[["length","name","prototype"],["constructor","promise","reason"],["Symbol(Symbol.toStringTag)"]]`},
		{"ExtendableEvent surface", `if (typeof ExtendableEvent === "undefined") return "missing"; return [Object.getOwnPropertyNames(ExtendableEvent).sort(), Object.getOwnPropertyNames(ExtendableEvent.prototype).sort(), Object.getOwnPropertySymbols(ExtendableEvent.prototype).map(String)]`, `[["length","name","prototype"],["constructor","waitUntil"],["Symbol(Symbol.toStringTag)"]]`},
		{"FetchEvent surface", `if (typeof FetchEvent === "undefined") return "missing"; return [Object.getOwnPropertyNames(FetchEvent).sort(), Object.getOwnPropertyNames(FetchEvent.prototype).sort(), Object.getOwnPropertySymbols(FetchEvent.prototype).map(String)]`, `[["length","name","prototype"],["constructor","passThroughOnException","request","respondWith"],["Symbol(Symbol.toStringTag)"]]`},
		{"ScheduledEvent surface", `if (typeof ScheduledEvent === "undefined") return "missing"; return [Object.getOwnPropertyNames(ScheduledEvent).sort(), Object.getOwnPropertyNames(ScheduledEvent.prototype).sort(), Object.getOwnPropertySymbols(ScheduledEvent.prototype).map(String)]`, `[["length","name","prototype"],["constructor","cron","noRetry","scheduledTime"],["Symbol(Symbol.toStringTag)"]]`},
	}, exts()...)
}

// A listener's exception is reported like an uncaught one and does not stop
// the dispatch.
func TestListenerErrorReported(t *testing.T) {
	vm := webapitest.New(t, exts()...)
	got := vm.Run(t, `const t = new EventTarget(); const out = [];
		t.addEventListener("x", () => { throw new TypeError("first") });
		t.addEventListener("x", {handleEvent: 5});
		t.addEventListener("x", () => out.push("third"));
		return [t.dispatchEvent(new Event("x")), out]`)
	if got != `[true,["third"]]` {
		t.Fatalf("got %s", got)
	}
	if len(vm.Console) != 2 {
		t.Fatalf("console: %q", vm.Console)
	}
	if !strings.HasPrefix(vm.Console[0], "error: Uncaught TypeError: first") {
		t.Errorf("console[0] = %q", vm.Console[0])
	}
	if !strings.HasPrefix(vm.Console[1], "error: Uncaught TypeError:") || !strings.Contains(vm.Console[1], "handleEvent") {
		t.Errorf("console[1] = %q", vm.Console[1])
	}
}

// Ops throw DOMExceptions through the engine, which looks the class up by
// its global name.
func TestDOMExceptionFromOp(t *testing.T) {
	op := engine.Extension{Name: "test-op", Ops: map[string]engine.Op{
		"test_throw": func(c *engine.Call) (engine.Value, error) {
			return engine.Value{}, engine.DOMException("DataCloneError", "cannot clone %d", 42)
		},
	}, Scripts: []engine.Script{{Name: "test-op.js", Source: "globalThis.testThrow = globalThis.__verge.ops.test_throw;"}}}
	got := webapitest.Run(t, `try { testThrow() } catch (e) { return [e instanceof DOMException, e instanceof Error, e.name, e.message, e.code] }`,
		events.Extension(), op)
	if want := `[true,true,"DataCloneError","cannot clone 42",25]`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// Worker code must not reach the internals.
func TestInternalsHidden(t *testing.T) {
	got := webapitest.Run(t, `return [typeof globalThis.__verge, Object.getOwnPropertyNames(new EventTarget()), Object.getOwnPropertyNames(new Event("x")), Object.getOwnPropertyNames(new DOMException("x")), Object.getOwnPropertySymbols(Event.prototype).length]`,
		events.Extension(), abort.Extension())
	if want := `["undefined",[],[],["stack"],1]`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// Targets whose listeners close over them are collected (QuickJS's WeakMap
// would keep such a key alive, so the state lives in a #field).
func TestTargetsAreCollected(t *testing.T) {
	vm := webapitest.New(t, exts()...)
	vm.Run(t, `return 0`)
	vm.RunGC()
	before := vm.MemoryUsage()
	vm.Run(t, `for (let i = 0; i < 20000; i++) {
		const t = new EventTarget(); t.addEventListener("x", () => t);
		const c = new AbortController(); c.signal.onabort = () => c.signal.reason;
	} return 0`)
	vm.RunGC()
	if grown := vm.MemoryUsage() - before; grown > 1<<20 {
		t.Fatalf("memory grew by %d bytes", grown)
	}
}
