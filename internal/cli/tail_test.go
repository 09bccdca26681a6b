package cli

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// fakeTail serves one NDJSON stream on path and records the request.
func fakeTail(t *testing.T, path, body string) (*httptest.Server, *http.Request) {
	t.Helper()
	var got http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		got = *r.Clone(context.Background())
		if r.URL.Path != path {
			http.NotFound(rw, r)
			return
		}
		rw.Header().Set("Content-Type", "application/x-ndjson")
		rw.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

func runTail(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := tailCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err = cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

const streamed = `{"kind":"attached","pop":"gru","worker":""}
{"time":"2025-01-02T03:04:05Z","colo":"GRU","pop":"gru","worker":"shop","kind":"request","method":"GET","url":"http://shop/","status":200,"ms":1.5,"outcome":"ok"}

{"time":"2025-01-02T03:04:05Z","pop":"fra","worker":"shop","kind":"console","level":"log","message":"hi"}
{"time":"2025-01-02T03:04:05Z","kind":"dropped","dropped":7,"message":"7 events dropped: the client reads too slowly"}
`

func TestTailThroughControl(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // no verge login
	t.Setenv("VERGE_TOKEN", "net-token")
	t.Setenv("VERGE_ADMIN_TOKEN", "admin-token")
	srv, req := fakeTail(t, "/v1/tail", streamed)
	t.Setenv("VERGE_CONTROL", srv.URL)
	out, errOut, err := runTail(t, "shop", "--status", "error", "--sampling", "0.5")
	if err != nil {
		t.Fatal(err)
	}
	if q := req.URL.Query(); q.Get("worker") != "shop" || q.Get("status") != "error" || q.Get("sampling") != "0.5" {
		t.Errorf("query %q", req.URL.RawQuery)
	}
	if h := req.Header.Get("Authorization"); h != "Bearer net-token" {
		t.Errorf("Authorization %q, want VERGE_TOKEN's", h)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], " gru shop GET http://shop/ 200 1.5ms ok") || !strings.Contains(lines[1], " fra shop  (log) hi") {
		t.Errorf("stdout:\n%s", out)
	}
	if !strings.Contains(errOut, "PoP gru attached") || !strings.Contains(errOut, "7 events dropped") {
		t.Errorf("stderr:\n%s", errOut)
	}

	// --admin overrides VERGE_CONTROL: one node, its own token.
	node, nreq := fakeTail(t, "/tail", streamed)
	if _, _, err := runTail(t, "--admin", node.URL, "--format", "json"); err != nil {
		t.Fatal(err)
	}
	if h := nreq.Header.Get("Authorization"); h != "Bearer admin-token" {
		t.Errorf("admin Authorization %q", h)
	}
	if _, _, err := runTail(t, "--admin", node.URL, "--control", srv.URL); err == nil {
		t.Error("--admin with --control: no error")
	}
}

func TestTailJSONKeepsNotices(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	srv, _ := fakeTail(t, "/v1/tail", streamed)
	out, _, err := runTail(t, "--control", srv.URL, "--format", "json", "--token", "x")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out, "\n"); n != 4 {
		t.Errorf("%d lines, want every non-empty line:\n%s", n, out)
	}
}
