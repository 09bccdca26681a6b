// Package abort implements AbortController and AbortSignal in JavaScript
// (no ops). It needs the events extension loaded before it, and the timers
// extension for AbortSignal.timeout.
//
// Other Web APIs (fetch, streams) observe and abort signals through
// verge.internals.abort.
package abort

import (
	"embed"

	"github.com/verge-edge/verge/engine"
)

//go:embed *.js
var scripts embed.FS

// Extension returns the abort Web API.
func Extension() engine.Extension {
	return engine.Extension{
		Name:    "abort",
		Scripts: engine.Scripts(scripts, "abort", "abort.js"),
	}
}
