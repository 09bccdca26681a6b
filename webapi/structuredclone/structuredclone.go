// Package structuredclone implements the structuredClone global in
// JavaScript (no ops of its own; it detaches transferred ArrayBuffers with a
// detach_buffer op when the VM has one, else with
// ArrayBuffer.prototype.transfer).
//
// It loads after events and blob, and after every area whose platform
// objects it must refuse (they register their prototypes in
// verge.internals.platformPrototypes, which is read at clone time, so load
// order does not matter for those).
package structuredclone

import (
	"embed"

	"github.com/verge-edge/verge/engine"
)

//go:embed *.js
var scripts embed.FS

// Extension returns the structuredClone Web API.
func Extension() engine.Extension {
	return engine.Extension{
		Name:    "structuredclone",
		Scripts: engine.Scripts(scripts, "structuredclone", "structuredclone.js"),
		Lazy:    []string{"structuredClone"},
	}
}
