package url_test

import (
	"testing"

	"github.com/verge-edge/verge/webapi/url"
	"github.com/verge-edge/verge/webapi/webapitest"
)

// benchJS runs body (which sees the loop count as n) once with n = b.N in
// a VM and reports the time per iteration.
func benchJS(b *testing.B, setup, body string) {
	vm := webapitest.New(b, url.Extension())
	if got := vm.Run(b, setup+"\nglobalThis.__bench = (n) => { let r; for (let i = 0; i < n; i++) { "+body+" } return r; }; return 1"); got != "1" {
		b.Fatal(got)
	}
	fn, err := vm.Eval("__bench", "bench.js")
	if err != nil {
		b.Fatal(err)
	}
	defer fn.Free()
	b.ReportAllocs()
	b.ResetTimer()
	r, err := fn.Call(vm.Undefined(), vm.NewInt(int64(b.N)))
	if err != nil {
		b.Fatal(err)
	}
	r.Free()
}

// BenchmarkURLParse is new URL() of a typical absolute URL from JavaScript.
func BenchmarkURLParse(b *testing.B) {
	benchJS(b, "", `r = new URL("https://example.com/a/b?x=1#y");`)
}

// BenchmarkURLParseSlow parses a URL that the fast path leaves to the full
// parser (upper case, default port, dot segments).
func BenchmarkURLParseSlow(b *testing.B) {
	benchJS(b, "", `r = new URL("HTTPS://Example.com:443/a/./b/../c?x=1#y");`)
}

// BenchmarkURLParseRelative resolves a path against a base.
func BenchmarkURLParseRelative(b *testing.B) {
	benchJS(b, "", `r = new URL("/api/v1/items?limit=10", "https://example.com/");`)
}

// BenchmarkURLComponents parses and reads the parts a router reads.
func BenchmarkURLComponents(b *testing.B) {
	benchJS(b, "", `const u = new URL("https://example.com/a/b?x=1&y=2#h"); r = u.pathname + u.hostname + u.searchParams.get("y");`)
}

// BenchmarkURLSetSearchParam sets a query parameter through searchParams.
func BenchmarkURLSetSearchParam(b *testing.B) {
	benchJS(b, `const u = new URL("https://example.com/a?x=1");`, `u.searchParams.set("y", "v" + (i & 7)); r = u.href;`)
}

// BenchmarkURLSearchParams parses and serializes a query string.
func BenchmarkURLSearchParams(b *testing.B) {
	benchJS(b, "", `r = new URLSearchParams("a=1&b=two+words&c=%E2%82%AC").toString();`)
}

// BenchmarkURLPatternExec matches a request URL against a compiled pattern.
func BenchmarkURLPatternExec(b *testing.B) {
	benchJS(b, `const p = new URLPattern({ pathname: "/users/:id/posts/:post" });`, `r = p.exec("https://example.com/users/42/posts/7?x=1");`)
}

// BenchmarkURLPatternTest is test() on the same pattern.
func BenchmarkURLPatternTest(b *testing.B) {
	benchJS(b, `const p = new URLPattern({ pathname: "/users/:id/posts/:post" });`, `r = p.test("https://example.com/users/42/posts/7?x=1");`)
}
