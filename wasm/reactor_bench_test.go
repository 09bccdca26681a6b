package wasm

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/verge-edge/verge/wasm/wasmtest"
)

// BenchmarkReactor measures one request through a pooled reactor instance:
// no instantiation, only a verge_handle call.
//
//   - abi: a hand-made guest that sets the status and writes the body with
//     two host calls, so the figure is the host's cost per call (pool,
//     limits, ABI, response).
//
//   - go-sdk: the Go guest twin of BenchmarkServe's hello, through sdk/go,
//     which builds an *http.Request and runs a net/http handler inside the
//     guest.
//
//     go test -run '^$' -bench 'Serve/pool|Reactor' -benchmem ./wasm
func BenchmarkReactor(b *testing.B) {
	abi, err := CompileReactor(context.Background(), wasmtest.Reactor(http.StatusCreated, "hello, verge\n"), Options{CacheDir: cacheDir})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = abi.Close(context.Background()) })
	for _, bc := range []struct {
		name string
		x    *Reactor
	}{
		{"abi", abi},
		{"go-sdk", compileReactor(b, "hello", Options{})},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				r := httptest.NewRequest("GET", "/bench?x=1", nil)
				r.Header.Set("User-Agent", "bench")
				for pb.Next() {
					w := httptest.NewRecorder()
					bc.x.ServeHTTP(w, r)
					if w.Code != http.StatusCreated {
						b.Fatalf("status %d: %s", w.Code, w.Body)
					}
				}
			})
		})
	}
}
