// Package formdata implements FormData in JavaScript (no ops), and the
// multipart/form-data and application/x-www-form-urlencoded codecs that
// fetch's Body mixin uses through verge.internals.formdata.
//
// It loads after events and blob.
package formdata

import (
	"embed"

	"github.com/verge-edge/verge/engine"
)

//go:embed *.js
var scripts embed.FS

// Extension returns the formdata Web API.
func Extension() engine.Extension {
	return engine.Extension{
		Name:    "formdata",
		Scripts: engine.Scripts(scripts, "formdata", "formdata.js"),
		Lazy:    []string{"FormData"},
	}
}
