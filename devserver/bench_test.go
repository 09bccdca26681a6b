package devserver

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkDevHello measures hello-world requests through verge dev's real
// server from loopback HTTP clients; with -cpuprofile it profiles both.
//
//	go test -run '^$' -bench DevHello -cpuprofile dev.prof ./devserver/
func BenchmarkDevHello(b *testing.B) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "w.js"), []byte(`export default { fetch: () => new Response("Hello from the Edge") }`), 0o644); err != nil {
		b.Fatal(err)
	}
	s, err := New(Options{Entry: filepath.Join(dir, "w.js"), Port: 0, Host: "127.0.0.1", Out: io.Discard, Quiet: true})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Start(); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
		for pb.Next() {
			r, err := c.Get(s.URL())
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, r.Body)
			r.Body.Close()
			if r.StatusCode != http.StatusOK {
				b.Fatal(r.Status)
			}
		}
	})
}
