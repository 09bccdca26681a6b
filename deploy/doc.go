// Package deploy distributes worker versions from the control plane to
// every PoP, on the JetStream buckets of package cluster.
//
// A deploy uploads an artifact (Pack: the built worker and its verge.toml,
// gzip'd tar) to the hub's Object Store under its SHA-256 and records a new
// version in the worker's record in the hub's KV bucket "verge_deployments"
// (Store, on the control plane). The record also holds the split: the
// versions that serve traffic and their percentages, so a gradual rollout,
// a promotion, a rollback and a delete are each one atomic write of one
// record.
//
// Every PoP runs a Watcher on its leaf: it mirrors the deployments bucket
// locally, downloads each artifact it has not seen into its own folder
// (the PoP's local store, which also serves it after a restart while the
// hub is away) and hands the complete set of deployments to the edge
// server, which loads and pre-warms the versions before it switches to
// them.
package deploy
