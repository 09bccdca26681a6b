package wasm

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestParseHeader(t *testing.T) {
	for _, tc := range []struct {
		in     string
		status int
		header http.Header
		err    bool
	}{
		{in: "Content-Type: text/plain", status: 200, header: http.Header{"Content-Type": {"text/plain"}}},
		{in: "status: 404 Not Found\r\nx-a:  b  ", status: 404, header: http.Header{"X-A": {"b"}}},
		{in: "Location: /x", status: 302, header: http.Header{"Location": {"/x"}}},
		{in: "Location: /x\nStatus: 301", status: 301, header: http.Header{"Location": {"/x"}}},
		{in: "Set-Cookie: a=1\nSet-Cookie: b=2", status: 200, header: http.Header{"Set-Cookie": {"a=1", "b=2"}}},
		{in: "Connection: close\nTransfer-Encoding: chunked", status: 200, header: http.Header{}},
		{in: "", status: 200, header: http.Header{}},
		{in: "Status: 99", err: true},
		{in: "Status: 600", err: true},
		{in: "Status: abc", err: true},
		{in: "no colon", err: true},
		{in: "Bad Name: x", err: true},
		{in: "X-A: b\n folded", err: true},
		{in: "X-A: \x01", err: true},
	} {
		h := http.Header{}
		status, err := parseHeader([]byte(tc.in), h)
		if (err != nil) != tc.err {
			t.Errorf("%q: error %v", tc.in, err)
			continue
		}
		if err != nil {
			continue
		}
		if status != tc.status || !equalHeader(h, tc.header) {
			t.Errorf("%q: %d %v, want %d %v", tc.in, status, h, tc.status, tc.header)
		}
	}
}

func equalHeader(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if len(b[k]) != len(v) {
			return false
		}
		for i := range v {
			if b[k][i] != v[i] {
				return false
			}
		}
	}
	return true
}

// FuzzCGIResponse feeds guest output, split into two writes at any point,
// to the stdout parser: it must never panic, and whatever it accepts must
// come out as a valid response with the body intact.
func FuzzCGIResponse(f *testing.F) {
	f.Add([]byte("Content-Type: text/plain\n\nhello"), 5)
	f.Add([]byte("Status: 404\r\n\r\n"), 14)
	f.Add([]byte("\n\nbody"), 1)
	f.Add([]byte("Location: /\n"), 0)
	f.Add([]byte("X: y\r\n\r\n\r\n"), 7)
	f.Fuzz(func(t *testing.T, out []byte, split int) {
		if split < 0 || split > len(out) {
			split = len(out) / 2
		}
		w := httptest.NewRecorder()
		c := newCGIResponse(w, 64, 1<<20, func() {})
		_, err1 := c.Write(out[:split])
		var err2 error
		if err1 == nil {
			_, err2 = c.Write(out[split:])
		}
		err := c.finish()
		if err1 != nil || err2 != nil {
			if err == nil {
				t.Fatal("a failed write finished cleanly")
			}
			return
		}
		if err != nil {
			return
		}
		if w.Code < 200 || w.Code > 599 {
			t.Fatalf("status %d", w.Code)
		}
		// The body is whatever followed the first blank line.
		if i := headerEnd(out); i >= 0 && !bytes.Equal(w.Body.Bytes(), out[i:]) {
			t.Fatalf("body %q, want %q", w.Body.Bytes(), out[i:])
		}
	})
}

// headerEnd is a reference implementation: the index after the first empty
// line, where lines end with \n and \r is ignored.
func headerEnd(b []byte) int {
	lineStart := true
	for i, c := range b {
		switch {
		case c == '\n' && lineStart:
			return i + 1
		case c == '\n':
			lineStart = true
		case c != '\r':
			lineStart = false
		}
	}
	return -1
}
