package headers_test

import (
	"strconv"
	"testing"

	"github.com/verge-edge/verge/engine"
	"github.com/verge-edge/verge/webapi/headers"
	"github.com/verge-edge/verge/webapi/webapitest"
)

// exposeInternals makes verge.internals reachable from test snippets as
// __internals (it loads after the areas under test, before finish.js).
var exposeInternals = engine.Extension{Name: "test-internals", Scripts: []engine.Script{{
	Name: "test-internals.js", Source: "globalThis.__internals = globalThis.__verge.internals;",
}}}

func TestHeaders(t *testing.T) {
	webapitest.RunCases(t, []webapitest.Case{
		{"Headers empty", `const h = new Headers(); return [[...h], Object.prototype.toString.call(h), h.get("a"), h.has("a"), h.getSetCookie()]`, `[[],"[object Headers]",null,false,[]]`},
		{"Headers from record", `const h = new Headers({"Content-Type": "text/plain", "X-B": "1"}); return [...h]`, `[["content-type","text/plain"],["x-b","1"]]`},
		{"Headers from pairs", `const h = new Headers([["A", "1"], ["a", "2"], ["B", "3"]]); return [...h]`, `[["a","1, 2"],["b","3"]]`},
		{"Headers from Headers", `const a = new Headers([["x", "1"], ["set-cookie", "c=1"], ["set-cookie", "d=2"]]); const b = new Headers(a); a.set("x", "2"); return [[...b], b.getSetCookie()]`, `[[["set-cookie","c=1"],["set-cookie","d=2"],["x","1"]],["c=1","d=2"]]`},
		{"Headers from iterable", `function* g() { yield ["a", "1"]; yield new Set(["b", "2"]) } return [...new Headers(g())]`, `[["a","1"],["b","2"]]`},
		{"Headers from Map", `return [...new Headers(new Map([["k", "v"]]))]`, `[["k","v"]]`},
		{"Headers init errors", `const out = []; for (const v of [null, 5, "a", [["a"]], [["a", "b", "c"]], [5], [["a b", "c"]], {"a b": "c"}, {"a": "\n"}, [["a", "\u0100"]], {"é": "x"}]) { try { new Headers(v); out.push("ok") } catch (e) { out.push(e.name) } } return out`, `["TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","ok","TypeError","TypeError"]`},
		{"Headers record with symbol", `const o = {a: "1"}; o[Symbol("s")] = "x"; try { new Headers(o); return "ok" } catch (e) { return e.name }`, `"TypeError"`},
		{"Headers record non-enumerable skipped", `const o = {a: "1"}; Object.defineProperty(o, "b", {value: "2", enumerable: false}); return [...new Headers(o)]`, `[["a","1"]]`},
		{"Headers case-insensitive", `const h = new Headers(); h.append("Content-Type", "a"); return [h.get("content-type"), h.get("CONTENT-TYPE"), h.has("Content-type"), [...h.keys()]]`, `["a","a",true,["content-type"]]`},
		{"Headers combine", `const h = new Headers(); h.append("Accept", "a"); h.append("accept", "b"); h.append("ACCEPT", ""); return [h.get("accept"), [...h]]`, `["a, b, ",[["accept","a, b, "]]]`},
		{"Headers set replaces", `const h = new Headers([["a", "1"], ["a", "2"]]); h.set("A", "3"); return [...h]`, `[["a","3"]]`},
		{"Headers delete", `const h = new Headers([["a", "1"], ["b", "2"]]); h.delete("A"); h.delete("zzz"); return [...h]`, `[["b","2"]]`},
		{"Headers sorted", `const h = new Headers([["z", "1"], ["b", "2"], ["a", "3"], ["B", "4"], ["x-y", "5"], ["x", "6"]]); return [...h.keys()]`, `["a","b","x","x-y","z"]`},
		{"Headers value normalization", `const h = new Headers(); h.set("a", " \t v \r\n"); h.append("b", "\n\n"); h.set("c", "in  side"); return [h.get("a"), h.get("b"), h.get("c")]`, `["v","","in  side"]`},
		{"Headers invalid values", `const h = new Headers(); const out = []; for (const v of ["a\nb", "a\rb", "a\u0000b", "\u0100", "ok\u00ff"]) { try { h.set("x", v); out.push("ok") } catch (e) { out.push(e.name) } } return out`, `["TypeError","TypeError","TypeError","TypeError","ok"]`},
		{"Headers invalid names", "const h = new Headers(); const out = []; for (const n of [\"\", \"a b\", \"a:b\", \"é\", \"a\\n\", \"(x)\", \"a/b\", \"a@b\", \"!#$%&'*+-.^_|~\", \"x`y\"]) { try { h.append(n, \"v\"); out.push(\"ok\") } catch (e) { out.push(e.name) } } return out", `["TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","ok","ok"]`},
		{"Headers invalid name on read", `const h = new Headers(); const out = []; for (const f of [() => h.get("a b"), () => h.has(""), () => h.delete("é")]) { try { f(); out.push("ok") } catch (e) { out.push(e.name) } } return out`, `["TypeError","TypeError","TypeError"]`},
		{"Headers values converted", `const h = new Headers(); h.set("a", 1); h.set("b", null); h.set("c", undefined); return [h.get("a"), h.get("b"), h.get("c")]`, `["1","null","undefined"]`},
		{"Headers latin1 allowed", `const h = new Headers({a: "caf\u00e9"}); return h.get("a").charCodeAt(3)`, `233`},
		{"set-cookie", `const h = new Headers(); h.append("Set-Cookie", "a=1"); h.append("set-cookie", "b=2; Path=/"); h.append("X", "y"); return [h.get("set-cookie"), h.getSetCookie(), [...h], h.has("SET-COOKIE")]`, `["a=1, b=2; Path=/",["a=1","b=2; Path=/"],[["set-cookie","a=1"],["set-cookie","b=2; Path=/"],["x","y"]],true]`},
		{"set-cookie set and delete", `const h = new Headers([["set-cookie", "a=1"], ["set-cookie", "b=2"]]); h.set("set-cookie", "c=3"); const one = h.getSetCookie(); h.delete("Set-Cookie"); return [one, h.getSetCookie(), h.get("set-cookie"), h.has("set-cookie")]`, `[["c=3"],[],null,false]`},
		{"set-cookie sorted position", `const h = new Headers([["z", "1"], ["set-cookie", "a"], ["a", "2"], ["set-cookie", "b"]]); return [...h]`, `[["a","2"],["set-cookie","a"],["set-cookie","b"],["z","1"]]`},
		{"getSetCookie returns a copy", `const h = new Headers([["set-cookie", "a"]]); h.getSetCookie().push("x"); return h.getSetCookie()`, `["a"]`},
		{"getAll set-cookie", `const h = new Headers([["set-cookie", "a"], ["set-cookie", "b"]]); let err; try { h.getAll("x") } catch (e) { err = e.name } return [h.getAll("Set-Cookie"), err]`, `[["a","b"],"TypeError"]`},
		{"Headers forEach", `const h = new Headers([["b", "2"], ["a", "1"]]); const out = []; const self = {}; h.forEach(function (v, k, o) { out.push(k, v, o === h, this === self) }, self); return out`, `["a","1",true,true,"b","2",true,true]`},
		{"Headers forEach needs a function", `try { new Headers().forEach({}); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"Headers iteration is live", `const h = new Headers([["a", "1"], ["c", "3"]]); const out = []; for (const [k] of h) { out.push(k); if (k === "a") h.append("b", "2") } return out`, `["a","b","c"]`},
		{"Headers iterators", `const h = new Headers([["a", "1"]]); const it = h.entries(); return [Object.prototype.toString.call(it), [...h.keys()], [...h.values()], [...h.entries()], it.next(), it.next(), h[Symbol.iterator] === h.entries, Object.getPrototypeOf(Object.getPrototypeOf(it)) === Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()))]`, `["[object Headers Iterator]",["a"],["1"],[["a","1"]],{"value":["a","1"],"done":false},{"done":true},true,true]`},
		{"Headers needs arguments", `const h = new Headers(); const out = []; for (const f of [() => h.append("a"), () => h.set("a"), () => h.get(), () => h.has(), () => h.delete()]) { try { f(); out.push("ok") } catch (e) { out.push(e.name) } } return out`, `["TypeError","TypeError","TypeError","TypeError","TypeError"]`},
		{"Headers brand check", `const out = []; for (const m of ["get", "set", "append", "has", "delete", "getSetCookie", "forEach", "entries"]) { try { Headers.prototype[m].call({}, "a", "b"); out.push("ok") } catch (e) { out.push(e.name) } } return out`, `["TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError"]`},
		{"Headers needs new", `try { Headers(); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"Headers no own properties", `return [Object.getOwnPropertyNames(new Headers({a: "1"})), Object.getOwnPropertySymbols(new Headers()).length]`, `[[],0]`},
		{"Headers many", `const h = new Headers(); for (let i = 0; i < 1000; i++) h.append("x-h" + (i % 100), String(i)); return [[...h].length, h.get("x-h5").split(", ").length]`, `[100,10]`},
		{"internals guard immutable", `const H = __internals.headers; const h = H.fromList([["A", "1"], ["set-cookie", "x"]], "immutable"); const out = []; for (const f of [() => h.set("a", "2"), () => h.append("b", "1"), () => h.delete("a"), () => h.set("set-cookie", "y")]) { try { f(); out.push("ok") } catch (e) { out.push(e.name + ": " + e.message) } } return [out, h.get("a"), [...h], H.getGuard(h)]`, `[["TypeError: Can't modify immutable headers.","TypeError: Can't modify immutable headers.","TypeError: Can't modify immutable headers.","TypeError: Can't modify immutable headers."],null,[["A","1"],["set-cookie","x"]],"immutable"]`},
		{"internals guards", `const H = __internals.headers; const h = new Headers(); const out = [H.getGuard(h)]; for (const g of ["request", "request-no-cors", "response", "none", "immutable"]) { H.setGuard(h, g); out.push(H.getGuard(h)) } try { H.setGuard(h, "bogus") } catch (e) { out.push(e.name) } return out`, `["none","request","request-no-cors","response","none","immutable","TypeError"]`},
		{"internals request and response guards do not filter", `const H = __internals.headers; const r = H.create({Host: "x", "Set-Cookie": "a"}, "response"); r.append("Cookie", "c"); const q = H.create([["host", "h"], ["content-length", "1"]], "request"); return [[...r], [...q]]`, `[[["cookie","c"],["host","x"],["set-cookie","a"]],[["content-length","1"],["host","h"]]]`},
		{"internals create immutable", `const H = __internals.headers; const h = H.create({a: "1"}, "immutable"); try { h.set("a", "2") } catch (e) { return [e.name, h.get("a")] } return "no"`, `["TypeError","1"]`},
		{"internals fill honours guard", `const H = __internals.headers; const h = H.fromList([], "immutable"); try { H.fill(h, {a: "1"}); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"internals toList", `const H = __internals.headers; const h = new Headers([["B", "1"], ["set-cookie", "c=1"], ["a", "2"], ["Set-Cookie", "d=2"], ["b", "3"]]); return [H.toList(h), H.toFlat(h), H.sortedList(h)]`, `[[["b","1, 3"],["a","2"],["set-cookie","c=1"],["set-cookie","d=2"]],["b","1, 3","a","2","set-cookie","c=1","set-cookie","d=2"],[["a","2"],["b","1, 3"],["set-cookie","c=1"],["set-cookie","d=2"]]]`},
		{"internals fromFlat", `const H = __internals.headers; const flat = ["content-type", "text/html", "set-cookie", "a", "set-cookie", "b", "x", "1", "x", "2"]; const h = H.fromFlat(flat, "request"); const passThrough = H.toFlat(h); const g = H.fromFlat(flat); return [passThrough, [...g], g.get("x"), H.toFlat(g), H.getGuard(h), H.toFlat(H.fromFlat([]))]`, `[["content-type","text/html","set-cookie","a","set-cookie","b","x","1","x","2"],[["content-type","text/html"],["set-cookie","a"],["set-cookie","b"],["x","1, 2"]],"1, 2",["content-type","text/html","x","1, 2","set-cookie","a","set-cookie","b"],"request",[]]`},
		{"internals fromFlat then public API", `const H = __internals.headers; const mk = () => H.fromFlat(["b", "1", "set-cookie", "s1", "a", "2", "b", "3", "set-cookie", "s2"]);
  const h1 = mk(); const r1 = [h1.get("B"), h1.get("set-cookie"), h1.has("a"), h1.has("zz"), h1.getSetCookie()];
  const h2 = mk(); h2.append("c", "4"); h2.delete("a");
  const h3 = mk(); const copy = new Headers(h3); const cl = H.clone(mk()); const many = mk(); for (let i = 0; i < 10; i++) many.get("b");
  const h4 = mk(); h4.set("b", "x");
  return [r1, [...h2], [...copy], [...cl], [...mk()], many.get("b"), H.toList(mk()), [...h4], H.get(mk(), "set-cookie"), H.has(mk(), "a")]`, `[["1, 3","s1, s2",true,false,["s1","s2"]],[["b","1, 3"],["c","4"],["set-cookie","s1"],["set-cookie","s2"]],[["a","2"],["b","1, 3"],["set-cookie","s1"],["set-cookie","s2"]],[["a","2"],["b","1, 3"],["set-cookie","s1"],["set-cookie","s2"]],[["a","2"],["b","1, 3"],["set-cookie","s1"],["set-cookie","s2"]],"1, 3",[["b","1, 3"],["a","2"],["set-cookie","s1"],["set-cookie","s2"]],[["a","2"],["b","x"],["set-cookie","s1"],["set-cookie","s2"]],"s1, s2",true]`},
		{"internals fromFlat string", `const H = __internals.headers; const flat = "content-type\x00text/html\x00set-cookie\x00a\x00set-cookie\x00b\x00x\x001\x00x\x002"; const mk = () => H.fromFlat(flat, "request");
  const h = mk(); const scans = [h.get("x"), h.has("set-cookie"), h.has("nope"), h.get("content-type")];
  return [H.toFlat(mk()), [...mk()], scans, h.getSetCookie(), H.toFlat(H.fromFlat("")), [...H.fromFlat("A\x00 v ", "none", true)], [...H.fromFlat("", "none", true)]]`, `[["content-type","text/html","set-cookie","a","set-cookie","b","x","1","x","2"],[["content-type","text/html"],["set-cookie","a"],["set-cookie","b"],["x","1, 2"]],["1, 2",true,false,"text/html"],["a","b"],[],[["a","v"]],[]]`},
		{"internals fromFlat lazily", `const H = __internals.headers; const h = H.fromFlat(["a", "1"], "immutable"); try { h.set("a", "2") } catch (e) { return [e.name, h.get("a"), H.toList(h)] } return "no"`, `["TypeError","1",[["a","1"]]]`},
		{"internals fromList validate", `const H = __internals.headers; const out = []; try { H.fromList([["a b", "c"]], "none", true) } catch (e) { out.push(e.name) } try { H.fromFlat(["a", "x\u0000y"], "none", true) } catch (e) { out.push(e.name) } out.push(H.fromList([["A", " v "]], "none", true).get("a")); return out`, `["TypeError","TypeError","v"]`},
		{"internals unguarded access", `const H = __internals.headers; const h = H.fromList([], "immutable"); H.set(h, "content-type", "text/plain"); H.append(h, "set-cookie", "a"); H.append(h, "set-cookie", "b"); H.append(h, "x", "1"); H.append(h, "x", "2"); const a = [H.get(h, "content-type"), H.has(h, "x"), H.get(h, "x"), H.get(h, "set-cookie"), H.get(h, "nope")]; H.delete(h, "x"); H.delete(h, "set-cookie"); return [a, [...h]]`, `[["text/plain",true,"1, 2","a, b",null],[["content-type","text/plain"]]]`},
		{"internals clone", `const H = __internals.headers; const h = H.fromList([["a", "1"], ["set-cookie", "x"]], "immutable"); const c = H.clone(h); const d = H.clone(h, "none"); d.append("b", "2"); return [H.getGuard(c), [...c], [...d], [...h]]`, `["immutable",[["a","1"],["set-cookie","x"]],[["a","1"],["b","2"],["set-cookie","x"]],[["a","1"],["set-cookie","x"]]]`},
		{"internals isHeaders and helpers", `const H = __internals.headers; return [H.isHeaders(new Headers()), H.isHeaders({}), H.validName("x-a"), H.validName("a b"), H.normalizeValue("  v  ")]`, `[true,false,true,false,"v"]`},
		{"Headers surface", `if (typeof Headers === "undefined") return "missing"; return [Object.getOwnPropertyNames(Headers).sort(), Object.getOwnPropertyNames(Headers.prototype).sort(), Object.getOwnPropertySymbols(Headers.prototype).map(String)]`, `[["length","name","prototype"],["append","constructor","delete","entries","forEach","get","getAll","getSetCookie","has","keys","set","values"],["Symbol(Symbol.iterator)","Symbol(Symbol.toStringTag)"]]`},
	}, headers.Extension(), exposeInternals)
}

// A request's headers as the host delivers them: fromFlat, a few lookups,
// iteration.
func BenchmarkRequestHeaders(b *testing.B) {
	vm := webapitest.New(b, headers.Extension(), exposeInternals)
	vm.Run(b, `const H = __internals.headers;
		const flat = ["host", "example.com", "user-agent", "Mozilla/5.0 (X11; Linux x86_64)", "accept", "text/html,application/xhtml+xml",
			"accept-language", "en-US,en;q=0.5", "accept-encoding", "gzip, deflate, br", "connection", "keep-alive", "cookie", "a=1; b=2",
			"upgrade-insecure-requests", "1", "sec-fetch-dest", "document", "sec-fetch-mode", "navigate", "cf-connecting-ip", "203.0.113.9",
			"x-forwarded-proto", "https"];
		globalThis.bench = (n) => { let x = 0; for (let i = 0; i < n; i++) { const h = H.fromFlat(flat, "request");
			if (h.get("Accept") !== null) x++; if (h.has("authorization")) x++; x += H.toFlat(h).length } return x };
		return 0`)
	b.ResetTimer()
	vm.Run(b, `bench(`+strconv.Itoa(b.N)+`); return 0`)
}

// Building Headers in worker code: constructor with a record, then
// iteration.
func BenchmarkNewHeaders(b *testing.B) {
	vm := webapitest.New(b, headers.Extension())
	vm.Run(b, `globalThis.bench = (n) => { let x = 0; for (let i = 0; i < n; i++) {
		const h = new Headers({"Content-Type": "application/json", "Cache-Control": "no-store", "X-Request-Id": "abc"});
		h.set("x-extra", "1"); for (const [k, v] of h) x += k.length } return x }; return 0`)
	b.ResetTimer()
	vm.Run(b, `bench(`+strconv.Itoa(b.N)+`); return 0`)
}
