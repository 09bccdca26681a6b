package verge

import (
	"net/url"
	"reflect"
	"testing"
)

// TestParseURL: the hand split gives what url.Parse gives.
func TestParseURL(t *testing.T) {
	for _, raw := range []string{
		"http://example.com/",
		"https://example.com:8443/a/b?x=1&y=2",
		"http://example.com",
		"http://example.com?q",
		"http://[::1]:8080/p",
		"HTTP://Example.com/Path",
		"http://example.com/a%20b?c=%2F",
		"http://example.com/a b",
		"http://user@example.com/",
		"http://example.com/x#frag",
		"http://example.com/über",
		"http://example.com/a;b,c!$&'()*+=:@",
		"http://example.com/[x]",
		"http://example.com/a\\b",
		"http://example.com//double",
	} {
		want, werr := url.Parse(raw)
		got, gerr := parseURL(raw)
		if (werr == nil) != (gerr == nil) || (werr == nil && !reflect.DeepEqual(got, want)) {
			t.Errorf("%q: got %#v, %v; url.Parse %#v, %v", raw, got, gerr, want, werr)
		}
	}
}
