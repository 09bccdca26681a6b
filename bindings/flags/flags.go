// Package flags is the worker binding for the edge's feature flags and
// A/B experiments: env.FLAGS.get("beta", request) reads what the PoP
// evaluated for that request from node.toml's [[routes.flags]] and
// [[routes.experiments]]. The values travel with each request (as
// request.cf.flags and request.cf.experiments), so a flag changed in
// node.toml (SIGHUP) applies at the next request without redeploying the
// worker. The binding takes the request because env is shared by every
// request an isolate serves.
package flags

import (
	_ "embed"
	"encoding/json"

	"github.com/verge-edge/verge/engine"
)

//go:embed flags.js
var source string

// Type is the binding type in worker.Binding.
const Type = "flags"

// Extension returns the binding's script.
func Extension() engine.Extension {
	return engine.Extension{
		Name:    "flags",
		Scripts: []engine.Script{{Name: "ext:bindings/flags.js", Source: source}},
	}
}

// Config is the binding's config: it has none.
func Config() json.RawMessage { return json.RawMessage("{}") }
