package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestClusterRateLimitNetwork: three `verge pop` processes with the same
// route, rate limited with scope = "cluster", count together through the
// hub: a key used up at one PoP is refused at the others, and a client
// spreading its requests over all three gets about the limit, not three
// times it.
func TestClusterRateLimitNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a hub and three PoPs")
	}
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("origin")) }))
	t.Cleanup(origin.Close)
	bin, root := buildBinary(t), t.TempDir()
	os.Chmod(root, 0o755)
	ctlPort, leafPort := freePort(t), freePort(t)
	hub := startProc(t, bin, 2, "control", "--data", filepath.Join(root, "control"),
		"--listen", fmt.Sprintf("127.0.0.1:%d", ctlPort), "--leaf-listen", fmt.Sprintf("127.0.0.1:%d", leafPort))
	leafURL := hub.field(1)
	const limit = 30
	var pops []string
	for i, name := range []string{"gru", "fra", "sin"} {
		cfg := filepath.Join(root, name+".toml")
		os.WriteFile(cfg, []byte(fmt.Sprintf(`[listen]
http = "127.0.0.%d:0"
[origins.o]
url = %q
[[routes]]
pattern = "api.test/*"
origin = "o"
[routes.rate_limit]
key = "header:X-Key"
requests = %d
period = "1h"
scope = "cluster"
`, i+2, origin.URL, limit)), 0o644)
		p := startProc(t, bin, 1, "pop", "--name", name, "--hub", leafURL, "--credentials", filepath.Join(root, "control", "pop.creds"),
			"--data", filepath.Join(root, name), "--config", cfg, "--hosts", "1")
		pops = append(pops, p.field(0))
	}
	status := func(base, key string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", base+"/", nil)
		req.Host = "api.test"
		req.Header.Set("X-Key", key)
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	// Use a key up at the first PoP; the others learn it through the hub.
	for i := 0; status(pops[0], "alice") == 200; i++ {
		if i > limit {
			t.Fatalf("the first PoP allowed more than %d requests", limit)
		}
	}
	for _, base := range pops[1:] {
		deadline := time.Now().Add(10 * time.Second)
		for status(base, "alice") != 429 {
			if time.Now().After(deadline) {
				t.Fatalf("%s never refused the key used up at %s", base, pops[0])
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	// Another client spreads 3x the limit over the PoPs, 50 per second.
	allowed, perPoP := 0, make([]int, len(pops))
	for i := range 3 * limit {
		if status(pops[i%len(pops)], "bob") == 200 {
			allowed++
			perPoP[i%len(pops)]++
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("allowed %d of %d (limit %d), per PoP %v", allowed, 3*limit, limit, perPoP)
	// PoPs exchange counts every 100 ms, so each may admit what the others
	// admitted in the last interval before it hears of it.
	if allowed < limit || allowed > limit+limit/3 {
		t.Errorf("allowed %d requests across the PoPs; the cluster limit is %d (per-PoP counting would allow %d)\n%s",
			allowed, limit, 3*limit, strings.Join(pops, " "))
	}
}
