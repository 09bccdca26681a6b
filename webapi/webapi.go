// Package webapi assembles the runtime prelude: every Web API area, in load
// order, compiled once per process.
package webapi

import (
	"github.com/verge-edge/verge/engine"
	"github.com/verge-edge/verge/webapi/abort"
	"github.com/verge-edge/verge/webapi/blob"
	"github.com/verge-edge/verge/webapi/bootstrap"
	"github.com/verge-edge/verge/webapi/cache"
	"github.com/verge-edge/verge/webapi/compression"
	"github.com/verge-edge/verge/webapi/console"
	"github.com/verge-edge/verge/webapi/crypto"
	"github.com/verge-edge/verge/webapi/encoding"
	"github.com/verge-edge/verge/webapi/events"
	"github.com/verge-edge/verge/webapi/fetch"
	"github.com/verge-edge/verge/webapi/formdata"
	"github.com/verge-edge/verge/webapi/headers"
	"github.com/verge-edge/verge/webapi/streams"
	"github.com/verge-edge/verge/webapi/structuredclone"
	"github.com/verge-edge/verge/webapi/timers"
	"github.com/verge-edge/verge/webapi/url"
	"github.com/verge-edge/verge/webapi/webassembly"
)

// Extensions returns the Web API areas in load order; extra extensions
// (such as the worker runtime's) load after them, before finish.js.
//
// Order matters: events first (the engine throws DOMException by looking
// up the global), abort after events, formdata after blob, and the areas
// that use another's internals after it.
func Extensions(extra ...engine.Extension) []engine.Extension {
	exts := []engine.Extension{
		bootstrap.Start(),
		console.Extension(),
		timers.Extension(),
		encoding.Extension(),
		events.Extension(),
		abort.Extension(),
		streams.Extension(),
		compression.Extension(),
		blob.Extension(),
		formdata.Extension(),
		headers.Extension(),
		url.Extension(),
		fetch.Extension(),
		cache.Extension(),
		crypto.Extension(),
		structuredclone.Extension(),
		webassembly.Extension(),
	}
	exts = append(exts, extra...)
	return append(exts, bootstrap.Finish())
}
