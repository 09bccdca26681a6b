package transform

import (
	"bufio"
	"net/http"
	"testing"
)

func TestRequestHeaderOps(t *testing.T) {
	srv := serve(t, Config{RequestHeaders: HeaderOps{
		Set:    map[string]string{"X-Set": "new", "x-lower": "canonical"},
		Add:    map[string]string{"X-Add": "added"},
		Remove: []string{"X-Secret", "x-other-secret"},
		Rename: map[string]string{"X-Api-Key": "X-Upstream-Key"},
	}}, echo())

	_, s := get(t, srv, "/",
		"X-Set: old", "X-Add: first", "X-Secret: s", "X-Other-Secret: s2",
		"X-Api-Key: k1", "X-Api-Key: k2", "X-Upstream-Key: forged", "X-Kept: yes")
	wantHeader(t, "set", s.Header, "X-Set", "new")
	wantHeader(t, "set, key not canonical in config", s.Header, "X-Lower", "canonical")
	wantHeader(t, "add", s.Header, "X-Add", "first", "added")
	wantHeader(t, "remove", s.Header, "X-Secret")
	wantHeader(t, "remove, key not canonical in config", s.Header, "X-Other-Secret")
	wantHeader(t, "rename source", s.Header, "X-Api-Key")
	wantHeader(t, "rename target replaces", s.Header, "X-Upstream-Key", "k1", "k2")
	wantHeader(t, "untouched", s.Header, "X-Kept", "yes")

	// Rename of an absent header leaves the target alone.
	_, s = get(t, srv, "/", "X-Upstream-Key: direct")
	wantHeader(t, "rename without source", s.Header, "X-Upstream-Key", "direct")
	wantHeader(t, "add without existing", s.Header, "X-Add", "added")
}

func TestRequestHeaderOpsDoNotLeakToFront(t *testing.T) {
	tr, err := New(Config{RequestHeaders: HeaderOps{Set: map[string]string{"X-A": "b"}}})
	if err != nil {
		t.Fatal(err)
	}
	var before http.Header
	h := tr.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv := serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		before = r.Header
	}))
	do(t, srv, http.MethodGet, "/")
	if before.Get("X-A") != "" {
		t.Errorf("the caller's request header was changed: %v", before)
	}
}

func TestPlaceholders(t *testing.T) {
	srv := serve(t, Config{
		RequestHeaders: HeaderOps{Set: map[string]string{
			"X-Client":   "{client_ip}",
			"X-Where":    "{country}/{colo}",
			"X-Host":     "{host}",
			"X-Path":     "{path}",
			"X-User":     "user={claim.sub}",
			"X-N":        "{claim.n}",
			"X-Roles":    "{claim.roles}",
			"X-Evil":     "[{claim.evil}]",
			"X-Missing":  "{claim.nope}",
			"X-Brace":    "{{literal}",
			"X-Forwards": "by {colo} for {client_ip}",
		}},
		ResponseHeaders: HeaderOps{Add: map[string]string{"X-Served-Path": "{path}"}},
		Rewrites:        []Rewrite{{From: "^/old/(.*)$", To: "/new/$1"}},
	}, echo())

	resp, s := get(t, srv, "/old/a%20b?q=1", "X-Missing: forged", "X-User: forged")
	want := map[string]string{
		"X-Client":   "203.0.113.7",
		"X-Where":    "AR/EZE",
		"X-Host":     srv.Listener.Addr().String(),
		"X-Path":     "/old/a%20b", // the client's path, not the rewritten one
		"X-User":     "user=user-1",
		"X-N":        "42",
		"X-Roles":    `["a","b"]`,
		"X-Evil":     "[]", // a value with CR LF is left out
		"X-Brace":    "{literal}",
		"X-Forwards": "by EZE for 203.0.113.7",
	}
	for name, v := range want {
		wantHeader(t, "placeholder", s.Header, name, v)
	}
	wantHeader(t, "empty set deletes the client's copy", s.Header, "X-Missing")
	wantHeader(t, "no injected header", s.Header, "X-Injected")
	wantHeader(t, "response placeholder", resp.Header, "X-Served-Path", "/old/a%20b")
	if s.Path != "/new/a b" {
		t.Errorf("path = %q, want the rewritten one", s.Path)
	}
}

func TestResponseHeaderOps(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Server", "origin/1.0")
		h.Set("X-Powered-By", "php")
		h.Set("X-Old", "renamed")
		h.Set("Cache-Control", "private")
		h.Add("Link", "</a>; rel=preload")
		w.Write([]byte("hello")) // no WriteHeader: the first Write applies the ops
	})
	srv := serve(t, Config{ResponseHeaders: HeaderOps{
		Remove: []string{"Server", "X-Powered-By"},
		Rename: map[string]string{"X-Old": "X-New"},
		Set:    map[string]string{"Cache-Control": "public, max-age=60", "X-Country": "{country}"},
		Add:    map[string]string{"Link": "</b>; rel=preload"},
	}}, next)

	resp, body := do(t, srv, http.MethodGet, "/")
	if body != "hello" {
		t.Errorf("body = %q", body)
	}
	wantHeader(t, "remove", resp.Header, "Server")
	wantHeader(t, "remove", resp.Header, "X-Powered-By")
	wantHeader(t, "rename", resp.Header, "X-Old")
	wantHeader(t, "rename", resp.Header, "X-New", "renamed")
	wantHeader(t, "set", resp.Header, "Cache-Control", "public, max-age=60")
	wantHeader(t, "set placeholder", resp.Header, "X-Country", "AR")
	wantHeader(t, "add", resp.Header, "Link", "</a>; rel=preload", "</b>; rel=preload")
}

// TestResponseHeaderOpsStreamed checks a response flushed before it ends:
// the ops apply at the first flush, and the flush reaches the client.
func TestResponseHeaderOpsStreamed(t *testing.T) {
	for _, how := range []string{"Flusher", "ResponseController"} {
		t.Run(how, func(t *testing.T) {
			release := make(chan struct{})
			next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				w.Header().Set("X-Origin", "yes")
				if how == "Flusher" {
					f, ok := w.(http.Flusher)
					if !ok {
						t.Error("the wrapped writer is not an http.Flusher")
						return
					}
					f.Flush() // before any Write: the header goes out here
					w.Write([]byte("data: 1\n\n"))
					f.Flush()
				} else {
					w.WriteHeader(http.StatusOK)
					w.Write([]byte("data: 1\n\n"))
					if err := http.NewResponseController(w).Flush(); err != nil {
						t.Errorf("ResponseController.Flush: %v", err)
					}
				}
				<-release // the client must have the first event without the rest
				w.Write([]byte("data: 2\n\n"))
			})
			srv := serve(t, Config{
				ResponseHeaders: HeaderOps{Set: map[string]string{"X-Edge": "{colo}"}, Remove: []string{"X-Origin"}},
				CORS:            &CORS{AllowOrigins: []string{"https://app.example.com"}},
			}, next)

			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/events", nil)
			req.Header.Set("Origin", "https://app.example.com")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				close(release)
				t.Fatal(err)
			}
			defer resp.Body.Close()
			wantHeader(t, "set", resp.Header, "X-Edge", "EZE")
			wantHeader(t, "remove", resp.Header, "X-Origin")
			wantHeader(t, "cors", resp.Header, "Access-Control-Allow-Origin", "https://app.example.com")
			br := bufio.NewReader(resp.Body)
			line, err := br.ReadString('\n')
			close(release)
			if err != nil || line != "data: 1\n" {
				t.Fatalf("first event = %q, %v", line, err)
			}
		})
	}
}

func TestResponseOpsApplyOnce(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte("a"))
		w.Write([]byte("b"))
	})
	srv := serve(t, Config{ResponseHeaders: HeaderOps{Add: map[string]string{"X-Once": "1"}}}, next)
	resp, body := do(t, srv, http.MethodGet, "/")
	if resp.StatusCode != http.StatusCreated || body != "ab" {
		t.Errorf("got %d %q", resp.StatusCode, body)
	}
	wantHeader(t, "add", resp.Header, "X-Once", "1")
}
