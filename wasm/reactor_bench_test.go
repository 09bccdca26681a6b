package wasm

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkReactor runs the reactor twin of BenchmarkServe's hello guest:
// no instantiation per request, only a verge_handle call.
//
//	go test -run '^$' -bench 'Serve/pool|Reactor' -benchmem ./wasm
func BenchmarkReactor(b *testing.B) {
	x := compileReactor(b, "hello", Options{})
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		r := httptest.NewRequest("GET", "/bench?x=1", nil)
		r.Header.Set("User-Agent", "bench")
		for pb.Next() {
			w := httptest.NewRecorder()
			x.ServeHTTP(w, r)
			if w.Code != http.StatusCreated {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
		}
	})
}
