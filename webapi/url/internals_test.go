package url_test

import (
	"testing"

	"github.com/verge-edge/verge/engine"
	"github.com/verge-edge/verge/webapi/url"
	"github.com/verge-edge/verge/webapi/webapitest"
)

// exposeInternals makes the internals and the ops reachable from test
// snippets (it loads after the area under test, before finish.js).
var exposeInternals = engine.Extension{
	Name: "test-internals",
	Scripts: []engine.Script{{
		Name:   "test-internals.js",
		Source: "globalThis.__internals = globalThis.__verge.internals; globalThis.__ops = globalThis.__verge.ops;",
	}},
}

func TestInternals(t *testing.T) {
	webapitest.RunCases(t, []webapitest.Case{
		{"parseUrlEncoded", `return __internals.url.parseUrlEncoded("a=b+c&d=%zz&&e=%E2%82%AC&f&=g")`, `[["a","b c"],["d","%zz"],["e","€"],["f",""],["","g"]]`},
		{"parseUrlEncoded plain", `return __internals.url.parseUrlEncoded("x=1&y=a+b&z")`, `[["x","1"],["y","a b"],["z",""]]`},
		{"parseUrlEncoded lone surrogate", `return __internals.url.parseUrlEncoded("\ud800=1")[0][0] === "\ufffd"`, `true`},
		{"serializeUrlEncoded", `return __internals.url.serializeUrlEncoded([["a b", "c&d=e"], ["\u00e9", "'~*"], ["\ud800", ""]])`, `"a+b=c%26d%3De&%C3%A9=%27%7E*&%EF%BF%BD="`},
		{"round trip", `const u = __internals.url; const s = "a=1&b=%20%2B+&c=%E2%82%AC"; return u.serializeUrlEncoded(u.parseUrlEncoded(s))`, `"a=1&b=+%2B+&c=%E2%82%AC"`},
	}, url.Extension(), exposeInternals)
}

// TestOpsValidate checks that the ops reject arguments that the JavaScript
// side would never pass.
func TestOpsValidate(t *testing.T) {
	webapitest.RunCases(t, []webapitest.Case{
		{"url_parse input", `return __ops.url_parse(1)`, `Throws: TypeError: url_parse: argument 1 must be a string`},
		{"url_parse base", `return __ops.url_parse("x", 2)`, `Throws: TypeError: url_parse: argument 2 must be a string`},
		{"url_set setter range", `return __ops.url_set("http://a/", 9, "x")`, `Throws: RangeError: url_set: argument 2 out of range`},
		{"url_set setter fraction", `return __ops.url_set("http://a/", 1.5, "x")`, `Throws: RangeError: url_set: argument 2 out of range`},
		{"url_set setter type", `return __ops.url_set("http://a/", "1", "x")`, `Throws: TypeError: url_set: argument 2 must be a number`},
		{"url_set href", `try { __ops.url_set("nope", 0, "x", new Int32Array(11)) } catch (e) { return [e.name, e.message.startsWith('url_set: invalid href "nope": ')] }`, `["TypeError",true]`},
		{"url_set value", `return __ops.url_set("http://a/", 0, {})`, `Throws: TypeError: url_set: argument 3 must be a string`},
		{"url_set offsets", `return __ops.url_set("http://a/", 0, "x", new ArrayBuffer(40))`, `Throws: TypeError: url_set: argument 4 must be an ArrayBuffer of 44 bytes`},
		{"url_parse offsets", `return __ops.url_parse("http://a/", undefined, {})`, `Throws: TypeError: url_parse: argument 3 must be an ArrayBuffer of 44 bytes`},
		{"url_parse offsets written", `const o = new Int32Array(11); return [__ops.url_parse("https://u:p@h:1/p?q#f", undefined, o.buffer), Array.from(o), __ops.url_parse("x"), __ops.url_parse("x", "https://a")]`, `["https://u:p@h:1/p?q#f",[6,8,9,10,11,12,13,15,15,17,19],false,true]`},
		{"url_form_parse", `return __ops.url_form_parse({})`, `Throws: TypeError: url_form_parse: argument 1 must be a string`},
		{"urlpattern_new kind", `return __ops.urlpattern_new(2, false)`, `Throws: RangeError: urlpattern_new: argument 1 out of range`},
		{"urlpattern_new base", `return __ops.urlpattern_new(0, false, "/x", 5)`, `Throws: TypeError: urlpattern_new: argument 4 must be a string`},
		{"urlpattern_new init", `return __ops.urlpattern_new(1, false, undefined, null)`, `Throws: TypeError: urlpattern_new: argument 4 must be a string`},
		{"urlpattern_exec id", `return __ops.urlpattern_exec(123456, true, 0, "https://a/")`, `Throws: TypeError: urlpattern_exec: no URLPattern 123456`},
		{"urlpattern_exec id type", `return __ops.urlpattern_exec("1", true, 0, "https://a/")`, `Throws: TypeError: urlpattern_exec: argument 1 must be a number`},
		{"urlpattern_free id", `return __ops.urlpattern_free(-1)`, `Throws: RangeError: urlpattern_free: argument 1 out of range`},
		{"urlpattern_exec input", `const [id] = __ops.urlpattern_new(1, false); return __ops.urlpattern_exec(id, true, 0, 7)`, `Throws: TypeError: urlpattern_exec: argument 4 must be a string`},
	}, url.Extension(), exposeInternals)
}

// TestURLPatternResources checks that a compiled pattern lives in the
// resource table while its URLPattern is reachable, and no longer.
func TestURLPatternResources(t *testing.T) {
	vm := webapitest.New(t, url.Extension())
	before := vm.ResourceCount()
	if got := vm.Run(t, `globalThis.keep = new URLPattern({ pathname: "/k" }); for (let i = 0; i < 50; i++) new URLPattern({ pathname: "/x/" + i }); return 1`); got != "1" {
		t.Fatal(got)
	}
	if n := vm.ResourceCount() - before; n != 51 {
		t.Fatalf("%d patterns in the resource table, want 51", n)
	}
	vm.RunGC()
	vm.Run(t, `await new Promise((r) => setTimeout(r, 0)); return 1`)
	if n := vm.ResourceCount() - before; n != 1 {
		t.Errorf("%d patterns in the resource table after GC, want 1", n)
	}
	if got := vm.Run(t, `return keep.test({ pathname: "/k" })`); got != "true" {
		t.Errorf("kept pattern: %s", got)
	}
}
