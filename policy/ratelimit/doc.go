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
//	scope = "pop"                 # default; or "cluster" (sliding_window only)
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
// if it returns. A full table of a million keys takes about 92 MB; that
// memory is a high-water mark, as slots freed by idle keys are reused,
// not returned.
//
// The Limiter needs no HTTP: Limiter.Allow(key, now) serves a worker
// binding shaped like Cloudflare's env.LIMITER.limit({ key }).
//
// # Cluster scope
//
// scope = "pop" counts on each PoP alone: N PoPs together admit up to N
// times the limit. scope = "cluster" counts the requests of all PoPs
// together, without a network round trip per request: each PoP decides
// locally, from its own counts plus the other PoPs' recent ones, as edge
// networks' limiters do. Every SyncConfig.Interval (100 ms by default) a
// PoP publishes, in one batch per limiter, the requests it admitted since
// the last batch, per key and window; the others add them to their
// counts. Only the sliding window sums across PoPs (windows are aligned
// to the Unix epoch, so all agree on them); token_bucket with scope =
// "cluster" is refused at config load.
//
// The error is bounded by the delay of those counts: a request is
// decided without the other PoPs' admissions of the last interval plus
// the delivery time (milliseconds within a region, a WAN round trip
// between continents). So across the cluster a window admits at most
// the limit plus what the other PoPs admit in one interval plus that
// delivery time, and never more than scope "pop" would. The period must
// span at least MinClusterWindows intervals (1 s with the default), so
// that this stays a small share of a window. Other known gaps, all
// erring toward admitting: a PoP that (re)starts, or a limiter rebuilt
// by a config reload, starts from its own zero counts, learning only the
// others' new admissions, so it may admit up to one more limit during
// its first two periods; batches lost in a NATS outage or dropped under
// overload are not resent (the PoPs then count partly on their own); and
// clocks apart by more than a window would mis-age counts (a batch for
// the window after the receiver's current one is counted in the
// current one; later ones are dropped).
//
// Batches go to SubjectPrefix + "." + a hash of the limiter's Options.ID
// and period, as "verge.ratelimit.3f9a…". A key travels only as its
// 64-bit SipHash under a key derived from SyncConfig.Secret, never as
// text. A batch over SyncConfig.MaxBatch bytes (16 KiB by default) is
// split. Counts received are added to the same key table as the PoP's
// own: a PoP that stops publishing (it left, or lost its link) adds
// nothing more, and its counts age out with their windows, two periods
// at most. Memory stays bounded by the table's MaxKeys cap: the keys
// other PoPs report take slots like local ones (evicting the least
// recently used), and the increments waiting for the next batch are
// kept in the keys' slots, so a flood of distinct keys costs no more
// than the cap (the increments of keys evicted before the next batch
// are not shared).
//
// Wiring: a node with NATS starts one Sync on its connection and gives
// it to every limiter, with an ID that names the limit on every PoP:
//
//	// ctx is the node's lifetime: the Sync stops when it ends.
//	sync, err := ratelimit.StartSync(ctx, nc, ratelimit.SyncConfig{
//		Secret: networkKey, // the same on every PoP: pop.creds' key
//		Logger: log,
//	})
//	defer sync.Close() // before nc is closed
//	p, err := ratelimit.New(cfg, ratelimit.Options{Sync: sync, ID: route.Pattern})
//	defer p.Close() // when the route is retired, as on reload
//
// nc is the PoP's leaf connection (cluster.Leaf.Conn, server
// Options.Cluster for verge pop; the embedded leaf for verge serve, where
// there is one node and any random Secret will do). The WAF's rate_limit
// rules need the same Options (an ID per route and rule) to use scope =
// "cluster". Bindings count across the cluster with
// NewClusterNamespaces(nil, sync) in place of NewNamespaces. A node
// without NATS passes no Sync: New and NewLimiter then refuse scope =
// "cluster" with an error naming rate_limit.scope, rather than silently
// count per PoP.
package ratelimit
