// Package jwtauth is the edge's JWT bearer-token policy: it verifies a
// signed JWT (RFC 7519, compact JWS) sent in a header or a cookie, puts its
// claims in edgeinfo and, optionally, in request headers, and answers
// requests without a valid token with 401 and an RFC 6750 challenge.
//
// A route configures it with a [jwt] table:
//
//	[jwt]
//	jwks_url = "https://issuer.example.com/.well-known/jwks.json"
//	jwks_refresh = "15m"                 # default
//	issuer = ["https://issuer.example.com/"]
//	audience = ["api.example.com"]
//	algorithms = ["RS256", "ES256"]      # default RS256, ES256, EdDSA
//	clock_skew = "60s"                   # default
//	required_claims = ["sub", "exp"]
//	cookie = "session"                   # read when no Authorization header
//	strip_token = true                   # the origin never sees the token
//	realm = "api"
//	[jwt.forward_claims]
//	sub = "X-User-Id"
//
// Instead of (or with) jwks_url, keys lists PEM public keys or JWK JSON,
// and secret is an HMAC secret for HS256/HS384/HS512.
//
// What a token must satisfy: three base64url segments, at most 16 KiB; a
// header "alg" in the allow-list ("none" can never be in it); no "crit"
// header; a signature that verifies with a configured key of the kind that
// algorithm is defined for (so an HS256 token is never checked against an
// RSA public key's bytes); exp, nbf and iat, when present, within
// clock_skew of now; iss, aud and required_claims as configured. exp is
// optional unless required_claims names it.
//
// A token without a kid is tried against at most 8 keys. Two token
// headers in one request are answered 400 invalid_request.
//
// Keys from jwks_url are fetched at start, refreshed every jwks_refresh,
// and refreshed on demand (at most once per 10 s) when a token names a key
// we do not have, which picks up key rotation without waiting. When a
// fetch fails, the last good set stays in use.
package jwtauth
