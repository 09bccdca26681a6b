// Package ratelimit is the edge's rate limiting policy: it counts
// requests per key (client address, header, JWT claim, path, or a
// combination) and answers requests over the limit with 429 and
// Retry-After, before they reach the cache, worker or origin.
//
// A route configures it with a [rate_limit] table:
//
//	[rate_limit]
//	key = "ip+path"               # default "ip"; or "header:X-API-Key", "claim:sub"
//	algorithm = "sliding_window"  # default; or "token_bucket"
//	requests = 100
//	period = "1m"                 # any period from 1ms to 8784h
//	burst = 20                    # token_bucket only; default requests
//	status = 429                  # default; any 4xx or 5xx
//	body = "slow down\n"
//	content_type = "text/plain; charset=utf-8"
//
// # Keys
//
// "ip" is the client address from edgeinfo (the connection's peer when
// no front set one); an IPv6 client is counted by its /64, which is what
// one subscriber is usually given. "header:NAME" is all of the request's
// values of that header, "claim:NAME" a scalar claim of the verified JWT
// (so the JWT policy must run first; edgeinfo Claims), and "path" the
// URL path without the query. Parts joined with "+" form one key. A
// request whose key cannot be built (the header is absent or empty, the
// claim is not set) is counted under its client address instead, in
// buckets separate from those of an "ip" key.
//
// # Algorithms
//
// sliding_window is the two-window approximation Cloudflare describes:
// the count of the current fixed window plus the previous window's count
// weighted by how much the sliding window still overlaps it; a request is
// allowed while that rate, before it, is under requests. Windows are
// aligned to the Unix epoch. token_bucket is a bucket of burst tokens
// refilled at requests per period, kept in GCRA form (one time per key).
// Refused requests are not counted in either.
//
// # Response fields
//
// Every response carries the RateLimit-Policy and RateLimit fields of
// draft-ietf-httpapi-ratelimit-headers-11:
//
//	RateLimit-Policy: "default";q=100;w=60
//	RateLimit: "default";r=42;t=17
//
// and the older RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset
// trio. "q" and "w" are the configured requests and period (w is left out
// for a period that is not whole seconds, which it cannot express);
// RateLimit-Limit is requests, or the bucket's burst for token_bucket; "r"
// is the requests left, and "t" the seconds until quota is given back
// (the end of the current window, or until the bucket is full). A refused
// request also gets Retry-After, in whole seconds rounded up.
//
// # Memory
//
// State is kept per key in 64 shards, each under its own mutex. Keys are
// stored as 64-bit hashes (with a per-limiter random seed), never as the
// client's text. A key idle for more than two periods (or, for a token
// bucket, the time its bucket takes to refill, if longer) has the state
// of a new key and can go; it is dropped lazily, by a later call on its
// shard, once idle for a sixteenth longer still (the slack lets a busy
// key skip relinking on every call). No goroutine runs. At most
// Options.MaxKeys keys (default 1,000,000) are held: a new key in a full
// shard evicts the shard's least recently used key, which starts afresh
// if it returns. A full table of a million keys takes about 85 MB; that
// memory is a high-water mark, as slots freed by idle keys are reused,
// not returned.
//
// The Limiter needs no HTTP: Limiter.Allow(key, now) serves a worker
// binding shaped like Cloudflare's env.LIMITER.limit({ key }).
package ratelimit
