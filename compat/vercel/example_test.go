package vercel_test

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/verge-edge/verge/compat/vercel"
)

func ExampleCompileMatcher() {
	m, err := vercel.CompileMatcher(json.RawMessage(`{"matcher": "/((?!api|_next/static|_next/image|favicon.ico).*)"}`))
	if err != nil {
		panic(err)
	}
	for _, p := range []string{"/", "/about", "/api/users", "/_next/static/a.js"} {
		fmt.Println(p, m.MatchPath(p))
	}
	// Output:
	// / true
	// /about true
	// /api/users false
	// /_next/static/a.js false
}

func ExampleInterpret() {
	// What NextResponse.next({request: {headers}}) returns.
	resp := &http.Response{StatusCode: 200, Header: http.Header{
		"X-Middleware-Next":             {"1"},
		"X-Middleware-Override-Headers": {"x-user"},
		"X-Middleware-Request-X-User":   {"42"},
		"X-Trace":                       {"abc"},
	}}
	d := vercel.Interpret(resp)
	fmt.Println(d.Action, d.RequestHeaders.Get("X-User"), d.ResponseHeaders.Get("X-Trace"))
	// Output: next 42 abc
}
