// Package control is the control plane's HTTP+JSON API: deploys, versions,
// rollouts and rollbacks (package deploy), KV, PoPs, API tokens and the
// audit log. `verge control` serves it next to the NATS hub; `verge serve`
// serves it on its admin listener for its embedded control plane. The CLI
// is its client.
//
// Every call but GET /v1/openapi.json needs "Authorization: Bearer TOKEN".
// Tokens carry scopes (read, deploy, kv, secrets, admin); the root token
// holds all of them. Every change is written to the audit log with the
// token's name.
package control
