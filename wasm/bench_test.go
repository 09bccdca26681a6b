package wasm

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkServe runs requests through the handler for a Go guest (the
// hello guest: the Go runtime's start-up dominates), with the memory pool
// and with wazero's allocators.
//
//	go test -run '^$' -bench Serve -benchmem ./wasm
func BenchmarkServe(b *testing.B) {
	for _, bc := range []struct {
		name string
		opts Options
	}{
		{"pool", Options{}},
		{"wazero-default", Options{IdleMemories: -1}},
		{"wazero-capacity-from-max", Options{IdleMemories: -1, capacityFromMax: true}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			m := compile(b, "hello", bc.opts)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				r := httptest.NewRequest("GET", "/bench?x=1", nil)
				r.Header.Set("User-Agent", "bench")
				for pb.Next() {
					w := httptest.NewRecorder()
					m.ServeHTTP(w, r)
					if w.Code != http.StatusCreated {
						b.Fatalf("status %d: %s", w.Code, w.Body)
					}
				}
			})
		})
	}
}
