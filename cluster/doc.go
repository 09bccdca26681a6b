// Package cluster runs Verge's embedded NATS topology: one hub (JetStream
// domain "hub", the control plane's server) and one leaf node per PoP
// (JetStream domain = PoP name) with local mirrors of the hub's buckets, so a
// PoP keeps serving reads while the hub is away.
//
// Authentication is nkeys only: every client and every leaf node holds a
// user seed ([NewCredentials]) and the hub is configured with the public keys
// it accepts. Servers also create a private nkey for their own in-process
// connection, so [Hub.Conn] and [Leaf.Conn] never need user credentials.
//
// The package does not know about KV semantics; package kv builds the Workers
// KV API on top of the buckets and mirrors managed here.
package cluster
