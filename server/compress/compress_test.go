package compress

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

func TestNegotiate(t *testing.T) {
	for accept, want := range map[string]string{
		"gzip, deflate, br": "br",
		"gzip":              "gzip",
		"br;q=0, gzip":      "gzip",
		"identity":          "",
		"":                  "",
		"GZIP;q=0.5":        "gzip",
	} {
		if got := negotiate(accept); got != want {
			t.Errorf("negotiate(%q) = %q, want %q", accept, got, want)
		}
	}
}

func TestHandler(t *testing.T) {
	page := strings.Repeat("<p>hello edge</p>\n", 500)
	srv := httptest.NewServer(Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("ETag", `"v1"`)
			io.WriteString(w, page)
		case "/small":
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Content-Length", "5")
			io.WriteString(w, "small")
		case "/png":
			w.Header().Set("Content-Type", "image/png")
			io.WriteString(w, page)
		case "/encoded":
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Content-Encoding", "gzip")
			io.WriteString(w, "already")
		case "/stream":
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, "data: one\n\n")
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}
	})))
	defer srv.Close()
	get := func(path, accept string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Accept-Encoding", accept) // set: Go's client would decode gzip itself otherwise
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	resp, body := get("/html", "gzip, br")
	if resp.Header.Get("Content-Encoding") != "br" || resp.Header.Get("Vary") != "Accept-Encoding" || resp.Header.Get("ETag") != `W/"v1"` {
		t.Fatalf("br headers: %v", resp.Header)
	}
	plain, err := io.ReadAll(brotli.NewReader(bytes.NewReader(body)))
	if err != nil || string(plain) != page || len(body) > len(page)/10 {
		t.Fatalf("br body: %d bytes -> %d, err %v", len(body), len(plain), err)
	}
	resp, body = get("/html", "gzip")
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(zr); resp.Header.Get("Content-Encoding") != "gzip" || string(plain) != page {
		t.Fatalf("gzip: %v", resp.Header)
	}
	for path, accept := range map[string]string{"/small": "br", "/png": "br", "/encoded": "br", "/html": "identity"} {
		resp, _ := get(path, accept)
		if ce := resp.Header.Get("Content-Encoding"); (path == "/encoded" && ce != "gzip") || (path != "/encoded" && ce != "") {
			t.Errorf("%s with %q: Content-Encoding %q", path, accept, ce)
		}
	}
	// A stream is compressed and still arrives event by event.
	req, _ := http.NewRequest("GET", srv.URL+"/stream", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	sresp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer sresp.Body.Close()
	zr, err = gzip.NewReader(sresp.Body)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 11)
	if _, err := io.ReadFull(zr, buf); err != nil || string(buf) != "data: one\n\n" {
		t.Fatalf("first event: %q %v", buf, err)
	}
}
