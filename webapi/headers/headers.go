// Package headers implements the Fetch Standard's Headers class in
// JavaScript (no ops). fetch builds guarded Headers (request, response,
// immutable) and reads them back as lists through verge.internals.headers.
package headers

import (
	"embed"

	"github.com/verge-edge/verge/engine"
)

//go:embed *.js
var scripts embed.FS

// Extension returns the headers Web API.
func Extension() engine.Extension {
	return engine.Extension{
		Name:    "headers",
		Scripts: engine.Scripts(scripts, "headers", "headers.js"),
	}
}
