package worker

import (
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestBodyAndEnvLimits: request and response bodies and vars over their
// limits end with their stable codes; bodies under them pass.
func TestBodyAndEnvLimits(t *testing.T) {
	w := newTestWorker(t, `export default { async fetch(req) {
		if (req.method === "POST") {
			try { return new Response(String((await req.arrayBuffer()).byteLength)); }
			catch (e) { return new Response("read failed: " + e.message, { status: 400 }); }
		}
		const chunk = new Uint8Array(1024);
		let sent = 0;
		return new Response(new ReadableStream({ pull(c) {
			if (sent++ >= 100) return c.close();
			c.enqueue(chunk);
		} }));
	} }`, Limits{RequestBody: 4096, ResponseBody: 50 << 10, CPU: 2 * time.Second}, 1) // CPU: -race slows the stream ~10x
	defer w.Close()

	post := func(body string, chunked bool) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "http://example.com/", strings.NewReader(body))
		if chunked {
			req.ContentLength = -1
			req.Body = io.NopCloser(strings.NewReader(body))
		}
		rec := httptest.NewRecorder()
		w.Serve(rec, req, RequestInfo{URL: "http://example.com/"})
		return rec
	}
	if rec := post(strings.Repeat("a", 4096), false); rec.Code != 200 || rec.Body.String() != "4096" {
		t.Errorf("body at the limit: %d %q", rec.Code, rec.Body)
	}
	if rec := post(strings.Repeat("a", 4097), false); rec.Code != 413 || !strings.HasPrefix(rec.Body.String(), "verge-1111: request body too large") {
		t.Errorf("declared body over the limit: %d %q", rec.Code, rec.Body)
	}
	if rec := post(strings.Repeat("a", 10000), true); rec.Code != 400 || !strings.Contains(rec.Body.String(), "verge-1111") {
		t.Errorf("chunked body over the limit: %d %q", rec.Code, rec.Body)
	}
	// The response streams 100 KiB against a 50 KiB limit: it is cut.
	rec := serve(w, "/")
	if n := rec.Body.Len(); n > 50<<10 || n < 40<<10 {
		t.Errorf("response body cut at %d bytes, want at most the 50 KiB limit", n)
	}

	p, _ := NewPrelude()
	code, _ := buildSource(`export default { fetch() { return new Response("x") } }`)
	_, err := New(Config{Name: "env", Code: code, Prelude: p, Vars: map[string]string{"BIG": strings.Repeat("x", 6000)}, Log: discardLog()})
	var le *LimitError
	if !errors.As(err, &le) || le.Code != CodeEnv || !strings.Contains(err.Error(), "var BIG is 6000 bytes") {
		t.Errorf("large var: %v", err)
	}
	vars := map[string]string{}
	for i := range 129 {
		vars[strings.Repeat("v", i+1)] = "1"
	}
	_, err = New(Config{Name: "env", Code: code, Prelude: p, Vars: vars, Log: discardLog()})
	if !errors.As(err, &le) || le.Code != CodeEnv || !strings.Contains(err.Error(), "129 vars, the limit is 128") {
		t.Errorf("many vars: %v", err)
	}
}
