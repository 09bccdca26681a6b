// Package events implements DOMException, Event, EventTarget and the event
// classes built on them (CustomEvent, ErrorEvent, PromiseRejectionEvent and
// the service-worker ExtendableEvent, FetchEvent and ScheduledEvent), all in
// JavaScript. It has no ops.
//
// It must load before every other Web API that throws DOMException or
// extends EventTarget (abort, streams, fetch, ...). Its internals
// (verge.internals.events, verge.internals.domexception) let the runtime
// dispatch trusted events and read what listeners did.
package events

import (
	"embed"

	"github.com/verge-edge/verge/engine"
)

//go:embed *.js
var scripts embed.FS

// Extension returns the events Web API.
func Extension() engine.Extension {
	return engine.Extension{Name: "events", Scripts: engine.Scripts(scripts, "events", "domexception.js", "event.js", "serviceworker.js")}
}
