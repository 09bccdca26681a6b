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

// order is the scripts' load order.
var order = []string{"domexception.js", "event.js", "serviceworker.js"}

// Extension returns the events Web API.
func Extension() engine.Extension {
	return engine.Extension{Name: "events", Scripts: load("events", order)}
}

func load(area string, names []string) []engine.Script {
	out := make([]engine.Script, len(names))
	for i, n := range names {
		b, err := scripts.ReadFile(n)
		if err != nil {
			panic(err) // the files are embedded: a missing one is a build mistake
		}
		out[i] = engine.Script{Name: "ext:" + area + "/" + n, Source: string(b)}
	}
	return out
}
