// The end-to-end reactor guest: a module of its own, because it imports
// the Go SDK, a module of its own without a release to require.
module github.com/verge-edge/verge/internal/e2e/testdata/wasm/reactor

go 1.24

require github.com/verge-edge/verge/sdk/go v0.0.0

replace github.com/verge-edge/verge/sdk/go => ../../../../../sdk/go
