// Package url implements the URL, URLSearchParams and URLPattern Web APIs.
//
// URL follows the WHATWG URL Standard. Parsing and the setters' state
// overrides run in Go (github.com/nlnwa/whatwg-url, with a fast path for
// already-normalized http(s) URLs, and two later changes of the standard
// applied on top, see conform); JavaScript keeps only the serialized
// href and the offsets of its components, which the ops write to a shared
// buffer. URLSearchParams is JavaScript over a Go op for the
// application/x-www-form-urlencoded parser.
// URLPattern compiles each pattern once in Go (a patched copy of
// github.com/dunglas/go-urlpattern in internal/urlpattern) and keeps it in
// the VM's resource table, so test() and exec() are one op call each.
//
// Other areas reach the urlencoded codec through verge.internals.url:
//
//	parseUrlEncoded(string) -> [[name, value], ...]
//	serializeUrlEncoded([[name, value], ...]) -> string
package url
