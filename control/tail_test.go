package control_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/verge-edge/verge/cluster"
	"github.com/verge-edge/verge/control"
	"github.com/verge-edge/verge/tail"
)

// patience bounds every wait; nothing asserts how long anything takes.
const patience = 30 * time.Second

type tailTest struct {
	t     *testing.T
	local *cluster.Local
	hub   *tail.Hub // the PoP's
	pub   *tail.Publisher
	srv   *httptest.Server
}

// newTailTest runs a hub and a PoP (cluster.StartLocal), the PoP's bridge,
// and TailHandler on the hub's connection.
func newTailTest(t *testing.T) *tailTest {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	local, err := cluster.StartLocal(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { local.Close() })
	tt := &tailTest{t: t, local: local, hub: tail.NewHub()}
	if tt.pub, err = tail.StartPublisher(tail.PublisherConfig{Hub: tt.hub, Conn: local.Leaf.Conn(), PoP: cluster.LocalPoP}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tt.pub.Close() })
	tt.srv = httptest.NewServer(control.TailHandler(func(context.Context) (*nats.Conn, error) { return local.Hub.Conn(), nil }))
	t.Cleanup(tt.srv.Close)
	return tt
}

// open starts GET /v1/tail?query and returns its lines; cancel ends it.
func (tt *tailTest) open(query string) (lines *bufio.Scanner, cancel func()) {
	tt.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", tt.srv.URL+"/v1/tail?"+query, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tt.t.Fatal(err)
	}
	tt.t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/x-ndjson" {
		b, _ := io.ReadAll(resp.Body)
		tt.t.Fatalf("%s %s: %s", resp.Status, resp.Header.Get("Content-Type"), b)
	}
	return bufio.NewScanner(resp.Body), cancel
}

// next reads the next event (a JSON line; empty keep-alive lines skipped).
func nextEvent(t *testing.T, sc *bufio.Scanner) tail.Event {
	t.Helper()
	got := make(chan tail.Event, 1)
	go func() {
		for sc.Scan() {
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			var e tail.Event
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				t.Errorf("%q: %v", sc.Text(), err)
			}
			got <- e
			return
		}
		close(got)
	}()
	select {
	case e, ok := <-got:
		if !ok {
			t.Fatal("the stream ended")
		}
		return e
	case <-time.After(patience):
		t.Fatal("no event")
	}
	panic("unreachable")
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestTailHandler: GET /v1/tail streams the PoPs' events that its query
// selects, as JSON lines naming the PoP, and ends the session when the
// client leaves.
func TestTailHandler(t *testing.T) {
	tt := newTailTest(t)
	lines, cancel := tt.open("worker=shop&status=error")
	if e := nextEvent(t, lines); e.Kind != tail.KindAttached || e.PoP != cluster.LocalPoP {
		t.Fatalf("first line %+v, want the PoP attached", e)
	}
	for _, e := range []tail.Event{
		{Worker: "shop", Kind: "request", Method: "GET", URL: "http://shop/ok", Status: 200},
		{Worker: "other", Kind: "request", Method: "GET", URL: "http://other/bad", Status: 502},
		{Worker: "shop", Kind: "console", Level: "log", Message: "hello"},
		{Worker: "shop", Kind: "request", Method: "GET", URL: "http://shop/bad", Status: 503, Outcome: "exceededCpu"},
		{Worker: "shop", Kind: "exception", Message: "Error: boom"},
	} {
		tt.hub.Publish(e)
	}
	var got []string
	for len(got) < 2 {
		e := nextEvent(t, lines)
		if e.PoP != cluster.LocalPoP || e.Time.IsZero() {
			t.Errorf("event %+v: no PoP or time", e)
		}
		got = append(got, fmt.Sprintf("%s %d %s %s", e.Kind, e.Status, e.URL, e.Message))
	}
	if want := []string{"request 503 http://shop/bad ", "exception 0  Error: boom"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("events %q, want %q", got, want)
	}
	cancel()
	waitUntil(t, "the session to end at the PoP", func() bool { return tt.pub.Sessions() == 0 })
	if tt.hub.Watched() {
		t.Error("the PoP's hub is watched after the client left")
	}
}

// TestTailHandlerReportsSlowClient: events a client is too slow for are
// dropped and reported in a line, not queued.
func TestTailHandlerReportsSlowClient(t *testing.T) {
	tt := newTailTest(t)
	// Learn the session's id, to send its subject more events than the
	// stream holds, faster than any PoP would.
	ids := make(chan string, 16)
	spy, err := tt.local.Hub.Conn().Subscribe(tail.SessionsSubject, func(m *nats.Msg) {
		var a struct{ ID string }
		json.Unmarshal(m.Data, &a)
		select {
		case ids <- a.ID:
		default:
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer spy.Unsubscribe()
	// A pipe as the response body: while the test does not read, the
	// handler blocks writing.
	pr, pw := io.Pipe()
	rw := &pipeWriter{header: http.Header{}, w: pw}
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequestWithContext(ctx, "GET", "/v1/tail", nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		control.TailHandler(func(context.Context) (*nats.Conn, error) { return tt.local.Hub.Conn(), nil }).ServeHTTP(rw, req)
	}()
	defer func() {
		cancel()
		pr.Close() // unblocks a pending write
		<-done
	}()
	lines := bufio.NewScanner(pr)
	if e := nextEvent(t, lines); e.Kind != tail.KindAttached {
		t.Fatalf("first line %+v", e)
	}
	var id string
	select {
	case id = <-ids:
	case <-time.After(patience):
		t.Fatal("no announcement")
	}
	// The stream buffers 1024 events while the handler is stuck writing
	// one; the test reads only after sending them all.
	const n = 10000
	for i := range n {
		b, _ := json.Marshal(tail.Event{Worker: "a", Kind: "request", URL: fmt.Sprint(i), PoP: "x"})
		if err := tt.local.Hub.Conn().Publish(tail.SubjectPrefix+"a."+id, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := tt.local.Hub.Conn().Flush(); err != nil {
		t.Fatal(err)
	}
	var events, dropped int64
	for events+dropped < n {
		e := nextEvent(t, lines)
		switch {
		case e.Kind == "request":
			events++
		case e.Kind == tail.KindDropped && e.PoP == "":
			dropped += e.Dropped
		default:
			t.Fatalf("unexpected %+v", e)
		}
	}
	// Every event is written or counted; how many of each depends on how
	// far the stream got before the test started reading.
	if dropped == 0 || events+dropped != n {
		t.Errorf("%d events, %d reported dropped, of %d", events, dropped, n)
	}
}

type pipeWriter struct {
	header http.Header
	w      io.Writer
}

func (p *pipeWriter) Header() http.Header { return p.header }
func (p *pipeWriter) WriteHeader(int)     {}
func (p *pipeWriter) Write(b []byte) (int, error) {
	return p.w.Write(b)
}
func (p *pipeWriter) Flush() {}

func TestTailHandlerErrors(t *testing.T) {
	h := control.TailHandler(func(context.Context) (*nats.Conn, error) { return nil, errors.New("no hub") })
	for query, want := range map[string]int{
		"sampling=0":         http.StatusBadRequest,
		"sampling=2":         http.StatusBadRequest,
		"status=bad":         http.StatusBadRequest,
		"worker=a&status=ok": http.StatusServiceUnavailable,
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/tail?"+query, nil))
		if rec.Code != want || !strings.Contains(rec.Body.String(), `"success":false`) {
			t.Errorf("%s: %d %s, want %d", query, rec.Code, rec.Body, want)
		}
	}
}
