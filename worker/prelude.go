package worker

import (
	"github.com/verge-edge/verge/engine"
	"github.com/verge-edge/verge/webapi"
)

// NewPrelude compiles the Web APIs and the worker runtime script. Call it
// once per process and share the result across workers.
func NewPrelude() (*engine.Prelude, error) {
	return engine.NewPrelude(webapi.Extensions(Extension())...)
}
