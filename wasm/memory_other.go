//go:build !linux

package wasm

// reserve allocates size bytes from the Go heap. Outside Linux there is no
// MAP_NORESERVE, so regions are ordinary (committed lazily by the OS on most
// systems, but counted by the Go GC).
func reserve(size uint64) ([]byte, error) { return make([]byte, size), nil }

func release([]byte) {}

func zero(b []byte, _ int) { clear(b) }
