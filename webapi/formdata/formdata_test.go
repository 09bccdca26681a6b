package formdata_test

import (
	"testing"

	"github.com/verge-edge/verge/engine"
	"github.com/verge-edge/verge/webapi/blob"
	"github.com/verge-edge/verge/webapi/events"
	"github.com/verge-edge/verge/webapi/formdata"
	"github.com/verge-edge/verge/webapi/webapitest"
)

// exposeInternals makes verge.internals reachable from test snippets as
// __internals (it loads after the areas under test, before finish.js).
var exposeInternals = engine.Extension{Name: "test-internals", Scripts: []engine.Script{{
	Name: "test-internals.js", Source: "globalThis.__internals = globalThis.__verge.internals;",
}}}

func exts() []engine.Extension {
	return []engine.Extension{events.Extension(), blob.Extension(), formdata.Extension(), exposeInternals}
}

func TestFormData(t *testing.T) {
	webapitest.RunCases(t, []webapitest.Case{
		{"FormData empty", `const fd = new FormData(); return [[...fd], Object.prototype.toString.call(fd), fd.get("x"), fd.getAll("x"), fd.has("x")]`, `[[],"[object FormData]",null,[],false]`},
		{"FormData form argument", `const out = []; for (const v of [null, {}, 5]) { try { new FormData(v); out.push("ok") } catch (e) { out.push(e.name) } } new FormData(undefined); return out`, `["TypeError","TypeError","TypeError"]`},
		{"FormData append get", `const fd = new FormData(); fd.append("a", "1"); fd.append("b", 2); fd.append("a", "3"); return [fd.get("a"), fd.getAll("a"), fd.get("b"), fd.has("b"), fd.has("c"), [...fd]]`, `["1",["1","3"],"2",true,false,[["a","1"],["b","2"],["a","3"]]]`},
		{"FormData set", `const fd = new FormData(); fd.append("a", "1"); fd.append("b", "x"); fd.append("a", "2"); fd.set("a", "3"); fd.set("c", "4"); return [...fd]`, `[["a","3"],["b","x"],["c","4"]]`},
		{"FormData delete", `const fd = new FormData(); fd.append("a", "1"); fd.append("b", "x"); fd.append("a", "2"); fd.delete("a"); fd.delete("zz"); return [...fd]`, `[["b","x"]]`},
		{"FormData Blob becomes File", `const fd = new FormData(); fd.append("f", new Blob(["abc"], {type: "text/plain"})); const f = fd.get("f"); return [f instanceof File, f.name, f.type, f.size, await f.text()]`, `[true,"blob","text/plain",3,"abc"]`},
		{"FormData Blob with filename", `const fd = new FormData(); fd.append("f", new Blob(["abc"]), "x.txt"); return [fd.get("f").name, fd.get("f").type]`, `["x.txt",""]`},
		{"FormData File kept", `const fd = new FormData(); const f = new File(["a"], "orig.txt", {lastModified: 5}); fd.append("f", f); fd.append("g", f, "renamed.txt"); const g = fd.get("g"); return [fd.get("f") === f, g === f, g.name, g.lastModified, await g.text()]`, `[true,false,"renamed.txt",5,"a"]`},
		{"FormData filename needs a Blob", `const fd = new FormData(); try { fd.append("a", "b", "c"); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"FormData set filename needs a Blob", `const fd = new FormData(); try { fd.set("a", "b", "c"); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"FormData needs arguments", `const fd = new FormData(); const out = []; for (const f of [() => fd.append("a"), () => fd.get(), () => fd.set("a"), () => fd.delete(), () => fd.has(), () => fd.getAll()]) { try { f(); out.push("ok") } catch (e) { out.push(e.name) } } return out`, `["TypeError","TypeError","TypeError","TypeError","TypeError","TypeError"]`},
		{"FormData USVString", `const fd = new FormData(); fd.append("a\ud800", "b\udc00"); const [[k, v]] = [...fd]; return [k.charCodeAt(1), v.charCodeAt(1), fd.has("a\ufffd")]`, `[65533,65533,true]`},
		{"FormData iteration", `const fd = new FormData(); fd.append("a", "1"); fd.append("b", "2"); return [[...fd.keys()], [...fd.values()], [...fd.entries()], [...fd]]`, `[["a","b"],["1","2"],[["a","1"],["b","2"]],[["a","1"],["b","2"]]]`},
		{"FormData iterator is live", `const fd = new FormData(); fd.append("a", "1"); fd.append("b", "2"); const out = []; for (const [k] of fd) { out.push(k); if (k === "a") fd.append("c", "3") } return out`, `["a","b","c"]`},
		{"FormData iterator object", `const fd = new FormData(); const it = fd.entries(); const proto = Object.getPrototypeOf(it); return [Object.prototype.toString.call(it), typeof it.next, it[Symbol.iterator]() === it, Object.getPrototypeOf(proto) === Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())), "constructor" in proto && proto.constructor !== Object, it.next()]`, `["[object FormData Iterator]","function",true,true,true,{"done":true}]`},
		{"FormData forEach", `const fd = new FormData(); fd.append("a", "1"); fd.append("b", "2"); const out = []; const self = {}; fd.forEach(function (v, k, o) { out.push(k, v, o === fd, this === self) }, self); return out`, `["a","1",true,true,"b","2",true,true]`},
		{"FormData forEach needs a function", `try { new FormData().forEach(5); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"FormData brand check", `try { FormData.prototype.get.call({}, "a"); return "no" } catch (e) { return e.name }`, `"TypeError"`},
		{"FormData symbol iterator is entries", `return FormData.prototype[Symbol.iterator] === FormData.prototype.entries`, `true`},
		{"serialize", `const fd = new FormData(); fd.append("a", "1"); fd.append("f", new Blob(["xy"], {type: "text/x"}), "f.txt"); fd.append("e", new Blob([])); const {body, contentType} = __internals.formdata.serializeMultipart(fd, "BOUND"); return [contentType, new TextDecoder().decode(body)]`, `["multipart/form-data; boundary=BOUND","--BOUND\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--BOUND\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f.txt\"\r\nContent-Type: text/x\r\n\r\nxy\r\n--BOUND\r\nContent-Disposition: form-data; name=\"e\"; filename=\"blob\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--BOUND--\r\n"]`},
		{"serialize escaping", `const fd = new FormData(); fd.append('a"\n\rb', "v\nx\ry\r\nz"); fd.append("f", new Blob(["q"]), 'f"\n\r.txt'); const {body} = __internals.formdata.serializeMultipart(fd, "B"); return new TextDecoder().decode(body)`, `"--B\r\nContent-Disposition: form-data; name=\"a%22%0D%0A%0D%0Ab\"\r\n\r\nv\r\nx\r\ny\r\nz\r\n--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f%22%0A%0D.txt\"\r\nContent-Type: application/octet-stream\r\n\r\nq\r\n--B--\r\n"`},
		{"serialize utf-8", `const fd = new FormData(); fd.append("é", "€"); fd.append("f", new Blob([]), "ü.txt"); const {body} = __internals.formdata.serializeMultipart(fd, "B"); const i = body.indexOf(0xc3); return [new TextDecoder().decode(body), Array.from(body.subarray(i, i + 2))]`, `["--B\r\nContent-Disposition: form-data; name=\"é\"\r\n\r\n€\r\n--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"ü.txt\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--B--\r\n",[195,169]]`},
		{"serialize random boundary", `const fd = new FormData(); const a = __internals.formdata.serializeMultipart(fd); const b = __internals.formdata.serializeMultipart(fd); const m = /^multipart\/form-data; boundary=([0-9a-f]{32})$/.exec(a.contentType); return [!!m, a.contentType !== b.contentType, new TextDecoder().decode(a.body) === "--" + m[1] + "--\r\n"]`, `[true,true,true]`},
		{"round trip", `const F = __internals.formdata; const fd = new FormData(); fd.append('we"ird\nname', "line1\nline2"); fd.append("f", new File([new Uint8Array([0, 13, 10, 45, 45, 255])], 'q"\r.bin', {type: "application/x-thing"})); fd.append("s", ""); fd.append("é", "ü€"); const {body, contentType} = F.serializeMultipart(fd); const back = F.parseMultipart(body, contentType); const out = []; for (const [k, v] of back) out.push([k, typeof v === "string" ? v : [v.name, v.type, Array.from(await v.bytes())]]); return out`, `[["we\"ird\r\nname","line1\r\nline2"],["f",["q\"\r.bin","application/x-thing",[0,13,10,45,45,255]]],["s",""],["é","ü€"]]`},
		{"parse", `const body = "--X\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nhello\r\n--X\r\ncontent-disposition: form-data; name=b; filename=\"b.txt\"\r\nContent-Type: text/csv\r\n\r\n1,2\r\n\r\n--X--\r\nepilogue"; const fd = __internals.formdata.parseMultipart(body, 'multipart/form-data; boundary="X"'); const b = fd.get("b"); return [fd.get("a"), b.name, b.type, await b.text()]`, `["hello","b.txt","text/csv","1,2\r\n"]`},
		{"parse preamble and padding", `const body = "preamble\r\n--X  \r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--X--"; return [...__internals.formdata.parseMultipart(body, "Multipart/Form-Data; charset=utf-8; boundary=X")]`, `[["a","v"]]`},
		{"parse file without type", `const body = "--X\r\nContent-Disposition: form-data; name=\"f\"; filename=\"\"\r\n\r\n\r\n--X--"; const f = __internals.formdata.parseMultipart(body, "multipart/form-data; boundary=X").get("f"); return [f instanceof File, f.name, f.type, f.size]`, `[true,"","text/plain",0]`},
		{"parse filename*", `const body = "--X\r\nContent-Disposition: form-data; name=\"f\"; filename=\"fallback\"; filename*=UTF-8''%E2%82%AC.txt\r\n\r\nz\r\n--X--"; return __internals.formdata.parseMultipart(body, "multipart/form-data; boundary=X").get("f").name`, `"€.txt"`},
		{"parse escaped names", `const body = "--X\r\nContent-Disposition: form-data; name=\"a%22b%0D%0Ac\"; filename=\"x\\\"y\"\r\n\r\nz\r\n--X--"; const [[k, v]] = [...__internals.formdata.parseMultipart(body, "multipart/form-data; boundary=X")]; return [k, v.name]`, `["a\"b\r\nc","x\"y"]`},
		{"parse empty", `return [...__internals.formdata.parseMultipart("--X--\r\n", "multipart/form-data; boundary=X")]`, `[]`},
		{"parse errors", `const P = (b, ct = "multipart/form-data; boundary=X") => { try { __internals.formdata.parseMultipart(b, ct); return "ok" } catch (e) { return e.name } }; return [
  P("", "text/plain"),
  P("", "multipart/form-data"),
  P("", "multipart/form-data; boundary="),
  P("", "multipart/form-data; boundary=\"X"),
  P(""),
  P("--X"),
  P("--X\r\n"),
  P("--X\r\nContent-Disposition: form-data; name=a\r\n"),
  P("--X\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue"),
  P("--X\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue\r\n--X"),
  P("--X\r\nContent-Disposition: attachment; name=a\r\n\r\nv\r\n--X--"),
  P("--X\r\nContent-Disposition: form-data\r\n\r\nv\r\n--X--"),
  P("--X\r\nContent-Type: text/plain\r\n\r\nv\r\n--X--"),
  P("--X\r\nno colon\r\n\r\nv\r\n--X--"),
  P("--Xjunk\r\n"),
  P("--X\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n--X--"),
]`, `["TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError"]`},
		{"parse does not hang", `const F = __internals.formdata; const inputs = ["-".repeat(10000), "--X" + "\r\n".repeat(5000), "--X\r\n" + "a: b\r\n".repeat(5000), "\r\n--X".repeat(3000), "--X\r\nContent-Disposition: form-data; name=a\r\n\r\n" + "\r\n--".repeat(5000)]; const out = []; for (const b of inputs) { try { F.parseMultipart(b, "multipart/form-data; boundary=X"); out.push("ok") } catch (e) { out.push(e.name) } } return out`, `["TypeError","TypeError","TypeError","TypeError","TypeError"]`},
		{"parse bytes and views", `const F = __internals.formdata; const body = new TextEncoder().encode("--X\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--X--"); const padded = new Uint8Array(body.length + 4); padded.set(body, 2); return [F.parseMultipart(body.buffer, "multipart/form-data; boundary=X").get("a"), F.parseMultipart(padded.subarray(2, 2 + body.length), "multipart/form-data; boundary=X").get("a")]`, `["v","v"]`},
		{"parse big file", `const F = __internals.formdata; const fd = new FormData(); const data = new Uint8Array(1 << 20); for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 255; fd.append("big", new Blob([data])); fd.append("after", "x"); const {body, contentType} = F.serializeMultipart(fd); const back = F.parseMultipart(body, contentType); const got = await back.get("big").bytes(); let same = got.length === data.length; for (let i = 0; same && i < data.length; i++) same = got[i] === data[i]; return [same, back.get("after")]`, `[true,"x"]`},
		{"urlencoded", `const fd = __internals.formdata.parseUrlEncoded("a=1&b=x+y&a=%41%42&c&&=empty&d=%zz&e=%E2%82%AC&f=%FF&g=a=b"); return [...fd]`, `[["a","1"],["b","x y"],["a","AB"],["c",""],["","empty"],["d","%zz"],["e","€"],["f","�"],["g","a=b"]]`},
		{"urlencoded bytes", `const u = new TextEncoder().encode("k%C3=%A9v&x=\u00e9"); return __internals.formdata.parseUrlEncodedPairs(u)`, `[["k�","�v"],["x","é"]]`},
		{"urlencoded raw invalid byte then escapes", `return __internals.formdata.parseUrlEncodedPairs(new Uint8Array([0x61, 0x3d, 0xe2, 0x25, 0x38, 0x32, 0x25, 0x41, 0x43]))`, `[["a","€"]]`},
		{"urlencoded empty", `return [[...__internals.formdata.parseUrlEncoded("")], [...__internals.formdata.parseUrlEncoded("&&&")]]`, `[[],[]]`},
		{"internals helpers", `const F = __internals.formdata; const fd = new FormData(); F.append(fd, "a", "b"); const e = F.entries(fd); e.push(["x", "y"]); return [F.isFormData(fd), F.isFormData({}), [...fd]]`, `[true,false,[["a","b"]]]`},
		{"FormData surface", `if (typeof FormData === "undefined") return "missing"; return [Object.getOwnPropertyNames(FormData).sort(), Object.getOwnPropertyNames(FormData.prototype).sort(), Object.getOwnPropertySymbols(FormData.prototype).map(String)]`, `[["length","name","prototype"],["append","constructor","delete","entries","forEach","get","getAll","has","keys","set","values"],["Symbol(Symbol.iterator)","Symbol(Symbol.toStringTag)"]]`},
	}, exts()...)
}
