// Package waf is the edge's request firewall: an ordered list of rules,
// each a CEL expression over the request and what the front learned about
// its client, and named managed rule sets for common attacks. Rules are
// compiled and type-checked once, when the configuration is loaded.
//
// A route configures it with a [waf] table:
//
//	[waf]
//	managed = ["path-traversal", "injection", "bad-bots"]
//
//	[[waf.rules]]
//	name = "office"
//	expr = 'ip_in(ip, ["203.0.113.0/24", "2001:db8:1::/48"])'
//	action = "allow"
//
//	[[waf.rules]]
//	name = "admin-only-staff"
//	expr = 'path.startsWith("/admin") && !(has(claims.role) && claims.role == "staff")'
//	action = "block"
//	status = 404                 # default 403; any 4xx
//	body = "Not found\n"         # default the status text
//
//	[[waf.rules]]
//	name = "old-app"
//	expr = 'host == "old.example.com"'
//	action = "redirect"
//	location = "https://app.example.com/"
//	status = 301                 # 301, 302 (default), 303, 307 or 308
//
//	[[waf.rules]]
//	name = "tag-eu"
//	expr = 'continent == "EU"'
//	action = "set_header"
//	header = "X-Region"
//	value = "eu"
//
//	[[waf.rules]]
//	name = "login-throttle"
//	expr = 'method == "POST" && path == "/login"'
//	action = "rate_limit"
//	[waf.rules.rate_limit]        # the keys of policy/ratelimit's table
//	requests = 5
//	period = "1m"
//
//	[[waf.rules]]
//	name = "watch-uploads"
//	expr = 'method == "POST" && path.matches("^/upload/")'
//	action = "log"
//
// # Order
//
// Rules run in the order written, then the managed sets in the order
// listed. The first matching block, redirect or allow rule decides: block
// and redirect answer the request, allow sends it on without looking at
// any later rule or managed set (so an allow rule is how trusted clients
// are exempted from a managed set). A matching log rule writes a log line,
// a matching set_header rule sets a request header, and a matching
// rate_limit rule counts the request in its own limiter (answering 429
// once the client is over it, see policy/ratelimit); they go on to the
// next rule, and the rules after a set_header see the header it set. A
// request no rule decides goes on to the rest of the request path.
//
// Blocks and log rules write a line at level INFO with the rule's name
// and action, and the request's method, path and client address.
//
// # Variables
//
// An expression must be of type bool. It can read:
//
//	method      string             the request method, "GET"
//	path        string             the path, percent-decoded: "/a b"
//	query       map(string,string) the query's parameters, decoded; the
//	                               first value of a repeated one (pairs
//	                               url.ParseQuery rejects are skipped)
//	url         string             the URL as asked for, still encoded:
//	                               "https://example.com/a%20b?q=1"
//	host        string             the host asked for, in lower case and
//	                               without a port: "example.com"
//	headers     map(string,string) the request headers, by lower-case
//	                               name, Host included; repeated ones
//	                               joined with ", "
//	cookies     map(string,string) the request's cookies, values as sent
//	                               (even ones net/http would reject),
//	                               unquoted; the first of two with a name
//	user_agent  string             the User-Agent header
//	ip          string             the client's address: "192.0.2.1",
//	                               "2001:db8::1"
//	country     string             its ISO 3166-1 alpha-2 code: "AR"
//	continent   string             its continent: AF, AN, AS, EU, NA, OC, SA
//	city        string             its city, in English
//	region      string             its first-level subdivision: "California"
//	region_code string             the same as an ISO 3166-2 code: "CA"
//	asn         int                its autonomous system number
//	claims      map(string,dyn)    the verified JWT claims, empty when the
//	                               request has none
//
// Client fields come from edgeinfo; what the front did not learn is "" (0
// for asn). For headers, query and cookies, an absent key reads as "",
// as with http.Header.Get, so that headers["x-api-key"] != "secret" needs
// no guard; has(headers.origin) and "origin" in headers tell absent from
// empty. Header names are looked up case-insensitively. claims is an
// ordinary CEL map: reading an absent claim is an error, so write
// has(claims.role) && claims.role == "admin". A WAF whose rules read
// claims (UsesClaims) runs after the route's JWT policy rather than
// before it.
//
// # Functions
//
// Besides CEL's standard functions (including matches, which takes an
// RE2 expression) and its string extensions (lowerAscii, split,
// replace, indexOf, substring, trim, and the like), rules may call
//
//	ip_in(ip, "10.0.0.0/8")
//	ip_in(ip, ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"])
//
// which reports whether an address is in a CIDR range, or in any of a
// list of ranges; a range may also be a single address. IPv4 addresses
// written in IPv6 form (::ffff:192.0.2.1) match IPv4 ranges. An argument
// that is not an address (as the empty ip of a request no front placed)
// is in no range.
//
// Ranges written in the expression are parsed once, at load time, and a
// malformed one is a load error. Ranges only known when the rule runs
// (from a claim, say) are parsed on each call; a malformed one is an
// evaluation error.
//
// # Errors
//
// New rejects a rule that does not parse or type-check, that is not of
// type bool, with an unknown action, without a name or with another
// rule's name, a redirect without location, a set_header without header,
// keys its action does not use, and an unknown managed set. A rule whose
// evaluation fails on a request (a claim of the wrong type, say) is
// skipped for that request, as if it had not matched, and the failure is
// logged at level WARN.
//
// # Managed sets
//
// Managed sets are written in Go rather than CEL because they must
// normalise the request before looking at it: they undo up to three
// layers of percent-encoding (and the %uXXXX and overlong UTF-8 forms
// some servers accept), look at every value of repeated parameters, and
// fold case, none of which the rule language offers. Each blocks with 403
// and logs under its name, "managed:injection" for instance:
//
//	path-traversal  "../" in the path or the query, in any of the
//	                encodings above, with / or \
//	injection       SQL injection and cross-site scripting probes in the
//	                path or the query: ' or 1=1, union select, sleep(,
//	                <script, onerror=, javascript:, and the like
//	bad-bots        vulnerability scanners by User-Agent (sqlmap, nikto,
//	                masscan, zgrab, nuclei...) and requests without one
//
// They are a screen against scanners and careless attacks, not a
// substitute for parameterised queries and output escaping.
package waf
