package server

import (
	"os"
	"runtime/debug"
)

// TuneGC sets the front's garbage collector for latency, unless GOGC or
// GOMEMLIMIT are set in the environment. The front's live heap is small
// next to what each proxied request allocates, so with Go's default
// (GOGC=100) it collects every few hundred requests, and on a 2-core node
// those cycles were the whole p99 tail: the edge layer added 1.6-1.8 ms
// at p99 with the default, 0.39 ms with GOGC=400 (BenchmarkEdgeLatency,
// bench/RESULTS.md). The memory limit keeps a large cache tier (also Go
// heap) from letting 400% grow the process past its budget: near the
// limit the collector runs as often as it must.
func TuneGC(cfg *NodeConfig) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		cache := cfg.Cache.MemoryMB
		if cache == 0 {
			cache = 256
		}
		debug.SetMemoryLimit((2*cache + 512) << 20)
	}
}
