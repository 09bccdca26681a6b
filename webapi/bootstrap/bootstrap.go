// Package bootstrap holds the first and last scripts of every VM's prelude:
// bootstrap.js creates the private object the Web API scripts share, and
// finish.js hides it from worker code.
package bootstrap

import (
	_ "embed"

	"github.com/verge-edge/verge/engine"
)

var (
	//go:embed bootstrap.js
	bootstrapJS string
	//go:embed finish.js
	finishJS string
)

// Start returns the extension that must come first in a prelude.
func Start() engine.Extension {
	return engine.Extension{Name: "bootstrap", Scripts: []engine.Script{{Name: "ext:bootstrap.js", Source: bootstrapJS}}}
}

// Finish returns the extension that must come last in a prelude.
func Finish() engine.Extension {
	return engine.Extension{Name: "finish", Scripts: []engine.Script{{Name: "ext:finish.js", Source: finishJS}}}
}
