package server

import (
	"io"
	"net/http"
	"testing"
)

// BenchmarkServeHello measures a hello-world worker through the whole
// node: a loopback HTTP client, the front (route, geo, headers), the hop
// to one isolate host and back. With -cpuprofile it profiles the front;
// VERGE_HOST_CPUPROFILE=FILE profiles the host.
//
//	go test -run '^$' -bench ServeHello -cpuprofile front.prof ./server/
func BenchmarkServeHello(b *testing.B) {
	n := startNode(b, map[string]string{
		"node.toml":      "projects = [\"app\"]\n[listen]\nhttp = \"127.0.0.1:0\"\n",
		"app/verge.toml": "name = \"app\"\nmain = \"w.js\"\n",
		"app/w.js":       `export default { fetch() { return new Response("Hello from the Edge") } }`,
	})
	url := n.http + "/"
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
		for pb.Next() {
			resp, err := client.Get(url)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatal(resp.Status)
			}
		}
	})
}
