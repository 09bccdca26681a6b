// Package geoaccess is the edge's geographic access policy: it admits or
// refuses a request by where its client is (country, continent,
// autonomous system), as the front located it in edgeinfo, before the
// request reaches the WAF, cache, worker or origin.
//
// A route configures it with a [geo_access] table:
//
//	[geo_access]
//	allow_continents = ["EU"]
//	deny_countries = ["RU", "BY", "T1"]    # T1 is Tor
//	deny_asns = [64496]
//	status = 451                           # default 403; any 4xx
//	body = "Not available in your region\n"
//	content_type = "text/plain; charset=utf-8"
//	unknown = "deny"                       # default "allow"
//
// Each kind of list (countries, continents, ASNs) is either an allow
// list or a deny list, never both. A deny list refuses a client that
// matches it; an allow list refuses a client that does not; with several
// lists, any refusal wins. Country and continent codes are case
// insensitive.
//
// A client whose location lacks the field a list checks (an address not
// in the geo database, a private address, no ASN data; or the country
// "XX") is admitted by that list, or refused with unknown = "deny". A
// list that names "XX" matches it like any other code. Note that with
// unknown = "allow" an allow list admits clients it cannot place.
package geoaccess
