package worker

import (
	"github.com/verge-edge/verge/bindings/flags"
	kvbinding "github.com/verge-edge/verge/bindings/kv"
	"github.com/verge-edge/verge/bindings/ratelimit"
	"github.com/verge-edge/verge/engine"
	"github.com/verge-edge/verge/webapi"
)

// NewPrelude compiles the Web APIs and the worker runtime script. Call it
// once per process and share the result across workers.
func NewPrelude() (*engine.Prelude, error) {
	return engine.NewPrelude(webapi.Extensions(ratelimit.Extension(), kvbinding.Extension(), flags.Extension(), Extension())...)
}

// Compile compiles a bundle to the bytecode Config.Bytecode takes, so that a
// worker version is parsed once (at deploy) rather than in every VM.
func Compile(code []byte) ([]byte, error) {
	vm, err := engine.New(engine.Options{})
	if err != nil {
		return nil, err
	}
	defer vm.Close()
	return vm.Compile(string(code), BundleName)
}
