// Package kv implements Cloudflare Workers KV semantics for one namespace on
// a JetStream KV bucket: writes go to the hub, reads are served by the PoP's
// local mirror (package cluster), so a PoP keeps reading while the hub is
// away and reads cost no network hop.
//
// Storage layout (one bucket per namespace, stream "KV_<namespace>"):
// subject "$KV.<namespace>.<encoded key>", value = message payload,
// expiration and metadata in headers (so List reads headers only), deletes
// as standard KV "DEL" markers. Keys are encoded with an order-preserving
// base64 alphabet, so any byte string is a valid subject token and encoded
// keys sort exactly as the original keys do.
//
// It must not cache values beyond the mirror: the mirror is the PoP's cache.
package kv
