package tail_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/verge-edge/verge/cluster"
	"github.com/verge-edge/verge/tail"
)

// patience bounds every wait, so that a bug fails the test instead of
// hanging it; nothing asserts how long anything takes.
const patience = 30 * time.Second

// testOpts: a lease no scheduling delay can outlast, so a session never
// expires and re-attaches in the middle of a test.
var testOpts = tail.StreamOptions{Lease: time.Minute}

// pop is a PoP of the test network: its local hub and its bridge.
type pop struct {
	name string
	hub  *tail.Hub
	conn *nats.Conn
	pub  *tail.Publisher
}

// startNetwork runs a NATS hub and one leaf per name, each with a tail hub
// and a publisher.
func startNetwork(t *testing.T, names ...string) (*cluster.Hub, []*pop) {
	hub, pops, _ := startNetworkCreds(t, names...)
	return hub, pops
}

// startNetworkCreds also gives the credentials that the hub's client
// listener accepts.
func startNetworkCreds(t *testing.T, names ...string) (*cluster.Hub, []*pop, cluster.Credentials) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
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
	hub, err := cluster.StartHub(ctx, cluster.HubConfig{ClientListen: "127.0.0.1:0", LeafListen: "127.0.0.1:0", StoreDir: filepath.Join(dir, "hub"), Users: []string{pub}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hub.Close() })
	var pops []*pop
	for _, name := range names {
		leaf, err := cluster.StartLeaf(ctx, cluster.LeafConfig{Name: name, HubURLs: []string{hub.LeafURL()}, Credentials: creds,
			StoreDir: filepath.Join(dir, name), Watchdog: cluster.WatchdogConfig{Disabled: true}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { leaf.Close() })
		if err := leaf.WaitConnected(ctx); err != nil {
			t.Fatal(err)
		}
		pops = append(pops, startPoP(t, name, leaf.Conn()))
	}
	return hub, pops, creds
}

func startPoP(t *testing.T, name string, conn *nats.Conn) *pop {
	t.Helper()
	p := &pop{name: name, hub: tail.NewHub(), conn: conn}
	var err error
	if p.pub, err = tail.StartPublisher(tail.PublisherConfig{Hub: p.hub, Conn: conn, PoP: name}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.pub.Close() })
	return p
}

func subscribe(t *testing.T, conn *nats.Conn, f tail.Filter, o tail.StreamOptions) *tail.Stream {
	t.Helper()
	st, err := tail.Subscribe(context.Background(), conn, f, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// next returns the stream's next event.
func next(t *testing.T, st *tail.Stream) tail.Event {
	t.Helper()
	select {
	case e, ok := <-st.C:
		if !ok {
			t.Fatal("stream closed")
		}
		return e
	case <-time.After(patience):
		t.Fatal("no event")
	}
	panic("unreachable")
}

// awaitAttached reads st until every named PoP has attached; any other
// event fails the test.
func awaitAttached(t *testing.T, st *tail.Stream, pops ...string) {
	t.Helper()
	left := slices.Clone(pops)
	for len(left) > 0 {
		e := next(t, st)
		if e.Kind != tail.KindAttached {
			t.Fatalf("before every PoP attached: %+v", e)
		}
		left = slices.DeleteFunc(left, func(p string) bool { return p == e.PoP })
	}
}

// readUntil collects st's events up to and including the first that
// last accepts, for each PoP in pops (each PoP's events arrive in order).
func readUntil(t *testing.T, st *tail.Stream, last func(tail.Event) bool, pops ...string) []tail.Event {
	t.Helper()
	var got []tail.Event
	left := slices.Clone(pops)
	for len(left) > 0 {
		e := next(t, st)
		got = append(got, e)
		if last(e) {
			left = slices.DeleteFunc(left, func(p string) bool { return p == e.PoP })
		}
	}
	return got
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func isMarker(e tail.Event) bool { return e.Message == "marker" }

// TestEventsFromTwoPoPs: a viewer on the hub gets the events of both PoPs,
// named after them, and only its worker's.
func TestEventsFromTwoPoPs(t *testing.T) {
	hub, pops := startNetwork(t, "gru", "fra")
	st := subscribe(t, hub.Conn(), tail.Filter{Worker: "shop"}, testOpts)
	awaitAttached(t, st, "gru", "fra")
	for _, p := range pops {
		if !p.hub.Watched() {
			t.Fatalf("%s: the local hub is not watched during a session", p.name)
		}
		for i := range 3 {
			p.hub.Publish(tail.Event{Worker: "shop", Colo: strings.ToUpper(p.name), Kind: "request", Method: "GET", URL: fmt.Sprintf("http://shop/%d", i), Status: 200})
		}
		p.hub.Publish(tail.Event{Worker: "other", Kind: "request", Method: "GET", URL: "http://other/", Status: 200})
		p.hub.Publish(tail.Event{Worker: "shop", Kind: "console", Level: "log", Message: "marker"})
	}
	got := readUntil(t, st, isMarker, "gru", "fra")
	var summary []string
	for _, e := range got {
		summary = append(summary, e.PoP+" "+e.Worker+" "+e.Kind+" "+e.URL+e.Message)
		if e.Time.IsZero() {
			t.Errorf("no time: %+v", e)
		}
	}
	slices.Sort(summary)
	want := []string{
		"fra shop console marker", "fra shop request http://shop/0", "fra shop request http://shop/1", "fra shop request http://shop/2",
		"gru shop console marker", "gru shop request http://shop/0", "gru shop request http://shop/1", "gru shop request http://shop/2",
	}
	if !slices.Equal(summary, want) {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(summary, "\n"), strings.Join(want, "\n"))
	}
}

// TestFilters: each session gets exactly its filter's events, sampling
// included, applied at the PoP.
func TestFilters(t *testing.T) {
	hub, pops := startNetwork(t, "gru")
	p := pops[0]
	errs := subscribe(t, hub.Conn(), tail.Filter{Status: "error"}, testOpts)
	posts := subscribe(t, hub.Conn(), tail.Filter{Worker: "a", Method: "post", Search: "/API"}, testOpts)
	sampled := subscribe(t, hub.Conn(), tail.Filter{Worker: "a", Sampling: 0.5}, testOpts)
	for _, st := range []*tail.Stream{errs, posts, sampled} {
		awaitAttached(t, st, "gru")
	}
	for _, e := range []tail.Event{
		{Worker: "a", Kind: "request", Method: "GET", URL: "http://x/api/1", Status: 200},
		{Worker: "a", Kind: "request", Method: "POST", URL: "http://x/api/2", Status: 500},
		{Worker: "a", Kind: "request", Method: "POST", URL: "http://x/home", Status: 200},
		{Worker: "a", Kind: "console", Level: "log", Message: "hello"},
		{Worker: "b", Kind: "exception", Message: "Error: boom"},
		{Worker: "b", Kind: "request", Method: "POST", URL: "http://x/api/3", Status: 200},
	} {
		p.hub.Publish(e)
	}
	const requests = 600 // under the default rate cap's burst
	for range requests {
		p.hub.Publish(tail.Event{Worker: "a", Kind: "request", Method: "GET", URL: "http://x/sampled", Status: 204})
	}
	p.hub.Publish(tail.Event{Worker: "a", Kind: "exception", Message: "marker"})
	p.hub.Publish(tail.Event{Worker: "a", Kind: "request", Method: "POST", URL: "http://x/api/marker", Status: 201, Message: "marker"})

	names := func(es []tail.Event) []string {
		var out []string
		for _, e := range es {
			out = append(out, fmt.Sprintf("%s %s %s%s", e.Worker, e.Kind, e.URL, e.Message))
		}
		return out
	}
	if got, want := names(readUntil(t, errs, isMarker, "gru")), []string{"a request http://x/api/2", "b exception Error: boom", "a exception marker"}; !slices.Equal(got, want) {
		t.Errorf("status=error: %q, want %q", got, want)
	}
	if got, want := names(readUntil(t, posts, isMarker, "gru")), []string{"a request http://x/api/2", "a request http://x/api/markermarker"}; !slices.Equal(got, want) {
		t.Errorf("worker=a method=post search=/API: %q, want %q", got, want)
	}
	n := 0
	for _, e := range readUntil(t, sampled, isMarker, "gru") {
		if e.URL == "http://x/sampled" {
			n++
		}
	}
	// Binomial(600, 0.5): 300 ± 12; this range is over 8 sigma wide.
	if n < 200 || n > 400 {
		t.Errorf("sampling 0.5 kept %d of %d requests", n, requests)
	}
}

// TestNothingPublishedWithoutViewers: with no session, the PoP's hub is
// not watched (the request path builds no event) and nothing reaches
// NATS; a session's end, explicit or by lease, stops it again.
func TestNothingPublishedWithoutViewers(t *testing.T) {
	hub, pops := startNetwork(t, "gru")
	p := pops[0]
	var seen, fences, vanished atomic.Int64
	spy, err := hub.Conn().Subscribe(tail.SubjectPrefix+">", func(m *nats.Msg) {
		if strings.HasPrefix(m.Subject, tail.SubjectPrefix+"fence.") {
			fences.Add(1)
			return
		}
		if strings.HasSuffix(m.Subject, ".VANISHED") {
			vanished.Add(1)
		}
		seen.Add(1)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer spy.Unsubscribe()
	// fence waits until a message the PoP sends now reaches the spy: the
	// PoP's earlier messages, sent on the same connection, came before it.
	fence := func() {
		t.Helper()
		n := fences.Load()
		waitFor(t, "a fence through the hub", func() bool {
			p.conn.Publish(tail.SubjectPrefix+"fence.x", nil)
			p.conn.Flush()
			return fences.Load() > n
		})
	}
	publish := func() {
		for range 10 {
			p.hub.Publish(tail.Event{Worker: "a", Kind: "request", Method: "GET", URL: "http://x/", Status: 200})
		}
	}

	fence()
	publish()
	fence()
	if p.hub.Watched() || p.pub.Sessions() != 0 || seen.Load() != 0 {
		t.Fatalf("idle: watched %v, %d sessions, %d messages", p.hub.Watched(), p.pub.Sessions(), seen.Load())
	}

	st, err := tail.Subscribe(context.Background(), hub.Conn(), tail.Filter{}, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	awaitAttached(t, st, "gru")
	st.Close()
	if _, ok := <-st.C; ok {
		t.Error("C still open after Close")
	}
	waitFor(t, "the PoP to drop the ended session", func() bool { return p.pub.Sessions() == 0 })
	if p.hub.Watched() {
		t.Error("watched after the session ended")
	}

	// A viewer that vanished without ending its session: the lease ends it.
	b, _ := json.Marshal(map[string]any{"id": "VANISHED", "lease_ms": 50})
	if err := hub.Conn().Publish(tail.SessionsSubject, b); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the session to attach", func() bool { return vanished.Load() > 0 })
	waitFor(t, "the lease to end the session", func() bool { return p.pub.Sessions() == 0 })
	if p.hub.Watched() {
		t.Error("watched after the lease ran out")
	}
	fence()
	before := seen.Load()
	publish()
	fence()
	if n := seen.Load() - before; n != 0 {
		t.Errorf("%d messages published after every session ended", n)
	}
}

// TestSlowViewer: a viewer that does not read loses events, counted, and
// neither the PoP nor another viewer waits for it.
func TestSlowViewer(t *testing.T) {
	hub, pops := startNetwork(t, "gru")
	p := pops[0]
	slow := subscribe(t, hub.Conn(), tail.Filter{}, tail.StreamOptions{Buffer: 4, Lease: time.Minute})
	fast := subscribe(t, hub.Conn(), tail.Filter{}, testOpts)
	awaitAttached(t, slow, "gru")
	awaitAttached(t, fast, "gru")
	const n = 100
	for i := range n {
		p.hub.Publish(tail.Event{Worker: "a", Kind: "request", Method: "GET", URL: fmt.Sprint(i), Status: 200})
	}
	for i := range n {
		if e := next(t, fast); e.URL != fmt.Sprint(i) {
			t.Fatalf("fast viewer: event %d is %+v", i, e)
		}
	}
	// Every event is either waiting in the slow viewer's buffer or counted.
	waitFor(t, "the slow viewer's events to be accounted for", func() bool { return int64(len(slow.C))+slow.Dropped() == n })
	if slow.Dropped() != n-4 {
		t.Errorf("dropped %d, want %d", slow.Dropped(), n-4)
	}
}

// TestRateCapReportsDrops: events over a session's rate cap are dropped at
// the PoP and reported as a notice.
func TestRateCapReportsDrops(t *testing.T) {
	hub, _ := startNetwork(t)
	local := tail.NewHub()
	// One event, then none for 1000 s.
	pub, err := tail.StartPublisher(tail.PublisherConfig{Hub: local, Conn: hub.Conn(), PoP: "gru", Rate: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	st := subscribe(t, hub.Conn(), tail.Filter{}, testOpts)
	awaitAttached(t, st, "gru")
	for range 10 {
		local.Publish(tail.Event{Worker: "a", Kind: "request", Method: "GET", URL: "http://x/", Status: 200})
	}
	var passed, dropped int64
	for passed+dropped < 10 {
		switch e := next(t, st); e.Kind {
		case "request":
			passed++
		case tail.KindDropped:
			if e.PoP != "gru" || e.Message == "" {
				t.Errorf("notice %+v", e)
			}
			dropped += e.Dropped
		}
	}
	if passed != 1 || dropped != 9 {
		t.Errorf("%d passed, %d dropped; want 1 and 9 (burst 1)", passed, dropped)
	}
}

// TestStreamEnds: a stream ends with its context, and when its
// connection closes.
func TestStreamEnds(t *testing.T) {
	hub, _, creds := startNetworkCreds(t)
	ctx, cancel := context.WithCancel(context.Background())
	st, err := tail.Subscribe(ctx, hub.Conn(), tail.Filter{}, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	for range st.C {
	}
	st.Close() // after the end: returns at once

	opt, err := creds.NATSOption()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := nats.Connect(hub.ClientURL(), opt)
	if err != nil {
		t.Fatal(err)
	}
	st, err = tail.Subscribe(context.Background(), conn, tail.Filter{}, tail.StreamOptions{Renew: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	for range st.C {
	}
}

// TestCloseLeavesNoGoroutines: publishers and streams stop every
// goroutine they started.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	_, pops := startNetwork(t, "gru")
	conn := pops[0].conn
	pops[0].pub.Close() // this test starts its own
	before := runtime.NumGoroutine()
	local := tail.NewHub()
	pub, err := tail.StartPublisher(tail.PublisherConfig{Hub: local, Conn: conn, PoP: "gru"})
	if err != nil {
		t.Fatal(err)
	}
	var streams []*tail.Stream
	for _, f := range []tail.Filter{{}, {Worker: "a"}, {Status: "error"}} {
		st, err := tail.Subscribe(context.Background(), conn, f, testOpts)
		if err != nil {
			t.Fatal(err)
		}
		awaitAttached(t, st, "gru")
		streams = append(streams, st)
	}
	local.Publish(tail.Event{Worker: "a", Kind: "exception", Message: "marker"})
	for _, st := range streams {
		readUntil(t, st, isMarker, "gru")
	}
	// The publisher closes with sessions open, the streams after it.
	if err := pub.Close(); err != nil {
		t.Fatal(err)
	}
	pub.Close() // idempotent
	if local.Watched() {
		t.Error("the local hub is watched after Close")
	}
	for _, st := range streams {
		st.Close()
		st.Close()
	}
	waitFor(t, "goroutines back to their baseline", func() bool { return runtime.NumGoroutine() <= before })
}

func TestParseQuery(t *testing.T) {
	for q, want := range map[string]string{
		"worker=a&status=error&method=GET&search=x&sampling=0.25": "{a error GET x 0.25}",
		"status=404":   "{ 404   0}",
		"status=ok":    "{ ok   0}",
		"status=erorr": "error",
		"status=700":   "error",
		"sampling=0":   "error",
		"sampling=1.5": "error",
		"sampling=NaN": "error",
		"sampling=x":   "error",
	} {
		vals, _ := url.ParseQuery(q)
		f, err := tail.ParseQuery(vals)
		got := fmt.Sprint(f)
		if err != nil {
			got = "error"
		}
		if got != want {
			t.Errorf("%s: %s, want %s", q, got, want)
		}
	}
}
