package ratelimit

import (
	"bytes"
	"context"
	"hash/maphash"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/verge-edge/verge/edgeinfo"
)

func TestScopeFromTOML(t *testing.T) {
	var cfg Config
	if _, err := toml.Decode("requests = 10\nperiod = \"1m\"\nscope = \"cluster\"\n", &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Scope != ScopeCluster {
		t.Fatalf("scope %q", cfg.Scope)
	}
}

func TestScopeConfigErrors(t *testing.T) {
	s := newSimSync(t, SyncConfig{})
	withSync := Options{Sync: s, ID: "r"}
	for _, tc := range []struct {
		cfg  Config
		opts Options
		want string
	}{
		{Config{Requests: 10, Period: Duration(time.Minute), Scope: "global"}, withSync,
			`rate_limit.scope: "global" is not "pop" or "cluster"`},
		{Config{Requests: 10, Period: Duration(time.Minute), Scope: "Cluster"}, withSync,
			`rate_limit.scope: "Cluster" is not`},
		{Config{Algorithm: TokenBucket, Requests: 10, Period: Duration(time.Minute), Scope: ScopeCluster}, withSync,
			`rate_limit.scope: "cluster" needs algorithm "sliding_window"`},
		{Config{Requests: 10, Period: Duration(time.Minute), Scope: ScopeCluster}, Options{},
			`rate_limit.scope: "cluster" counts across PoPs over NATS, and this node has no NATS connection`},
		{Config{Requests: 10, Period: Duration(time.Minute), Scope: ScopeCluster}, Options{Sync: s},
			`ratelimit: scope "cluster" needs Options.ID`},
		{Config{Requests: 10, Period: Duration(999 * time.Millisecond), Scope: ScopeCluster}, withSync,
			`rate_limit.period: 999ms is too short for scope "cluster": PoPs exchange counts every 100ms, so the period must be at least 1s`},
	} {
		_, err := New(tc.cfg, tc.opts)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("New(%+v): error %v, want prefix %q", tc.cfg, err, tc.want)
		}
		_, err = NewLimiter(tc.cfg, tc.opts)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("NewLimiter(%+v): error %v, want prefix %q", tc.cfg, err, tc.want)
		}
	}
	for _, cfg := range []Config{
		{Requests: 10, Period: Duration(time.Minute), Scope: ScopePoP},
		{Algorithm: TokenBucket, Requests: 10, Period: Duration(time.Minute), Scope: ScopePoP},
		// Without a Sync, scope "pop" needs none.
	} {
		if _, err := New(cfg, Options{}); err != nil {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
	p, err := New(Config{Requests: 10, Period: Duration(time.Second), Scope: ScopeCluster}, withSync)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Error(err)
	}
}

func TestSyncConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg  SyncConfig
		want string
	}{
		{SyncConfig{Secret: []byte("short")}, "ratelimit: SyncConfig.Secret is 5 bytes; it needs at least 16"},
		{SyncConfig{Secret: testSecret, Interval: time.Millisecond}, "ratelimit: SyncConfig.Interval: "},
		{SyncConfig{Secret: testSecret, Interval: time.Minute}, "ratelimit: SyncConfig.Interval: "},
		{SyncConfig{Secret: testSecret, MaxBatch: 100}, "ratelimit: SyncConfig.MaxBatch: "},
	} {
		_, err := newSync(tc.cfg)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want prefix %q", tc.cfg, err, tc.want)
		}
	}
	if _, err := StartSync(context.Background(), nil, SyncConfig{Secret: testSecret}); err == nil {
		t.Error("StartSync without a connection succeeded")
	}
}

// TestClusterMergeBound runs three PoPs on random traffic for one key,
// exchanging batches every interval (with no delivery delay), and checks
// the bound the package doc gives: a window admits at most the limit
// plus what the cluster admitted since the last exchange before the
// window's last admission. Per-PoP counting would admit three limits.
func TestClusterMergeBound(t *testing.T) {
	for _, tc := range []struct {
		name   string
		period time.Duration
		run    time.Duration
	}{
		{"one window", time.Hour, 3 * time.Second},
		{"rolling windows", time.Second, 10 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const limit, pops = 100, 3
			cfg := Config{Requests: limit, Period: Duration(tc.period)}
			sim := newSim(t, pops, cfg, Options{})
			alone := make([]*Limiter, pops) // the same traffic, counted per PoP
			for i := range alone {
				alone[i] = mustLimiter(t, cfg)
			}
			interval := sim[0].sync.interval
			rng := rand.New(rand.NewPCG(5, 6))
			perWindow := map[int64][]time.Duration{}
			var clusterTotal, aloneTotal int
			for at := time.Duration(0); at < tc.run; at += time.Millisecond {
				now := t0.Add(at)
				if at%interval == 0 {
					deliver(t, sim, now)
				}
				for i, p := range sim {
					// About 300 requests a second per PoP, and other keys.
					if rng.IntN(10) < 3 {
						if p.lim.Allow("k", now).Allowed {
							clusterTotal++
							w := floorDiv(now.UnixNano(), int64(tc.period))
							perWindow[w] = append(perWindow[w], at)
						}
						if alone[i].Allow("k", now).Allowed {
							aloneTotal++
						}
					}
					p.lim.Allow("other-"+strconv.Itoa(rng.IntN(50)), now)
				}
			}
			for w, ats := range perWindow {
				last := ats[len(ats)-1]
				bucket := 0 // admissions since the exchange before the last one
				for _, a := range ats {
					if a/interval == last/interval {
						bucket++
					}
				}
				if len(ats) > limit-1+bucket {
					t.Errorf("window %d admitted %d; bound %d + %d", w, len(ats), limit-1, bucket)
				}
				if len(ats) < limit/2 {
					t.Errorf("window %d admitted only %d", w, len(ats))
				}
			}
			t.Logf("cluster admitted %d, per-PoP counting %d", clusterTotal, aloneTotal)
			if aloneTotal < 2*clusterTotal {
				t.Errorf("per-PoP counting admitted %d, cluster %d: want at least twice", aloneTotal, clusterTotal)
			}
		})
	}
}

// TestSilentPoPExpires: a PoP admits a key's whole limit and leaves. The
// others refuse the key once they have its batch, and its counts age out
// with their windows.
func TestSilentPoPExpires(t *testing.T) {
	const limit = 100
	sim := newSim(t, 3, Config{Requests: limit, Period: Duration(time.Second)}, Options{})
	gone := sim[2]
	for range limit {
		if !gone.lim.Allow("k", t0.Add(100*time.Millisecond)).Allowed {
			t.Fatal("refused within the limit")
		}
	}
	deliver(t, sim, t0.Add(200*time.Millisecond))
	if err := gone.lim.Close(); err != nil {
		t.Fatal(err)
	}
	sim = sim[:2]
	for i, p := range sim {
		if r := p.lim.Allow("k", t0.Add(300*time.Millisecond)); r.Allowed || r.RetryAfter <= 0 {
			t.Errorf("PoP %d after the batch: %+v, want refused", i, r)
		}
	}
	// Half into the next window, half of it still counts.
	if r := sim[0].lim.Allow("k", t0.Add(1500*time.Millisecond)); !r.Allowed || r.Remaining != limit/2-1 {
		t.Errorf("at 1.5 s: %+v, want allowed with %d remaining", r, limit/2-1)
	}
	// Two windows on, nothing of it is left.
	if r := sim[1].lim.Allow("k", t0.Add(2*time.Second)); !r.Allowed || r.Remaining != limit-1 {
		t.Errorf("at 2 s: %+v, want a fresh key", r)
	}
	deliver(t, sim, t0.Add(2100*time.Millisecond))
	// PoP 0 knows PoP 1's request of this window and its own of the
	// last; nothing of the PoP that left.
	if w, cur, prev := sim[0].lim.known("k", t0.Add(2100*time.Millisecond)); cur != 1 || prev != 1 {
		t.Errorf("PoP 0 at 2.1 s: window %d counts %d and %d, want 1 and 1", w, cur, prev)
	}
}

type entryKey struct {
	hash   uint64
	window int64
}

func TestBatchEncoding(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const base = int64(1_700_000_000)
	var entries []countEntry
	want := map[entryKey]uint32{}
	for i := range 1000 {
		e := countEntry{hash: rng.Uint64(), window: base - int64(i%5) + 2, n: uint32(1 + rng.IntN(1<<20))}
		if i == 0 {
			e.n = math.MaxUint32 // the largest count a pending map holds
		}
		entries = append(entries, e)
		want[entryKey{e.hash, e.window}] = min(e.n, math.MaxInt32)
	}
	got := map[entryKey]uint32{}
	batches := 0
	encodeBatches(nil, 42, entries, MinSyncBatch, func(b []byte) {
		batches++
		if len(b) > MinSyncBatch {
			t.Fatalf("batch of %d bytes, max %d", len(b), MinSyncBatch)
		}
		bt, err := decodeBatch(b)
		if err != nil || bt.sender != 42 {
			t.Fatalf("decode: %v, sender %d", err, bt.sender)
		}
		for {
			e, ok, err := bt.next()
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			k := entryKey{e.hash, e.window}
			if _, dup := got[k]; dup {
				t.Fatalf("entry %v twice", k)
			}
			got[k] = e.n
		}
	})
	if len(got) != len(want) {
		t.Fatalf("%d entries decoded, want %d", len(got), len(want))
	}
	for k, n := range want {
		if got[k] != n {
			t.Fatalf("entry %v: %d, want %d", k, got[k], n)
		}
	}
	if batches < 2 {
		t.Errorf("%d batches: the split was not exercised", batches)
	}
}

func TestBatchMalformed(t *testing.T) {
	l := newSim(t, 1, Config{Requests: 10, Period: Duration(time.Minute)}, Options{})[0].lim
	now := t0.UnixNano()
	var valid []byte
	cur := floorDiv(now, l.period)
	encodeBatches(nil, 1, []countEntry{{1, cur, 3}, {2, cur - 1, 300}}, MinSyncBatch, func(b []byte) {
		valid = append([]byte(nil), b...)
	})
	bad := [][]byte{
		nil,
		{1},
		append([]byte{2}, valid[1:]...), // unknown version
		append(append([]byte{}, valid[:9]...), 0x80, 0x80),               // unterminated window
		append(append([]byte{}, valid...), 1, 2, 3),                      // trailing garbage
		append(append([]byte{}, valid...), make([]byte, 8)...),           // entry without age and count
		append(append([]byte{}, valid...), 0, 0, 0, 0, 0, 0, 0, 0, 2, 1), // age 2
		append(append([]byte{}, valid...), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), // count 0
	}
	for cut := 1; cut < len(valid); cut++ {
		bad = append(bad, valid[:cut])
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for range 2000 {
		b := make([]byte, rng.IntN(64))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		if len(b) > 0 && rng.IntN(2) == 0 {
			b[0] = batchVersion
		}
		bad = append(bad, b)
	}
	for _, b := range bad {
		n, err := l.cl.apply(b, now)
		if err == nil {
			if bytes.HasPrefix(valid, b) || len(b) > 0 && b[0] == batchVersion {
				continue // a prefix that ends on an entry, or random bytes that parse
			}
			t.Errorf("% x: accepted", b)
		}
		if err != nil && n != 0 {
			t.Errorf("% x: refused after adding %d entries", b, n)
		}
	}
	// Only the valid batch (and valid prefixes of it) may have counted.
	if n, err := l.cl.apply(valid, now); err != nil || n != 2 {
		t.Fatalf("valid batch: %d, %v", n, err)
	}
}

// TestApplyWindows checks which windows of a batch count, as seen from
// the receiver's clock.
func TestApplyWindows(t *testing.T) {
	l := newSim(t, 1, Config{Requests: 1000, Period: Duration(time.Second)}, Options{})[0].lim
	now := t0.Add(5500 * time.Millisecond)
	cur := floorDiv(now.UnixNano(), l.period)
	hash := stringHash("k", l.cl.key)
	send := func(sender uint64, w int64, n uint32) int {
		t.Helper()
		added := 0
		encodeBatches(nil, sender, []countEntry{{hash, w, n}}, MinSyncBatch, func(b []byte) {
			a, err := l.cl.apply(b, now.UnixNano())
			if err != nil {
				t.Fatal(err)
			}
			added += a
		})
		return added
	}
	for _, tc := range []struct {
		w     int64
		n     uint32
		added int
	}{
		{cur, 3, 1},
		{cur - 1, 2, 1},
		{cur - 2, 5, 0}, // no longer counts
		{cur + 1, 4, 1}, // a clock slightly ahead: counted now
		{cur + 2, 7, 0}, // a clock far ahead
	} {
		if got := send(99, tc.w, tc.n); got != tc.added {
			t.Errorf("window cur%+d: %d entries added, want %d", tc.w-cur, got, tc.added)
		}
	}
	if got := send(l.cl.sender, cur, 50); got != 0 {
		t.Error("the limiter's own batch was added")
	}
	if w, n, p := l.known("k", now); w != cur || n != 7 || p != 2 {
		t.Errorf("window %d counts %d, %d; want %d counts 7, 2", w, n, p, cur)
	}
	// Counts saturate rather than wrap, and a refusal's RetryAfter
	// still ends within the next window.
	for range 3 {
		send(99, cur, math.MaxInt32)
	}
	if _, n, _ := l.known("k", now); n != math.MaxInt32 {
		t.Errorf("count %d, want saturated", n)
	}
	r := l.Allow("k", now)
	if r.Allowed || r.RetryAfter <= 500*time.Millisecond || r.RetryAfter > 1500*time.Millisecond {
		t.Errorf("over the limit: %+v", r)
	}
}

// TestRetryAfterOverLimit is TestRetryAfterIsExact for the states only
// cluster scope reaches: a current window counting more than the limit.
func TestRetryAfterOverLimit(t *testing.T) {
	l := mustLimiter(t, Config{Requests: 7, Period: Duration(time.Second)})
	rng := rand.New(rand.NewPCG(11, 12))
	for range 20000 {
		now := t0.UnixNano() + rng.Int64N(l.period)
		st := state{t: floorDiv(now, l.period), n: int32(7 + rng.IntN(50)), p: int32(rng.IntN(100))}
		before, at := st, st
		res := l.window(&st, now)
		if res.Allowed {
			t.Fatalf("%+v allowed", st)
		}
		if r := l.window(&before, now+int64(res.RetryAfter)-1); r.Allowed {
			t.Fatalf("%+v: allowed 1ns before RetryAfter %v", st, res.RetryAfter)
		}
		if r := l.window(&at, now+int64(res.RetryAfter)); !r.Allowed {
			t.Fatalf("%+v: refused at RetryAfter %v", st, res.RetryAfter)
		}
	}
}

// TestPendingIsCapped: a flood of distinct keys within one interval
// cannot grow the increments waiting to be published past the key cap.
func TestPendingIsCapped(t *testing.T) {
	p := newSim(t, 1, Config{Requests: 10, Period: Duration(time.Minute)}, Options{MaxKeys: 256})[0]
	const keys = 10_000
	for i := range keys {
		p.lim.Allow("flood-"+strconv.Itoa(i), t0)
	}
	c := p.lim.cl
	for i := range c.pending {
		if n := len(c.pending[i].keys); n > 2*c.maxPending {
			t.Fatalf("shard %d lists %d keys, cap %d", i, n, 2*c.maxPending)
		}
	}
	taken := 0
	p.lim.cl.flush(MinSyncBatch, func(b []byte) error {
		bt, err := decodeBatch(b)
		if err != nil {
			t.Fatal(err)
		}
		for {
			e, ok, err := bt.next()
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				return nil
			}
			taken += int(e.n)
		}
	})
	// Only the keys still held have increments to publish, one each:
	// the key cap evicted the others, and their increments with them.
	if held := p.lim.Len(); taken != held || held > 256 {
		t.Errorf("%d increments taken, want one for each of the %d keys held", taken, held)
	}
}

// TestRemoteKeysBounded: keys other PoPs report share the key cap.
func TestRemoteKeysBounded(t *testing.T) {
	l := newSim(t, 1, Config{Requests: 10, Period: Duration(time.Minute)}, Options{MaxKeys: 1000})[0].lim
	rng := rand.New(rand.NewPCG(13, 14))
	cur := floorDiv(t0.UnixNano(), l.period)
	entries := make([]countEntry, 100_000)
	for i := range entries {
		entries[i] = countEntry{rng.Uint64(), cur, 1}
	}
	encodeBatches(nil, 77, entries, DefaultSyncBatch, func(b []byte) {
		if _, err := l.cl.apply(b, t0.UnixNano()); err != nil {
			t.Fatal(err)
		}
	})
	if n := l.Len(); n > 1000 {
		t.Errorf("%d keys held, cap 1000", n)
	}
}

// TestClusterKeyHashes: PoPs with the same secret agree on a request's
// key hash, those with another do not, and the key's text never travels.
func TestClusterKeyHashes(t *testing.T) {
	cfg := Config{Key: "ip+header:X-Api-Key", Requests: 10, Period: Duration(time.Minute), Scope: ScopeCluster}
	policy := func(secret []byte) *Policy {
		s := newSimSync(t, SyncConfig{Secret: secret})
		p, err := New(cfg, Options{Sync: s, ID: "r"})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b := policy(testSecret), policy(testSecret)
	other := policy([]byte("another secret, 32 bytes long..."))
	apiKey := "sk_live_" + strings.Repeat("x", 300) // longer than the key buffer
	request := func(ip, key string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if key != "" {
			r.Header.Set("X-Api-Key", key)
		}
		return r.WithContext(edgeinfo.With(r.Context(), &edgeinfo.Info{ClientIP: netip.MustParseAddr(ip)}))
	}
	for _, r := range []*http.Request{request("203.0.113.7", apiKey), request("203.0.113.7", "k1"), request("2001:db8::1", "")} {
		ha, hb := a.lim.requestHash(a.s.key, r), b.lim.requestHash(b.s.key, r)
		if ha != hb {
			t.Errorf("two PoPs hash a request differently: %x, %x", ha, hb)
		}
		if ho := other.lim.requestHash(other.s.key, r); ho == ha {
			t.Error("another secret gives the same hash")
		}
	}
	if a.lim.requestHash(a.s.key, request("203.0.113.7", "k1")) == a.lim.requestHash(a.s.key, request("203.0.113.7", "k2")) {
		t.Error("two keys share a hash")
	}
	// What a PoP publishes holds the hash only.
	a.Check(httptest.NewRecorder(), request("203.0.113.7", apiKey))
	a.lim.cl.flush(MinSyncBatch, func(b []byte) error {
		for _, text := range [][]byte{[]byte("sk_live_"), netip.MustParseAddr("203.0.113.7").AsSlice()} {
			if bytes.Contains(b, text) {
				t.Errorf("batch % x holds %q", b, text)
			}
		}
		return nil
	})
}

// TestKeyWriterEquivalence: a key hashes the same whether it fits the
// keyWriter's buffer (one call) or streams through it in blocks.
func TestKeyWriterEquivalence(t *testing.T) {
	seed := maphash.MakeSeed()
	key := deriveSipKey(testSecret)
	data := make([]byte, 1000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	for _, size := range []int{0, 1, 127, 128, 129, 255, 256, 300, 1000} {
		b := data[:size]
		// Split the writes unevenly, as keySpec.write does.
		write := func(w *keyWriter) {
			half := size / 2
			w.Write(b[:half/3])
			if half/3 < half {
				w.WriteByte(b[half/3])
				w.WriteString(string(b[half/3+1 : half]))
			}
			w.WriteString(string(b[half:]))
		}
		var h maphash.Hash
		w := keyWriter{mh: &h, seed: seed}
		write(&w)
		if got, want := w.sum64(), maphash.Bytes(seed, b); got != want {
			t.Errorf("maphash, %d bytes: %x, want %x", size, got, want)
		}
		sip := newSipHash(key)
		w = keyWriter{sip: &sip, sipKey: key}
		write(&w)
		ref := newSipHash(key)
		ref.Write(b)
		if got, want := w.sum64(), ref.Sum64(); got != want {
			t.Errorf("siphash, %d bytes: %x, want %x", size, got, want)
		}
	}
}

// TestSipHashVectors checks SipHash-2-4 against the reference vectors
// of its authors (key 00..0f, message 00..len-1).
func TestSipHashVectors(t *testing.T) {
	key := sipKey{0x0706050403020100, 0x0f0e0d0c0b0a0908}
	msg := make([]byte, 16)
	for i := range msg {
		msg[i] = byte(i)
	}
	for n, want := range map[int]uint64{
		0:  0x726fdb47dd0e0e31,
		1:  0x74f839c593dc67fd,
		2:  0x0d6c8009d9a94f5a,
		7:  0xab0200f58b01d137,
		8:  0x93f5f5799a932462,
		9:  0x9e0082df0ba9e4b0,
		15: 0xa129ca6149be45e5,
	} {
		h := newSipHash(key)
		h.Write(msg[:n])
		if got := h.Sum64(); got != want {
			t.Errorf("%d bytes: %x, want %x", n, got, want)
		}
		// The same bytes in pieces, and as strings.
		h = newSipHash(key)
		for i := range n {
			h.Write(msg[i : i+1])
		}
		if got := h.Sum64(); got != want {
			t.Errorf("%d bytes one at a time: %x, want %x", n, got, want)
		}
		h = newSipHash(key)
		h.WriteString(string(msg[:n/3]))
		h.WriteString(string(msg[n/3 : n]))
		if got := h.Sum64(); got != want {
			t.Errorf("%d bytes as strings: %x, want %x", n, got, want)
		}
		if got := stringHash(string(msg[:n]), key); got != want {
			t.Errorf("stringHash, %d bytes: %x, want %x", n, got, want)
		}
	}
}

// TestClusterNamespaces: the bindings' limiters count across PoPs, per
// worker, when made with NewClusterNamespaces.
func TestClusterNamespaces(t *testing.T) {
	now := t0
	clock := func() time.Time { return now }
	ns := []*Namespaces{
		NewClusterNamespaces(clock, newSimSync(t, SyncConfig{})),
		NewClusterNamespaces(clock, newSimSync(t, SyncConfig{})),
	}
	limit := func(n *Namespaces, worker, key string) bool {
		ok, err := n.Limit(worker, "ns1", 5, time.Minute, key)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	// A node receives the counts of a namespace once it has it (the
	// limiter is made on first use).
	limit(ns[1], "w", "someone-else")
	for range 5 {
		if !limit(ns[0], "w", "user-1") {
			t.Fatal("refused within the limit")
		}
	}
	// Move the batches between the two nodes.
	var sim []*simPoP
	for _, n := range ns {
		for _, l := range n.m {
			sim = append(sim, &simPoP{n.sync, l})
		}
	}
	deliver(t, sim, now)
	if limit(ns[1], "w", "user-1") {
		t.Error("the other node allowed a key the cluster has used up")
	}
	if !limit(ns[1], "other-worker", "user-1") {
		t.Error("another worker's namespace of the same name shares the count")
	}
	if _, err := ns[1].Limit("w", "ns2", 5, 500*time.Millisecond, "k"); err == nil || !strings.Contains(err.Error(), "too short") {
		t.Errorf("a 500ms period: %v, want too short", err)
	}
	for _, n := range ns {
		n.sync.Close()
	}
}

func TestSyncClose(t *testing.T) {
	s := newSimSync(t, SyncConfig{})
	cfg := Config{Requests: 2, Period: Duration(time.Minute), Scope: ScopeCluster}
	l, err := NewLimiter(cfg, Options{Sync: s, ID: "r"})
	if err != nil {
		t.Fatal(err)
	}
	l.Allow("k", t0)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := NewLimiter(cfg, Options{Sync: s, ID: "r2"}); err == nil {
		t.Error("a limiter joined a closed Sync")
	}
	// The limiter counts on alone.
	if r := l.Allow("k", t0); !r.Allowed || r.Remaining != 0 {
		t.Errorf("after the Sync closed: %+v", r)
	}
	if l.Allow("k", t0).Allowed {
		t.Error("over the limit after the Sync closed")
	}
	if err := l.Close(); err != nil {
		t.Error(err)
	}
	if err := mustLimiter(t, Config{Requests: 1, Period: Duration(time.Second)}).Close(); err != nil {
		t.Error(err)
	}
}
