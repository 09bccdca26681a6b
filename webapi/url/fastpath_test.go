package url

import (
	"encoding/json"
	"os"
	"sync"
	"testing"

	"github.com/verge-edge/verge/webapi/url/internal/urlpattern"
)

// slowParse is parse without the fast path.
func slowParse(input string, base *string) (string, bool) {
	if base != nil {
		bu, err := parser.Parse(*base)
		if err != nil {
			return "", false
		}
		u, err := bu.Parse(input)
		if err != nil {
			return "", false
		}
		return conform(u.Href(false)), true
	}
	u, err := parser.Parse(input)
	if err != nil {
		return "", false
	}
	return conform(u.Href(false)), true
}

var fastInputs = []string{
	"https://example.com/a/b?x=1#y", "https://example.com", "http://example.com?q", "http://example.com#f",
	"https://a.b-c.d/x/y/z.html", "https://a:8080/", "https://a:443/", "http://a:80/", "https://a:0/", "https://a:08/",
	"https://a:65535/", "https://a:65536/", "https://a:/", "https://a:12345678/", "https://a:1x/",
	"https://EXAMPLE.com/", "https://xn--mnchen-3ya.de/", "https://ab--c.de/", "https://-a.b/", "https://a-.b/",
	"https://a..b/", "https://.a/", "https://a./", "https://1.2.3.4/", "https://a.1/", "https://a.0x1/", "https://0x1.a/",
	"https://a/./b", "https://a/../b", "https://a/b/.", "https://a/%2e/b", "https://a/.%2E/b", "https://a/.hidden/..x",
	"https://a/b c", "https://a/b'c", "https://a/?b'c", "https://a/#b'c", "https://a/?b?c#d?e", "https://a/#b#c",
	"https://a/^", "https://a/|", "https://a/[]", "https://a/\\b", "https://a/%zz", "https://a/é", "https://é/",
	"https://user@a/", "https://a/b\tc", " https://a/", "https://a/ ", "HTTPS://a/", "ftp://a/", "https:/a/", "https:a",
	"https://a/~!$&()*+,;=:@", "https://a/?~!$&()*+,;=:@/?", "https://a/#~!$&()*+,;=:@/?'",
}

var fastRelative = []string{"/x", "/x?y#z", "//x", "/./x", "/a/../b", "/ x", "x", "?q", "#f", "", "/\\x", "/é", "/%2e%2e"}

// TestFastPathMatchesParser checks that whatever the fast path accepts,
// the full parser serializes the same way.
func TestFastPathMatchesParser(t *testing.T) {
	inputs := append([]string(nil), fastInputs...)
	if b, err := os.ReadFile("testdata/urltestdata.json"); err == nil {
		var data []any
		if err := json.Unmarshal(b, &data); err != nil {
			t.Fatal(err)
		}
		for _, x := range data {
			if m, ok := x.(map[string]any); ok {
				inputs = append(inputs, m["input"].(string))
				if b, ok := m["base"].(string); ok {
					inputs = append(inputs, b)
				}
			}
		}
	}
	accepted := 0
	for _, in := range inputs {
		checkFast(t, in)
		if _, ok := fastParse(in); ok {
			accepted++
			for _, rel := range fastRelative {
				checkFastResolve(t, rel, in)
			}
		}
	}
	if accepted < 10 {
		t.Errorf("fast path accepted only %d inputs", accepted)
	}
}

func checkFast(t *testing.T, in string) {
	t.Helper()
	got, ok := fastParse(in)
	if !ok {
		return
	}
	want, wok := slowParse(in, nil)
	if !wok || got != want {
		t.Errorf("fastParse(%q) = %q; parser: %q, %v", in, got, want, wok)
	}
}

func checkFastResolve(t *testing.T, in, base string) {
	t.Helper()
	b, ok := fastParse(base)
	if !ok {
		return
	}
	got, ok := fastResolve(b, in)
	if !ok {
		return
	}
	want, wok := slowParse(in, &base)
	if !wok || got != want {
		t.Errorf("fastResolve(%q, %q) = %q; parser: %q, %v", b, in, got, want, wok)
	}
}

func FuzzFastPath(f *testing.F) {
	for _, s := range fastInputs {
		f.Add(s, "/x")
	}
	f.Fuzz(func(t *testing.T, in, rel string) {
		checkFast(t, in)
		checkFastResolve(t, rel, in)
		// parse with and without the fast path agree.
		a, aok := parse(in, nil)
		b, bok := slowParse(in, nil)
		if aok != bok || a != b {
			t.Errorf("parse(%q) = %q, %v; parser %q, %v", in, a, aok, b, bok)
		}
	})
}

func TestConform(t *testing.T) {
	for _, c := range [][2]string{
		{"http://a/b^c?d^#e^", "http://a/b%5Ec?d^#e^"},
		{"foo:/^", "foo:/%5E"},
		{"foo://h/^/^", "foo://h/%5E/%5E"},
		{"foo:^", "foo:^"},
		{"data:a  ?q", "data:a %20?q"},
		{"data:a  #f", "data:a %20#f"},
		{"data:a", "data:a"},
		{"http://a", "http://a"},
		{"web+demo:/.//^", "web+demo:/.//%5E"},
	} {
		if got := conform(c[0]); got != c[1] {
			t.Errorf("conform(%q) = %q, want %q", c[0], got, c[1])
		}
	}
}

func TestParseForm(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a=b+c&d=%zz", []string{"a", "b c", "d", "%zz"}},
		{"&&a&=&b=", []string{"a", "", "", "", "b", ""}},
		{"%41%4a%4A=%e2%82%ac", []string{"AJJ", "€"}},
		{"a=%E2%82A", []string{"a", "\uFFFDA"}},
		{"a=%FF%C0%80%ED%A0%80", []string{"a", "\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD"}},
		{"a=%F0%9F%98", []string{"a", "\uFFFD"}},
		{"a=%F4%90%80%80", []string{"a", "\uFFFD\uFFFD\uFFFD\uFFFD"}},
		{"a=%EF%BB%BFx", []string{"a", "\uFEFFx"}},
		{"a=%", []string{"a", "%"}},
		{"a=%2", []string{"a", "%2"}},
		{"a=b=c", []string{"a", "b=c"}},
	} {
		got := parseForm(c.in)
		if len(got) != len(c.want) {
			t.Errorf("parseForm(%q) = %q, want %q", c.in, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("parseForm(%q) = %q, want %q", c.in, got, c.want)
				break
			}
		}
	}
}

// TestComponents checks splitHref (through components) against the
// parser's getters on every valid URL of the WPT data.
func TestComponents(t *testing.T) {
	b, err := os.ReadFile("testdata/urltestdata.json")
	if err != nil {
		t.Fatal(err)
	}
	var data []any
	if err := json.Unmarshal(b, &data); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, x := range data {
		m, ok := x.(map[string]any)
		if !ok {
			continue
		}
		var base *string
		if b, ok := m["base"].(string); ok {
			base = &b
		}
		href, ok := parse(m["input"].(string), base)
		if !ok {
			continue
		}
		u, err := parser.Parse(href)
		if err != nil {
			t.Errorf("%q does not reparse: %v", href, err)
			continue
		}
		want := [8]string{u.Scheme(), u.Username(), u.Password(), u.Hostname(), u.Port(), u.Pathname(), u.Query(), u.Fragment()}
		if got := components(href); got != want {
			t.Errorf("components(%q) = %q, want %q", href, got, want)
		}
		n++
	}
	if n < 500 {
		t.Errorf("only %d URLs checked", n)
	}
}

// TestConcurrentUse runs the Go side from several goroutines, as VMs on
// different goroutines do (run it with -race).
func TestConcurrentUse(t *testing.T) {
	p, err := urlpattern.New("/users/:id", ptr("https://example.com"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if _, ok := parse("https://münchen.de/a/../b?c#d", nil); !ok {
					t.Error("parse failed")
				}
				if _, err := set("http://a/", setHost, "b.example:81"); err != nil {
					t.Error(err)
				}
				if r := p.Exec("https://example.com/users/7", nil); r == nil || r.Pathname.Groups[0].Value != "7" {
					t.Error("exec failed")
				}
				if _, err := urlpattern.New("/:x(\\d+)", ptr("https://a"), nil); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
}

func ptr(s string) *string { return &s }
