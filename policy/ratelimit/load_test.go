package ratelimit

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestConcurrentLoad sends a fixed number of requests from 8 goroutines
// through a real server on 127.0.0.1, with one client address, against a
// limit whose period is far longer than the test: exactly the limit must
// get through, whatever the interleaving. Nothing depends on timing.
func TestConcurrentLoad(t *testing.T) {
	const (
		workers   = 8
		perWorker = 50
		limit     = 57
	)
	for _, algo := range []string{SlidingWindow, TokenBucket} {
		t.Run(algo, func(t *testing.T) {
			p, err := New(Config{Algorithm: algo, Requests: limit, Period: Duration(24 * time.Hour)}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var reached atomic.Int64
			srv := httptest.NewServer(p.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				reached.Add(1)
			})))
			defer srv.Close()
			client := &http.Client{
				Transport: &http.Transport{MaxIdleConnsPerHost: workers},
				Timeout:   10 * time.Second,
			}
			defer client.CloseIdleConnections()

			var ok, refused atomic.Int64
			var wg sync.WaitGroup
			for range workers {
				wg.Go(func() {
					for range perWorker {
						resp, err := client.Get(srv.URL + "/")
						if err != nil {
							t.Error(err)
							return
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						switch resp.StatusCode {
						case http.StatusOK:
							ok.Add(1)
						case http.StatusTooManyRequests:
							if resp.Header.Get("Retry-After") == "" {
								t.Error("429 without Retry-After")
							}
							refused.Add(1)
						default:
							t.Errorf("status %d", resp.StatusCode)
						}
					}
				})
			}
			wg.Wait()
			if ok.Load() != limit || refused.Load() != workers*perWorker-limit || reached.Load() != limit {
				t.Errorf("allowed %d, refused %d, reached the handler %d; want %d, %d, %d",
					ok.Load(), refused.Load(), reached.Load(), limit, workers*perWorker-limit, limit)
			}
		})
	}
}
