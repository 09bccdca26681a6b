// Reactor test guests: a module of their own, because they import the Go
// SDK, which is a module of its own without a release to require.
module github.com/verge-edge/verge/wasm/testdata/reactor

go 1.24

require github.com/verge-edge/verge/sdk/go v0.0.0

replace github.com/verge-edge/verge/sdk/go => ../../../sdk/go
