package host

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/verge-edge/verge/bundle"
)

func newHost(t *testing.T, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		srv.Close()
		s.Close()
	})
	return s, srv
}

func spec(t *testing.T, id, src string) Spec {
	t.Helper()
	res, err := bundle.Build(bundle.Options{Source: src, Entry: "worker.js"})
	if err != nil {
		t.Fatal(err)
	}
	return Spec{ID: id, Name: strings.Split(id, "@")[0], Code: res.Code}
}

func do(t *testing.T, method, url string, hdr map[string]string, body []byte) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestProtocol(t *testing.T) {
	_, srv := newHost(t, Options{})
	if code, _, _ := do(t, "GET", srv.URL+"/health", nil, nil); code != 200 {
		t.Fatalf("health: %d", code)
	}
	work := map[string]string{HeaderWorker: "echo@1", HeaderURL: "https://shop.example.com/x?y=1", HeaderCF: `{"country":"JP"}`}
	code, _, hdr := do(t, "GET", srv.URL+"/x", work, nil)
	if code != 404 || hdr.Get(HeaderStatus) != StatusUnknownWorker {
		t.Fatalf("unknown worker: %d %v", code, hdr)
	}

	sp := spec(t, "echo@1", `export default { fetch(req) {
		return new Response(req.url + " " + req.cf.country + " " + [...req.headers.keys()].filter(k => k.startsWith("verge")).length);
	} }`)
	body, _ := json.Marshal(sp)
	if code, msg, _ := do(t, "PUT", srv.URL+"/workers/other@1", nil, body); code != 400 || !strings.Contains(msg, "does not match") {
		t.Fatalf("mismatched id: %d %q", code, msg)
	}
	if code, msg, _ := do(t, "PUT", srv.URL+"/workers/echo@1", nil, []byte("{")); code != 400 || !strings.Contains(msg, "bad worker spec") {
		t.Fatalf("bad json: %d %q", code, msg)
	}
	if code, msg, _ := do(t, "PUT", srv.URL+"/workers/echo@1", nil, body); code != 200 || msg != `{"style":"modules"}`+"\n" {
		t.Fatalf("load: %d %q", code, msg)
	}
	// The worker sees the edge's URL and request.cf, and none of the
	// protocol headers.
	if code, msg, _ := do(t, "GET", srv.URL+"/x", work, nil); code != 200 || msg != "https://shop.example.com/x?y=1 JP 0" {
		t.Fatalf("worker request: %d %q", code, msg)
	}

	bad := Spec{ID: "bad@1", Name: "bad", Code: []byte("throw new Error('at load')")}
	body, _ = json.Marshal(bad)
	if code, msg, _ := do(t, "PUT", srv.URL+"/workers/bad@1", nil, body); code != 422 || !strings.Contains(msg, "at load") {
		t.Fatalf("failing script: %d %q", code, msg)
	}

	if code, _, _ := do(t, "DELETE", srv.URL+"/workers/echo@1", nil, nil); code != 204 {
		t.Fatalf("unload: %d", code)
	}
	if code, _, hdr := do(t, "GET", srv.URL+"/x", work, nil); code != 404 || hdr.Get(HeaderStatus) != StatusUnknownWorker {
		t.Fatalf("after unload: %d", code)
	}
}

// TestMemoryBudget fills a host's memory budget with workers whose VMs
// hold a few MiB each: loading one more unloads the least recently used.
func TestMemoryBudget(t *testing.T) {
	s, srv := newHost(t, Options{})
	src := `globalThis.big = new Uint8Array(4 << 20);
		export default { fetch() { return new Response(String(big.length)); } }`
	if err := s.Load(spec(t, "a@1", src)); err != nil {
		t.Fatal(err)
	}
	s.budget = s.workers["a@1"].w.Memory() * 5 / 2 // room for two
	if err := s.Load(spec(t, "b@1", src)); err != nil {
		t.Fatal(err)
	}
	// Use a so that b is the least recently used.
	if code, _, _ := do(t, "GET", srv.URL, map[string]string{HeaderWorker: "a@1"}, nil); code != 200 {
		t.Fatal(code)
	}
	if err := s.Load(spec(t, "c@1", src)); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.Workers(), ","); got != "a@1,c@1" {
		t.Fatalf("loaded after eviction: %s, want a@1,c@1", got)
	}
}
