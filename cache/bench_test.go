package cache

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
)

// The edge cache against a plain reverse proxy, all over loopback HTTP:
//
//	go test -bench . -run - ./cache
//
// PlainProxy is the baseline (client -> httputil.ReverseProxy -> origin);
// Hit serves from the cache (client -> cache); PassThrough is a response
// the cache may not store (client -> cache -> proxy -> origin).
func benchServe(b *testing.B, cached bool, cc string) {
	body := strings.Repeat("x", 4096)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", cc)
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, body)
	}))
	defer origin.Close()
	u, _ := url.Parse(origin.URL)
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.Transport = &http.Transport{MaxIdleConnsPerHost: 256}
	var h http.Handler = proxy
	if cached {
		c, err := New(Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		h = c.Handler(proxy, Rules{})
	}
	front := httptest.NewServer(h)
	defer front.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	get := func() {
		resp, err := client.Get(front.URL + "/asset.css")
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	get() // fill the cache
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			get()
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func BenchmarkPlainProxy(b *testing.B) { benchServe(b, false, "max-age=60") }
func BenchmarkHit(b *testing.B)        { benchServe(b, true, "max-age=60") }
func BenchmarkPassThrough(b *testing.B) {
	benchServe(b, true, "no-store")
}
