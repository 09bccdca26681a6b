// Package experiment is the edge's A/B testing and feature flag policy.
//
// Every request is put in one variant of each configured experiment. The
// variant is recorded in edgeinfo (Info.Variants[experiment]) and sent to
// the worker or origin in a request header; the server reads a variant's
// origin and path prefix back with Experiments.Variant. Feature flags are
// evaluated for every request and sent as compact JSON in one header. A
// route configures both with:
//
//	flags_header = "X-Verge-Flags"        # default
//
//	[[experiments]]
//	name = "checkout"
//	sticky = "cookie"                     # default; or "ip", "claim:sub", "header:X-User"
//	cookie = "verge-exp-checkout"         # default verge-exp-NAME
//	cookie_max_age = "30d"                # default; or "720h"
//	header = "X-Verge-Experiment-checkout" # default X-Verge-Experiment-NAME
//	[[experiments.variants]]
//	name = "control"
//	weight = 90
//	[[experiments.variants]]
//	name = "new"
//	weight = 10
//	origin = "checkout-v2"                # optional: an origin name
//	path_prefix = "/v2"                   # optional: put before the path
//
//	[[flags]]
//	name = "new_search"
//	default = false
//	sticky = "claim:sub"                  # what percentage hashes; default "ip"
//	[[flags.rules]]
//	claim = "role"
//	claim_value = "staff"
//	value = true
//	[[flags.rules]]
//	countries = ["AR", "UY"]
//	percentage = 25.0
//	value = true
//
//	[[flags]]
//	name = "banner"
//	default = "none"
//	[[flags.rules]]
//	countries = ["DE"]
//	value = "cookie-consent"
//
// # Assignment
//
// A variant is chosen by hashing the experiment's name and the client's
// sticky key (FNV-1a, then a 64-bit mixer) onto the sum of the weights, so
// a key always gets the same variant and keys split in proportion to the
// weights. The key is, by sticky kind:
//
//	cookie       a random id (crypto/rand) kept in a cookie we issue on the
//	             first visit, with the variant: "<id>.<variant>"
//	ip           the client's address from edgeinfo; for IPv6 its /64,
//	             which a client keeps while rotating the rest
//	claim:NAME   a verified JWT claim (put the JWT policy in front)
//	header:NAME  a request header, such as a user id set by a trusted
//	             stage in front
//
// A cookie naming a variant still in rotation (weight above 0) is
// honored even after the weights change: that is what sticky means. A
// cookie naming an unknown or retired variant gets a new assignment
// (from the same id when it is well formed) and a new cookie. The cookie
// is not signed, so a client can choose its variant by editing it; that
// is harmless for an A/B test, and where it is not, stick by claim.
// Requests without a key (no such claim or header) get the first variant
// with a positive weight, so list the control first.
//
// # Headers
//
// Wrap deletes the client's copies of every experiment header and of the
// flags header before setting its own, so a client cannot forge them.
// The flags header holds every flag, keys sorted, with non-ASCII escaped:
//
//	X-Verge-Flags: {"banner":"none","new_search":true}
//
// # Flags
//
// A flag's rules are tried in order and the first that matches gives the
// value; otherwise the flag has its default. A rule matches when all of
// its conditions hold: the client's country is in countries; the claim is
// present and truthy, or equal to claim_value (for an array claim:
// contains it); the sticky key hashes into the first percentage of 100.
// Percentages of one flag share the hash, so raising a rollout from 10 to
// 20 keeps the first 10% in. Values are any TOML value, and a rule's
// value must have the default's type.
//
// Flags().Set replaces the flags while requests are served (an atomic
// swap), so the server can apply an edited flags table without a restart
// and without redeploying the worker, which reads the header.
package experiment
