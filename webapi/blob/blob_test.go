package blob_test

import (
	"testing"

	"github.com/verge-edge/verge/engine"
	"github.com/verge-edge/verge/webapi/blob"
	"github.com/verge-edge/verge/webapi/events"
	"github.com/verge-edge/verge/webapi/webapitest"
)

// exposeInternals makes verge.internals reachable from test snippets as
// __internals (it loads after the areas under test, before finish.js).
var exposeInternals = engine.Extension{Name: "test-internals", Scripts: []engine.Script{{
	Name: "test-internals.js", Source: "globalThis.__internals = globalThis.__verge.internals;",
}}}

func exts() []engine.Extension {
	return []engine.Extension{events.Extension(), blob.Extension(), exposeInternals}
}

func TestBlob(t *testing.T) {
	webapitest.RunCases(t, []webapitest.Case{
		{"Blob empty", `const b = new Blob(); return [b.size, b.type, await b.text(), Object.prototype.toString.call(b), b instanceof Blob]`, `[0,"","","[object Blob]",true]`},
		{"Blob parts", `const b = new Blob(["héllo", " ", new Uint8Array([119, 111]), new Uint16Array([0x6c72]).buffer, new DataView(new Uint8Array([100]).buffer), new Blob(["!"])]); return [b.size, await b.text()]`, `[13,"héllo world!"]`},
		{"Blob lone surrogates", `const b = new Blob(["a\ud800b\udc00", "\ud83d\ude00"]); return [b.size, Array.from(await b.bytes())]`, `[12,[97,239,191,189,98,239,191,189,240,159,152,128]]`},
		{"Blob split surrogate pair across parts", `const b = new Blob(["\ud83d", "\ude00"]); return Array.from(await b.bytes())`, `[239,191,189,239,191,189]`},
		{"Blob other values are strings", `const b = new Blob([1, null, undefined, {toString() { return "o" }}, true]); return await b.text()`, `"1nullundefinedotrue"`},
		{"Blob parts must be a sequence", `const out = []; for (const v of ["abc", 5, null, {}]) { try { new Blob(v); out.push("ok") } catch (e) { out.push(e.name) } } return out`, `["TypeError","TypeError","TypeError","TypeError"]`},
		{"Blob parts from iterable", `function* g() { yield "a"; yield "b" } return await new Blob(g()).text()`, `"ab"`},
		{"Blob symbol part", `try { new Blob([Symbol()]); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"Blob type", `return [new Blob([], {type: "Text/HTML;Charset=UTF-8"}).type, new Blob([], {type: "a\u00e9"}).type, new Blob([], {type: "a\x1f"}).type, new Blob([], {type: 5}).type, new Blob([], {}).type, new Blob([], null).type]`, `["text/html;charset=utf-8","","","5","",""]`},
		{"Blob options not an object", `try { new Blob([], 5); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"Blob endings", `const t = await new Blob(["a\r\nb\rc\nd"], {endings: "native"}).text(); const u = await new Blob(["a\r\nb"], {endings: "transparent"}).text(); return [t, u]`, `["a\nb\nc\nd","a\r\nb"]`},
		{"Blob bad endings", `try { new Blob([], {endings: "windows"}); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"Blob copies buffers", `const u = new Uint8Array([1, 2, 3]); const b = new Blob([u]); u[0] = 9; return Array.from(await b.bytes())`, `[1,2,3]`},
		{"Blob arrayBuffer", `const ab = await new Blob(["abc"]).arrayBuffer(); return [ab instanceof ArrayBuffer, ab.byteLength, Array.from(new Uint8Array(ab))]`, `[true,3,[97,98,99]]`},
		{"Blob bytes", `const b = new Blob(["abc"]); const x = await b.bytes(); x[0] = 0; return [x instanceof Uint8Array, await b.text()]`, `[true,"abc"]`},
		{"Blob arrayBuffer fresh copy", `const b = new Blob(["abc"]).slice(1); const ab = await b.arrayBuffer(); new Uint8Array(ab)[0] = 65; return [ab.byteLength, await b.text()]`, `[2,"bc"]`},
		{"Blob text strips BOM", `return [await new Blob([new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69])]).text(), await new Blob([new Uint8Array([0xff, 0x68])]).text()]`, `["hi","�h"]`},
		{"Blob slice", `const b = new Blob(["0123456789"], {type: "text/plain"}); const r = []; for (const [s, e] of [[undefined, undefined], [2, undefined], [2, 5], [-3, undefined], [-3, -1], [5, 2], [-100, 3], [8, 100], [NaN, 2], [1.5, 4.5], [2.5, 3.5], [Infinity, undefined], [-Infinity, 2], ["3", "6"]]) { r.push(await b.slice(s, e).text()) } return r`, `["0123456789","23456789","234","789","78","","012","89","01","23","23","","01","345"]`},
		{"Blob slice type", `const b = new Blob(["x"], {type: "text/plain"}); return [b.slice().type, b.slice(0, 1, "Image/PNG").type, b.slice(0, 1, "\u00ff").type, b.slice(0, 1, undefined).type]`, `["","image/png","",""]`},
		{"Blob slice of slice", `const b = new Blob(["0123456789"]).slice(2, 8).slice(1, -1); return [b.size, await b.text()]`, `[4,"3456"]`},
		{"Blob methods return promises", `const b = new Blob(["x"]); return [b.text() instanceof Promise, b.arrayBuffer() instanceof Promise, b.bytes() instanceof Promise]`, `[true,true,true]`},
		{"Blob brand checks", `const out = []; try { Object.getOwnPropertyDescriptor(Blob.prototype, "size").get.call({}) } catch (e) { out.push(e.name) } try { await Blob.prototype.text.call({}) } catch (e) { out.push(e.name) } try { Blob.prototype.slice.call({}) } catch (e) { out.push(e.name) } return out`, `["TypeError","TypeError","TypeError"]`},
		{"Blob needs new", `try { Blob(); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"Blob stream", `if (typeof ReadableStream === "undefined") return "no streams"; const r = new Blob(["ab", "c"]).stream().getReader(); let s = ""; for (;;) { const {value, done} = await r.read(); if (done) break; s += new TextDecoder().decode(value) } return s`, `"no streams"`},
		{"Blob big", `const part = "x".repeat(1 << 16); const b = new Blob(Array(16).fill(part)); return [b.size, (await b.text()).length, b.slice(-3).size]`, `[1048576,1048576,3]`},
		{"Blob own properties", `return [Object.getOwnPropertyNames(new Blob(["x"])), Object.getOwnPropertyNames(Blob.prototype).sort()]`, `[[],["arrayBuffer","bytes","constructor","size","slice","stream","text","type"]]`},
		{"File", `const f = new File(["abc"], "a.txt", {type: "Text/Plain", lastModified: 42}); return [f.name, f.size, f.type, f.lastModified, f instanceof Blob, f instanceof File, Object.prototype.toString.call(f), await f.text()]`, `["a.txt",3,"text/plain",42,true,true,"[object File]","abc"]`},
		{"File default lastModified", `const before = Date.now(); const f = new File([], "x"); return [f.lastModified >= before, f.lastModified <= Date.now(), typeof f.lastModified]`, `[true,true,"number"]`},
		{"File lastModified conversion", `return [new File([], "x", {lastModified: 1.9}).lastModified, new File([], "x", {lastModified: "12"}).lastModified, new File([], "x", {lastModified: -5}).lastModified, new File([], "x", {lastModified: NaN}).lastModified]`, `[1,12,-5,0]`},
		{"File name conversion", `return [new File([], 5).name, new File([], "a/b").name, new File([], "\ud800").name.charCodeAt(0)]`, `["5","a/b",65533]`},
		{"File needs two arguments", `try { new File(["a"]); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"File from Blob parts", `const f = new File([new Blob(["a"]), new File(["b"], "b")], "ab"); return [await f.text(), f.type]`, `["ab",""]`},
		{"File slice is a Blob", `const s = new File(["abc"], "n").slice(1); return [s instanceof File, s instanceof Blob, await s.text()]`, `[false,true,"bc"]`},
		{"File brand check", `try { Object.getOwnPropertyDescriptor(File.prototype, "name").get.call(new Blob()); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"internals create", `const bl = __internals.blob; const u = new Uint8Array([104, 105]); const b = bl.create(u, "X/Y"); const f = bl.createFile(u, "n", "", 7); return [await b.text(), b.type, f.name, f.lastModified, bl.isBlob(b), bl.isFile(b), bl.isFile(f), bl.isBlob({}), bl.bytesOf(b) === u]`, `["hi","x/y","n",7,true,false,true,false,true]`},
		{"internals utf8", `const u = __internals.utf8; return [Array.from(u.encode("é\ud800")), u.decode(new Uint8Array([0xe2, 0x82, 0xac, 0xff])), u.decodeStripBOM(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), Array.from(u.jsEncode("é\ud800\ud83d\ude00")), u.jsDecode(new Uint8Array([0xe2, 0x82, 0x41, 0xf0, 0x9f, 0x98, 0x80, 0xc0, 0x80, 0xed, 0xa0, 0x80]))]`, `[[195,169,239,191,189],"€�","A",[195,169,239,191,189,240,159,152,128],"�A😀�����"]`},
		{"Blob surface", `if (typeof Blob === "undefined") return "missing"; return [Object.getOwnPropertyNames(Blob).sort(), Object.getOwnPropertyNames(Blob.prototype).sort(), Object.getOwnPropertySymbols(Blob.prototype).map(String)]`, `[["length","name","prototype"],["arrayBuffer","bytes","constructor","size","slice","stream","text","type"],["Symbol(Symbol.toStringTag)"]]`},
		{"File surface", `if (typeof File === "undefined") return "missing"; return [Object.getOwnPropertyNames(File).sort(), Object.getOwnPropertyNames(File.prototype).sort(), Object.getOwnPropertySymbols(File.prototype).map(String)]`, `[["length","name","prototype"],["constructor","lastModified","name"],["Symbol(Symbol.toStringTag)"]]`},
	}, exts()...)
}

// Blob.stream() uses the streams area's fromBytes when it is there, and
// gets a copy of the bytes.
func TestStreamFromBytes(t *testing.T) {
	fake := engine.Extension{Name: "fake-streams", Scripts: []engine.Script{{Name: "fake-streams.js", Source: `
		globalThis.__verge.internals.streams = { fromBytes(u8) { u8[0] = 0; return { fake: Array.from(u8) } } };`}}}
	got := webapitest.Run(t, `const b = new Blob(["abc"]); const s = b.stream(); return [s, await b.text()]`,
		events.Extension(), blob.Extension(), fake)
	if want := `[{"fake":[0,98,99]},"abc"]`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// Without internals.streams, Blob.stream() builds a byte ReadableStream.
func TestStreamFallback(t *testing.T) {
	fake := engine.Extension{Name: "fake-rs", Scripts: []engine.Script{{Name: "fake-rs.js", Source: `
		globalThis.ReadableStream = class { constructor(src) { this.chunks = []; this.type = src.type;
			src.start({ enqueue: (c) => this.chunks.push(Array.from(c)), close: () => { this.closed = true } }) } };`}}}
	got := webapitest.Run(t, `const s = new Blob(["ab"]).stream(); const e = new Blob().stream(); return [s.type, s.chunks, s.closed, e.chunks]`,
		fake, events.Extension(), blob.Extension())
	if want := `["bytes",[[97,98]],true,[]]`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// The pure-JavaScript UTF-8 codec agrees with the Go ops.
func TestUTF8Fallback(t *testing.T) {
	// Touching Blob loads the area (it is lazy), and with it the codec.
	got := webapitest.Run(t, `Blob; const u = __internals.utf8;
		const strs = ["", "abc", "é€😀", "\ud800", "a\udc00b", "\ud83d\ude00\ud83d", "\u0000\u007f\u0080\u07ff\u0800\uffff"];
		for (const s of strs) {
			const a = Array.from(u.encode(s)), b = Array.from(u.jsEncode(s));
			if (a.join() !== b.join()) return "encode " + JSON.stringify(s) + ": " + a + " vs " + b;
		}
		const bytes = [[0xff], [0xc0, 0x80], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf0, 0x9f, 0x98], [0xe2, 0x82], [0x61, 0xe2, 0x82, 0x62],
			[0xf0, 0x9f, 0x98, 0x80], [0xc2], [0xc2, 0xc2, 0xa9], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe0, 0xa0, 0x80], [0xef, 0xbf, 0xbf]];
		for (const b of bytes) {
			const x = u.decode(new Uint8Array(b)), y = u.jsDecode(new Uint8Array(b));
			if (x !== y) return "decode " + b + ": " + escape(x) + " vs " + escape(y);
		}
		const big = new Uint8Array(100000).fill(0x41);
		return u.jsDecode(big) === u.decode(big)`, exts()...)
	if got != "true" {
		t.Fatal(got)
	}
}
