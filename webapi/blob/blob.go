// Package blob implements Blob and File in JavaScript (no ops of its own;
// UTF-8 uses the encoding extension's utf8_encode/utf8_decode ops when the
// VM has them, with a pure-JavaScript fallback).
//
// It loads after events. Its internals (verge.internals.blob,
// verge.internals.utf8) let fetch, formdata and structuredclone create Blobs
// and read their bytes without copies.
package blob

import (
	"embed"

	"github.com/verge-edge/verge/engine"
)

//go:embed *.js
var scripts embed.FS

// Extension returns the blob Web API.
func Extension() engine.Extension {
	return engine.Extension{
		Name:    "blob",
		Scripts: engine.Scripts(scripts, "blob", "utf8.js", "blob.js"),
		// Loaded on first touch (engine.Extension.Lazy); areas that need
		// its internals call verge.load("blob") first.
		Lazy: []string{"Blob", "File"},
	}
}
