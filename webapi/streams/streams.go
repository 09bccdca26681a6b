// Package streams implements ReadableStream, WritableStream,
// TransformStream and the queuing strategies in JavaScript, and exposes
// internals (readAll, fromBytes, isDisturbed) that fetch bodies use.
package streams

import (
	_ "embed"

	"github.com/verge-edge/verge/engine"
)

//go:embed streams.js
var source string

// Extension returns the streams Web API (no ops: pure JavaScript).
func Extension() engine.Extension {
	return engine.Extension{
		Name:    "streams",
		Scripts: []engine.Script{{Name: "ext:streams/streams.js", Source: source}},
		// Loaded on first touch (engine.Extension.Lazy): a body becomes a
		// stream only when a worker asks for one; other areas reach
		// streams through these globals or check internals.streams first.
		Lazy: []string{
			"ReadableStream", "ReadableStreamDefaultReader", "ReadableStreamDefaultController",
			"WritableStream", "WritableStreamDefaultWriter", "WritableStreamDefaultController",
			"TransformStream", "TransformStreamDefaultController",
			"ByteLengthQueuingStrategy", "CountQueuingStrategy", "IdentityTransformStream", "FixedLengthStream",
		},
	}
}
