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

// order is the scripts' load order.
var order = []string{"utf8.js", "blob.js"}

// Extension returns the blob Web API.
func Extension() engine.Extension {
	s := make([]engine.Script, len(order))
	for i, n := range order {
		b, err := scripts.ReadFile(n)
		if err != nil {
			panic(err) // embedded: a missing file is a build mistake
		}
		s[i] = engine.Script{Name: "ext:blob/" + n, Source: string(b)}
	}
	return engine.Extension{Name: "blob", Scripts: s}
}
