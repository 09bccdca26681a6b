// Package vercel is the Go half of Verge's Vercel Routing Middleware (and
// Next.js middleware) compatibility layer: it compiles a middleware's
// config.matcher to decide which requests run the middleware, and it
// interprets the Response the middleware returned (NextResponse.next,
// rewrite, redirect, or a full response) into what the server does next.
//
// It does not run JavaScript or proxy requests; the server calls it around
// the JS middleware, which sees requests and returns responses.
//
//	m, err := vercel.CompileMatcher(json.RawMessage(`{"matcher": ["/about/:path*"]}`))
//	// handle err
//	if !m.Match(r) {
//		serveRoute(w, r)
//		return
//	}
//	resp := runMiddleware(r) // *http.Response, or nil if it returned nothing
//	d := vercel.Interpret(resp)
//	switch d.Action {
//	case vercel.Next, vercel.Rewrite:
//		serveRoute(w, vercel.ApplyNext(r, d)) // then add d.ResponseHeaders
//	case vercel.Redirect:
//		http.Redirect(w, r, d.URL, d.Status)
//	case vercel.Respond:
//		copyResponse(w, d.Response)
//	}
//
// Matchers follow path-to-regexp v6 with Next.js's options (case-sensitive,
// optional trailing '/', '#' or '?'). Go's regexp has no lookahead, so a
// lookahead at the start of a group's pattern is checked apart from the
// regexp; lookarounds elsewhere are refused at compile time. Not modelled:
// Next.js's /_next/data/<build>/... and .json variants, basePath and i18n
// locale prefixes (locale: false is accepted and has no effect).
package vercel
