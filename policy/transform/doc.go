// Package transform is the edge's request and response rewriting policy:
// header operations, URL rewrites, redirects and CORS, configured per route
// and compiled once at load time.
//
// A route configures it with a [transform] table:
//
//	[transform.request_headers]
//	remove = ["X-Internal-Debug"]
//	rename = { "X-Api-Key" = "X-Upstream-Key" }
//	set = { "X-Client-Ip" = "{client_ip}", "X-User" = "{claim.sub}" }
//	add = { "X-Edge" = "{colo}" }
//
//	[transform.response_headers]
//	remove = ["Server", "X-Powered-By"]
//	set = { "Strict-Transport-Security" = "max-age=63072000" }
//
//	[[transform.redirects]]
//	from = '^/old/(.*)$'
//	to = "/new/$1"
//	status = 308                     # 301 (default), 302, 303, 307 or 308
//	preserve_query = true
//
//	[[transform.redirects]]
//	from = '^/docs/(?P<page>.*)$'
//	to = "https://docs.example.com/${page}"
//
//	[[transform.rewrites]]
//	from = '^/api/v1/(.*)$'
//	to = "/v1/$1"
//
//	[transform.cors]
//	allow_origins = ["https://app.example.com", "https://*.example.com"]
//	allow_methods = ["GET", "POST", "PUT"]
//	allow_headers = ["Content-Type", "Authorization"]
//	expose_headers = ["X-Request-Id"]
//	allow_credentials = true
//	max_age = 600                    # seconds
//
// # Order
//
// Wrap runs, for each request: a CORS preflight (OPTIONS with Origin and
// Access-Control-Request-Method) is answered at once, 204 when the origin,
// method and headers are allowed and 403 otherwise; then the first
// matching redirect answers with its 3xx; then the first matching rewrite
// changes the URL; then the request header operations; then the rest of
// the request path runs. Response header operations, followed by the CORS
// response headers, are applied just before the response's header is
// written, including to the preflights and redirects answered here.
//
// # Matching
//
// from is a Go regular expression (RE2 syntax, unanchored: write ^ and $)
// matched against the request's escaped path, such as /a%20b, so that
// what a capture holds can be put back into a URL unchanged. When from
// contains \? it is matched against the path, "?" and the raw query
// instead. to expands captures with regexp's syntax: $1, ${1}, $name,
// ${name}, and $$ for a dollar sign; write ${1}x rather than $1x. A
// reference to a group that from does not have is a load-time error.
//
// A rewrite's to is a path, optionally with a query, and must start with
// "/". When from matched the path only, the request's query is kept,
// after to's query if it has one; when from matched the query too, to's
// query replaces it. A redirect's to is a path or an absolute http or
// https URL; captures may only appear in an absolute URL's path and query,
// so a request cannot choose the host it is sent to. preserve_query
// appends the request's query to the target. Leading slashes of an
// expanded path are collapsed to one, so "/$1" cannot become a
// protocol-relative "//host" URL.
//
// # Headers
//
// Each header table applies, in this order: remove (delete the headers),
// rename (move a header's values to another name, replacing what that
// name had), set (replace) and add (append). Names are matched
// case-insensitively and must be valid tokens; Content-Length,
// Transfer-Encoding and (for requests) Host cannot be changed here.
//
// Values of set and add may contain placeholders, filled in from the
// request (for response headers too) and from edgeinfo:
//
//	{client_ip}    the client's address
//	{country}      its ISO country code
//	{colo}         the PoP's code
//	{host}         the Host the client asked for
//	{path}         the path the client asked for, escaped, before any
//	               rewrite
//	{claim.NAME}   the verified JWT claim NAME (strings as they are,
//	               other values as JSON)
//	{{             a literal "{"
//
// An unknown placeholder is a load-time error. A placeholder whose value
// is unknown or could not be sent in a header (a claim with a line break)
// expands to nothing; a set whose value expands to nothing deletes the
// header, so that a client's own copy never survives in its place.
//
// # CORS
//
// allow_origins lists origins (scheme://host[:port]), "*" for any, or
// patterns such as https://*.example.com, which match any subdomain at any
// depth (but not example.com itself). allow_methods defaults to GET, HEAD
// and POST; allow_methods and allow_headers may be ["*"] to allow whatever
// a preflight asks for. allow_credentials cannot be combined with the "*"
// origin, which browsers refuse. When cors is configured the policy owns
// the Access-Control-Allow-Origin, -Allow-Credentials and -Expose-Headers
// response headers: the origin server's copies are replaced. Responses get
// "Vary: Origin" unless every origin is allowed, so that a cache never
// hands one origin's answer to another. A request from an origin that is
// not allowed is not refused (browsers enforce CORS); it just gets no
// CORS headers.
package transform
