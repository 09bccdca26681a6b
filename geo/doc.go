// Package geo turns a client IP address into what edge platforms hand a
// worker about where the request came from: Cloudflare's request.cf object,
// Vercel's x-vercel-ip-* request headers and CloudFront's
// CloudFront-Viewer-* request headers.
//
// A [Locator] answers "where is this address?" with a [Location]. [OpenMMDB]
// reads local MaxMind-format databases (MaxMind GeoIP2/GeoLite2 City,
// Country and ASN; DB-IP; IPinfo), [Static] answers with one fixed place
// (verge dev --cf), [Merge] combines a City and an ASN database, and
// [Default] is the documented place used when nothing is configured.
// [CF], [VercelHeaders] and [CloudFrontHeaders] render a Location in each
// platform's shape; [ParseCF] reads a request.cf given by hand.
//
// What this package must not do: call the network (no web-service lookups,
// no downloads of databases), keep package-level mutable state, or decide
// policy (blocking by country belongs to the policy stage). Locators are
// safe for concurrent use.
package geo
