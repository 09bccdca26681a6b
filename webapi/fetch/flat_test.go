package fetch

import (
	"net/http"
	"strings"
	"testing"
)

func TestAppendFlat(t *testing.T) {
	h := http.Header{
		"X-Forwarded-For": {"a", "b"},
		"X-Bad":           {"x\x00y"}, // net/http never delivers it; it must not shift the pairs
		"Content-Type":    {"text/plain"},
	}
	got := strings.Split(string(appendFlatPair(appendFlat(nil, h), "host", "Example.COM")), "\x00")
	pairs := map[string][]string{}
	for i := 0; i+1 < len(got); i += 2 {
		pairs[got[i]] = append(pairs[got[i]], got[i+1])
	}
	if len(got)%2 != 0 || len(pairs) != 3 ||
		strings.Join(pairs["x-forwarded-for"], ",") != "a,b" ||
		strings.Join(pairs["content-type"], ",") != "text/plain" ||
		strings.Join(pairs["host"], ",") != "Example.COM" {
		t.Errorf("appendFlat = %q", got)
	}
	if b := appendFlat(nil, http.Header{}); len(b) != 0 {
		t.Errorf("empty headers gave %q", b)
	}
}
