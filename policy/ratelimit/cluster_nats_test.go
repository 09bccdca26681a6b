package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/verge-edge/verge/cluster"
	"github.com/verge-edge/verge/edgeinfo"
)

// The tests in this file run a real hub and leaf nodes on 127.0.0.1, one
// Sync and limiter per leaf connection, as PoPs do.

const natsInterval = 25 * time.Millisecond

func natsLogger() *slog.Logger {
	if os.Getenv("VERGE_NATS_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// waitFor polls cond until it holds or d passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	var err error
	for time.Now().Before(deadline) {
		if err = cond(); err == nil {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s: not true after %v: %v", what, d, err)
}

// natsPoP is one PoP: its leaf node, its Sync, and a cluster-scoped
// policy on it.
type natsPoP struct {
	name   string
	leaf   *cluster.Leaf
	sync   *Sync
	policy *Policy
}

// close makes the PoP leave: its policy, its Sync, then its leaf.
func (p *natsPoP) close() {
	p.policy.Close()
	p.sync.Close()
	p.leaf.Close()
}

// natsNet is a hub and its PoPs.
type natsNet struct {
	hub  *cluster.Hub
	pops []*natsPoP
}

// close stops every PoP, then the hub. (Cleanups do it too; closing
// twice is harmless.)
func (n *natsNet) close() {
	for _, p := range n.pops {
		p.close()
	}
	n.hub.Close()
}

// startNATSPoPs starts a hub and one leaf per name, each with a Sync and
// a policy made from cfg.
func startNATSPoPs(t testing.TB, cfg Config, names ...string) *natsNet {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	creds, err := cluster.NewCredentials()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := creds.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	hub, err := cluster.StartHub(ctx, cluster.HubConfig{
		LeafListen: "127.0.0.1:0",
		StoreDir:   filepath.Join(dir, "hub"),
		Users:      []string{pub},
		Logger:     natsLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hub.Close() })
	cfg.Scope = ScopeCluster
	var pops []*natsPoP
	for _, name := range names {
		leaf, err := cluster.StartLeaf(ctx, cluster.LeafConfig{
			Name:        name,
			HubURLs:     []string{hub.LeafURL()},
			Credentials: creds,
			StoreDir:    filepath.Join(dir, name),
			Watchdog:    cluster.WatchdogConfig{Disabled: true},
			Logger:      natsLogger(),
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { leaf.Close() })
		if err := leaf.WaitConnected(ctx); err != nil {
			t.Fatal(err)
		}
		// The Sync lives as long as its context: not ctx, which only
		// bounds the start.
		s, err := StartSync(context.Background(), leaf.Conn(), SyncConfig{Secret: testSecret, Interval: natsInterval, Logger: natsLogger()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		p, err := New(cfg, Options{Sync: s, ID: "route:api.example.com/*"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		pops = append(pops, &natsPoP{name, leaf, s, p})
	}
	waitLinked(t, pops)
	return &natsNet{hub, pops}
}

// waitLinked waits until every PoP receives every other's batches: NATS
// forwards a publication only to where it has seen a subscription, and
// the subscriptions take a moment to reach the hub and the other leaves.
// Each round sends a new probe key from every PoP, as a batch published
// before the subscriptions arrived is lost.
func waitLinked(t testing.TB, pops []*natsPoP) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for round := 0; ; round++ {
		probe := func(p *natsPoP) string { return "probe-" + p.name + "-" + strconv.Itoa(round) }
		for _, p := range pops {
			p.policy.Limiter().Allow(probe(p), time.Now())
		}
		linked := func() error {
			now := time.Now()
			for _, p := range pops {
				for _, q := range pops {
					if _, n, prev := p.policy.Limiter().known(probe(q), now); n+prev != 1 {
						return fmt.Errorf("%s knows %d requests of %s", p.name, n+prev, probe(q))
					}
				}
			}
			return nil
		}
		var err error
		for range 40 {
			if err = linked(); err == nil {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the PoPs do not hear each other: %v", err)
		}
	}
}

// clientRequest is a request from addr, as the front hands it on.
func clientRequest(addr string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://api.example.com/items", nil)
	return r.WithContext(edgeinfo.With(r.Context(), &edgeinfo.Info{ClientIP: netip.MustParseAddr(addr)}))
}

// knownRequests returns how many requests of r's key a policy knows of
// in window w (the current or the previous window of its state).
func knownRequests(p *Policy, r *http.Request, w int64) int32 {
	l := p.Limiter()
	sh, s := l.store.lock(l.requestHash(p.s.key, r), time.Now().UnixNano())
	defer sh.mu.Unlock()
	switch s.t {
	case w:
		return s.n
	case w + 1:
		return s.p
	}
	return 0
}

// TestClusterScopeNATS sends one client's requests to three PoPs at once
// for two seconds. Counted per PoP, each would admit the limit; counted
// across the cluster, all together admit the limit plus at most what the
// cluster admits while counts are on their way: one sync interval plus
// the delivery time, which the test measures as it goes (so that a slow
// machine, or the race detector, cannot make it fail). Afterwards every
// PoP knows the same total.
func TestClusterScopeNATS(t *testing.T) {
	const (
		limit     = 200
		senders   = 2   // per PoP
		perSender = 150 // requests
		gap       = 13 * time.Millisecond
	)
	cfg := Config{Requests: limit, Period: Duration(24 * time.Hour)}
	pops := startNATSPoPs(t, cfg, "gru", "fra", "sin").pops
	alone := make([]*Policy, len(pops)) // the same requests, counted per PoP
	for i := range alone {
		p, err := New(cfg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		alone[i] = p
	}

	type result struct {
		at      time.Time
		allowed bool
	}
	results := make([][]result, len(pops)*senders)
	var aloneMu sync.Mutex
	aloneAllowed := 0
	startWindow := floorDiv(time.Now().UnixNano(), int64(24*time.Hour))
	var traffic sync.WaitGroup
	for i, p := range pops {
		for j := range senders {
			traffic.Go(func() {
				out := &results[i*senders+j]
				for range perSender {
					r := clientRequest("192.0.2.1")
					ok := p.policy.Check(httptest.NewRecorder(), r)
					*out = append(*out, result{time.Now(), ok})
					if alone[i].Check(httptest.NewRecorder(), r) {
						aloneMu.Lock()
						aloneAllowed++
						aloneMu.Unlock()
					}
					time.Sleep(gap)
				}
			})
		}
	}
	done := make(chan struct{})
	go func() { traffic.Wait(); close(done) }()
	delay := measureDelay(pops, done)

	var admitted []time.Time
	for _, rs := range results {
		for _, r := range rs {
			if r.allowed {
				admitted = append(admitted, r.at)
			}
		}
	}
	slices.SortFunc(admitted, func(a, b time.Time) int { return a.Compare(b) })
	// The most the cluster admitted within one interval plus delivery
	// (the delay measured includes waiting for the next interval; one
	// more interval covers a probe that just made one), plus the
	// polling's granularity.
	span := delay + natsInterval + 5*time.Millisecond
	inFlight := 0
	for i, at := range admitted {
		j, _ := slices.BinarySearchFunc(admitted[i:], at.Add(span), func(a, b time.Time) int { return a.Compare(b) })
		inFlight = max(inFlight, j)
	}
	total := len(admitted)
	t.Logf("cluster scope admitted %d of %d (limit %d; longest sync delay %v, bound %d); per-PoP scope admitted %d",
		total, len(pops)*senders*perSender, limit, delay.Round(time.Millisecond), limit+inFlight, aloneAllowed)
	if total < limit {
		t.Errorf("admitted %d, under the limit %d", total, limit)
	}
	if total > limit+inFlight {
		t.Errorf("admitted %d, over the limit %d plus the %d admitted within %v", total, limit, inFlight, span)
	}
	if aloneAllowed != len(pops)*limit {
		t.Errorf("per-PoP scope admitted %d, want %d", aloneAllowed, len(pops)*limit)
	}
	if aloneAllowed < 2*total {
		t.Errorf("per-PoP scope admitted %d, cluster %d: want at least twice", aloneAllowed, total)
	}

	if floorDiv(time.Now().UnixNano(), int64(24*time.Hour)) != startWindow {
		t.Log("the day's window turned during the test; not comparing the PoPs' totals")
		return
	}
	r := clientRequest("192.0.2.1")
	waitFor(t, 30*time.Second, "every PoP knows the cluster's total", func() error {
		for _, p := range pops {
			if n := knownRequests(p.policy, r, startWindow); int(n) != total {
				return fmt.Errorf("%s knows %d of %d", p.name, n, total)
			}
		}
		return nil
	})
}

// measureDelay measures, until done, how long a request admitted at one
// PoP takes to be known at all the others: it admits a new key at each
// PoP in turn and polls the others for it. It returns the longest delay.
func measureDelay(pops []*natsPoP, done <-chan struct{}) time.Duration {
	var longest time.Duration
	for n := 0; ; n++ {
		from := pops[n%len(pops)]
		key := "delay-" + strconv.Itoa(n)
		at := time.Now()
		from.policy.Limiter().Allow(key, at)
		for _, p := range pops {
			for {
				if _, cur, prev := p.policy.Limiter().known(key, time.Now()); cur+prev > 0 {
					break
				}
				select {
				case <-done:
					// Counts in flight when the traffic stops no
					// longer matter.
					return longest
				case <-time.After(time.Millisecond):
				}
			}
		}
		longest = max(longest, time.Since(at))
	}
}

// TestClusterNATSLeaverExpires: a PoP admits a key's whole limit, the
// others learn it and refuse the key; then the PoP leaves the network,
// and its counts age out with their windows.
func TestClusterNATSLeaverExpires(t *testing.T) {
	const limit = 20
	period := time.Second
	pops := startNATSPoPs(t, Config{Requests: limit, Period: Duration(period)}, "gru", "fra").pops
	stay, leave := pops[0].policy.Limiter(), pops[1]

	// Start at the beginning of a window, so that the key's requests and
	// (most likely) their batch fall in the same one.
	now := time.Now()
	next := time.Unix(0, (floorDiv(now.UnixNano(), int64(period))+1)*int64(period))
	time.Sleep(time.Until(next) + 5*time.Millisecond)
	at := time.Now()
	w := floorDiv(at.UnixNano(), int64(period))
	for range limit {
		if !leave.policy.Limiter().Allow("k", at).Allowed {
			t.Fatal("refused within the limit")
		}
	}
	waitFor(t, 30*time.Second, "the staying PoP learns the key's count", func() error {
		if _, n, p := stay.known("k", time.Now()); n+p < limit {
			return fmt.Errorf("knows %d", n+p)
		}
		return nil
	})
	if now := time.Now(); floorDiv(now.UnixNano(), int64(period)) == w {
		if r := stay.Allow("k", now); r.Allowed {
			t.Errorf("the staying PoP allowed a key the cluster used up: %+v", r)
		}
	} else {
		t.Log("the batch came after the window turned; not checking the refusal")
	}
	leave.close()

	// Two windows on, nothing of the PoP that left counts.
	time.Sleep(time.Until(time.Unix(0, (w+2)*int64(period))))
	now = time.Now()
	if r := stay.Allow("k", now); !r.Allowed || r.Remaining != limit-1 {
		t.Errorf("two windows after the PoP left: %+v, want a fresh key", r)
	}
}

// TestSyncLeavesNoGoroutines starts Syncs on a real leaf, one stopped by
// Close and one by its context, and checks every goroutine ends.
func TestSyncLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		net := startNATSPoPs(t, Config{Requests: 5, Period: Duration(time.Minute)}, "gru")
		pop := net.pops[0]
		for i := range 20 {
			pop.policy.Check(httptest.NewRecorder(), clientRequest("192.0.2."+strconv.Itoa(i)))
		}
		ctx, cancel := context.WithCancel(context.Background())
		s, err := StartSync(ctx, pop.leaf.Conn(), SyncConfig{Secret: testSecret})
		if err != nil {
			t.Fatal(err)
		}
		l, err := NewLimiter(Config{Requests: 5, Period: Duration(time.Minute), Scope: ScopeCluster}, Options{Sync: s, ID: "b"})
		if err != nil {
			t.Fatal(err)
		}
		l.Allow("k", time.Now())
		cancel() // the context alone stops the Sync's goroutines
		stopped := make(chan struct{})
		go func() { s.wg.Wait(); close(stopped) }()
		select {
		case <-stopped:
		case <-time.After(10 * time.Second):
			t.Fatal("the Sync's goroutines outlived its context")
		}
		if err := l.Close(); err != nil {
			t.Error(err)
		}
		if err := s.Close(); err != nil {
			t.Error(err)
		}
		net.close()
	}()
	waitFor(t, 20*time.Second, "goroutines back to the baseline", func() error {
		buf := make([]byte, 1<<20)
		stacks := strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n")
		if n := len(stacks); n > before {
			return fmt.Errorf("%d goroutines, %d before:\n%s", n, before, strings.Join(stacks, "\n\n"))
		}
		return nil
	})
}
