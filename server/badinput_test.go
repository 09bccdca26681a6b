package server

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestBadInput: what clients get wrong or do on purpose is refused
// cleanly by the front: malformed requests, slow and idle connections,
// oversized headers and bodies, and origins that are down or slow.
func TestBadInput(t *testing.T) {
	o := newRecordingOrigin(t, "origin")
	slow := newRecordingOrigin(t, "slow")
	slow.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	})
	n := startNode(t, map[string]string{"node.toml": `[listen]
http = "127.0.0.1:0"
header_timeout = "300ms"
idle_timeout = "300ms"
max_body_mb = 1
[origins.o]
url = "` + o.URL + `"
[origins.dead]
url = "http://127.0.0.1:1"
[origins.slow]
url = "` + slow.URL + `"
timeout = "200ms"
[[routes]]
pattern = "o.test/*"
origin = "o"
[[routes]]
pattern = "dead.test/*"
origin = "dead"
[[routes]]
pattern = "slow.test/*"
origin = "slow"
`})
	addr := strings.TrimPrefix(n.http, "http://")
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second)) // bounds the test, not the server
		t.Cleanup(func() { c.Close() })
		return c
	}
	// Malformed request line.
	c := dial()
	io.WriteString(c, "GARBAGE\r\n\r\n")
	if line, _ := bufio.NewReader(c).ReadString('\n'); !strings.HasPrefix(line, "HTTP/1.1 400") {
		t.Errorf("malformed request: %q", line)
	}
	// A header sent too slowly: the connection is closed.
	c = dial()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: o.test\r\nX-Slow: ")
	if b, err := io.ReadAll(c); err != nil || bytes.Contains(b, []byte("200 OK")) {
		t.Errorf("slow header: %q %v, want the connection closed", b, err)
	}
	// An idle keep-alive connection is closed after its request.
	c = dial()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: o.test\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("keep-alive request: %v %v", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	if b, err := io.ReadAll(br); err != nil || len(b) != 0 {
		t.Errorf("idle connection: %q %v, want it closed", b, err)
	}

	hits := o.hits.Load()
	// Oversized header block.
	if r := n.do("GET", n.http+"/", map[string]string{"Host": "o.test", "X-Big": strings.Repeat("b", 64<<10)}); r.status != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("64 KiB header: %d", r.status)
	}
	// Oversized bodies, declared and chunked.
	big := bytes.Repeat([]byte("x"), 2<<20)
	req, _ := http.NewRequest("POST", n.http+"/upload", bytes.NewReader(big))
	req.Host = "o.test"
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 413 {
		t.Errorf("2 MB body with Content-Length: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if o.hits.Load() != hits {
		t.Error("an oversized request reached the origin")
	}
	req, _ = http.NewRequest("POST", n.http+"/upload", io.MultiReader(bytes.NewReader(big)))
	req.Host = "o.test"
	req.ContentLength = -1 // chunked
	if resp, err := http.DefaultClient.Do(req); err == nil {
		if resp.StatusCode != 413 {
			t.Errorf("2 MB chunked body: %d", resp.StatusCode)
		}
		resp.Body.Close()
	}
	// Origins that are down, or too slow.
	if r := n.do("GET", n.http+"/", map[string]string{"Host": "dead.test"}); r.status != 502 || r.body != "verge: origin dead bad gateway\n" {
		t.Errorf("unreachable origin: %d %q", r.status, r.body)
	}
	if r := n.do("GET", n.http+"/", map[string]string{"Host": "slow.test"}); r.status != 504 || r.body != "verge: origin slow gateway timeout\n" {
		t.Errorf("slow origin: %d %q", r.status, r.body)
	}
}

// TestSSRFThroughServer: a worker's fetch() to a loopback or private
// address is refused unless that address is its configured origin.
func TestSSRFThroughServer(t *testing.T) {
	mine := newRecordingOrigin(t, "mine")
	other := newRecordingOrigin(t, "other")
	n := startNode(t, map[string]string{
		"node.toml":    "projects = [\"w\"]\n[listen]\nhttp = \"127.0.0.1:0\"\n",
		"w/verge.toml": "name = \"w\"\nmain = \"worker.js\"\norigin = \"" + mine.URL + "\"\n",
		"w/worker.js": `export default { async fetch(req) {
			const target = new URL(req.url).searchParams.get("u");
			try {
				const r = await fetch(target);
				return new Response("fetched: " + await r.text());
			} catch (e) {
				return new Response("refused: " + e.message, { status: 502 });
			}
		} }`,
	})
	for target, want := range map[string]string{
		mine.URL + "/x":                  "fetched: mine /x",
		other.URL + "/x":                 "refused: ",
		"http://10.0.0.1/":               "refused: ",
		"http://169.254.169.254/latest/": "refused: ",
		"http://[::1]:" + strings.TrimPrefix(other.URL, "http://127.0.0.1:") + "/": "refused: ",
	} {
		r := n.do("GET", n.http+"/?u="+target, map[string]string{"Host": "app.test"})
		if !strings.HasPrefix(r.body, want) {
			t.Errorf("fetch(%s): %d %q, want %q", target, r.status, r.body, want)
		}
	}
	if other.hits.Load() != 0 {
		t.Errorf("the unconfigured loopback origin was reached %d times", other.hits.Load())
	}
}
