// Package webapi assembles the runtime prelude: every Web API area, in load
// order, compiled once per process.
package webapi

import (
	"github.com/verge-edge/verge/engine"
	"github.com/verge-edge/verge/webapi/bootstrap"
	"github.com/verge-edge/verge/webapi/console"
	"github.com/verge-edge/verge/webapi/encoding"
	"github.com/verge-edge/verge/webapi/timers"
)

// Extensions returns the Web API areas in load order; extra extensions
// (such as the worker runtime's) load after them, before finish.js.
func Extensions(extra ...engine.Extension) []engine.Extension {
	exts := []engine.Extension{
		bootstrap.Start(),
		console.Extension(),
		timers.Extension(),
		encoding.Extension(),
	}
	exts = append(exts, extra...)
	return append(exts, bootstrap.Finish())
}
