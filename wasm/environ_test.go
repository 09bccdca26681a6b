package wasm

import (
	"strings"
	"testing"
)

// TestEnvironLayout: later lists replace earlier values in place, as
// wazero's WithEnv did, and what WASI cannot express is left out.
func TestEnvironLayout(t *testing.T) {
	e := newEnviron(
		[]string{"API_KEY", "s3cret", "REQUEST_METHOD", "from options"},
		[]string{"REQUEST_METHOD", "GET", "HTTP_X", "1", "HTTP_X", "2", "", "empty", "A=B", "x", "NUL", "a\x00b"},
	)
	var got []string
	for i, off := range e.offsets {
		end := len(e.buf)
		if i+1 < len(e.offsets) {
			end = int(e.offsets[i+1])
		}
		s := string(e.buf[off:end])
		if !strings.HasSuffix(s, "\x00") {
			t.Fatalf("variable %d %q is not NUL-terminated", i, s)
		}
		got = append(got, strings.TrimSuffix(s, "\x00"))
	}
	if want := "API_KEY=s3cret|REQUEST_METHOD=GET|HTTP_X=2"; strings.Join(got, "|") != want {
		t.Errorf("environment %q, want %q", strings.Join(got, "|"), want)
	}
}
