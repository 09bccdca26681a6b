package e2e

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/verge-edge/verge/devserver"
	"github.com/verge-edge/verge/worker"
)

// TestWebAPIsMatchWorkerd runs testdata/apis/worker.js through verge dev and
// compares each route's JSON with golden/<route>.json, which is what workerd
// (Cloudflare's runtime) answered for the same worker.
func TestWebAPIsMatchWorkerd(t *testing.T) {
	d := start(t, devserver.Options{Entry: "testdata/apis/worker.js"})
	golden, err := filepath.Glob("testdata/apis/golden/*.json")
	if err != nil || len(golden) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, g := range golden {
		route := strings.TrimSuffix(filepath.Base(g), ".json")
		t.Run(route, func(t *testing.T) {
			want, err := os.ReadFile(g)
			if err != nil {
				t.Fatal(err)
			}
			r := get(t, d.URL()+"/"+route)
			if r.status != 200 {
				t.Fatalf("status %d: %s\n%s", r.status, r.body, d.out)
			}
			var gotV, wantV any
			if err := json.Unmarshal([]byte(r.body), &gotV); err != nil {
				t.Fatalf("not JSON: %s", r.body)
			}
			json.Unmarshal(want, &wantV)
			if !reflect.DeepEqual(gotV, wantV) {
				t.Errorf("verge:   %s\nworkerd: %s", r.body, want)
			}
		})
	}
}

func TestStreamedResponseArrivesInChunks(t *testing.T) {
	d := start(t, devserver.Options{Entry: "testdata/apis/worker.js"})
	res, err := http.Get(d.URL() + "/stream-response")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.Header.Get("Content-Length") != "" {
		t.Errorf("a streamed body should not have a Content-Length")
	}
	br := bufio.NewReader(res.Body)
	var got []string
	for {
		s, err := br.ReadString(';')
		if s != "" {
			got = append(got, s)
		}
		if err != nil {
			break
		}
	}
	if strings.Join(got, "") != "chunk0;chunk1;chunk2;" {
		t.Errorf("body %q", got)
	}
}

func TestRequestBodyReachesWorker(t *testing.T) {
	// The worker sums the bytes in a JS loop: slow under the race
	// detector, hence the wide CPU budget.
	d := start(t, devserver.Options{Entry: "testdata/apis/worker.js", Limits: &worker.Limits{CPU: 60 * time.Second}})
	body := make([]byte, 1<<20+4099)
	sum := 0
	for i := range body {
		body[i] = byte(i * 7)
		sum = (sum + int(body[i])) % 65521
	}
	r := do(t, "POST", d.URL()+"/echo-body", strings.NewReader(string(body)), map[string]string{"content-type": "application/x-test"})
	got := r.json(t)
	if got["length"].(float64) != float64(len(body)) || got["sum"].(float64) != float64(sum) || got["ctype"] != "application/x-test" {
		t.Errorf("got %v, want length %d sum %d", got, len(body), sum)
	}
}

func TestSubrequestToConfiguredOrigin(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-origin", "yes")
		w.Write([]byte("hello " + r.URL.Query().Get("from") + " " + r.Header.Get("x-from")))
	}))
	defer origin.Close()
	dir := writeWorker(t, map[string]string{
		"verge.toml": "name = \"sub\"\nmain = \"worker.js\"\norigin = \"" + origin.URL + "\"\n[vars]\nORIGIN = \"" + origin.URL + "\"\n",
	})
	src, err := os.ReadFile("testdata/apis/worker.js")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "worker.js"), src, 0o644)
	d := start(t, devserver.Options{Entry: dir})
	got := get(t, d.URL()+"/subrequest").json(t)
	if got["status"].(float64) != 200 || got["body"] != "hello worker verge" || got["header"] != "yes" {
		t.Errorf("subrequest: %v", got)
	}
	if got["blocked"] != "TypeError" {
		t.Errorf("fetch to an unconfigured loopback address: %v, want TypeError", got["blocked"])
	}
}

func TestFetchAllowList(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "http://elsewhere.test/", http.StatusFound)
			return
		}
		w.Write([]byte("origin ok"))
	}))
	defer origin.Close()
	dir := writeWorker(t, map[string]string{
		"verge.toml": "name = \"allow\"\nmain = \"worker.js\"\norigin = \"" + origin.URL + "\"\nfetch_allow = [\"127.0.0.1\", \"*.allowed.test\"]\n[vars]\nORIGIN = \"" + origin.URL + "\"\n",
		"worker.js": `export default { async fetch(req, env) {
			const out = {};
			const tryFetch = async (u) => {
				try { const r = await fetch(u); return r.status + " " + await r.text(); }
				catch (e) { return e.name + ": " + e.message; }
			};
			out.origin = await tryFetch(env.ORIGIN + "/");
			out.other = await tryFetch("http://example.com/");
			out.redirect = await tryFetch(env.ORIGIN + "/redirect");
			return Response.json(out);
		} }`,
	})
	d := start(t, devserver.Options{Entry: dir})
	got := get(t, d.URL()+"/").json(t)
	if got["origin"] != "200 origin ok" {
		t.Errorf("allowed host: %v", got["origin"])
	}
	for _, k := range []string{"other", "redirect"} {
		if s, _ := got[k].(string); !strings.Contains(s, "TypeError") || !strings.Contains(s, "fetch_allow") {
			t.Errorf("%s: %v, want a TypeError naming fetch_allow", k, got[k])
		}
	}
}
