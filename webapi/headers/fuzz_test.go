package headers_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/verge-edge/verge/webapi/headers"
	"github.com/verge-edge/verge/webapi/webapitest"
)

// FuzzHeaders checks name and value validation against a Go model of the
// Fetch rules: a name is a token; a value, once stripped of leading and
// trailing HTTP whitespace, has no NUL, CR or LF and no code point above
// U+00FF.
func FuzzHeaders(f *testing.F) {
	for _, s := range [][2]string{{"Content-Type", " text/html "}, {"a b", "x"}, {"x", "a\nb"}, {"x", "é"}, {"x", "€"}, {"", ""}, {"set-cookie", "a=1"}} {
		f.Add(s[0], s[1])
	}
	vm := webapitest.New(f, headers.Extension())
	if _, err := vm.Eval(`globalThis.check = (n, v) => {
		const h = new Headers();
		try { h.append(n, v) } catch (e) { if (e instanceof TypeError) return "TypeError"; throw e }
		return JSON.stringify([h.get(n), [...h.keys()]]);
	}`, "fuzz.js"); err != nil {
		f.Fatal(err)
	}
	g := vm.Global()
	check, _ := g.Get("check")
	g.Free()
	f.Cleanup(check.Free)
	f.Fuzz(func(t *testing.T, name, value string) {
		if !utf8.ValidString(name) || !utf8.ValidString(value) {
			return // JavaScript strings would not round-trip
		}
		n, v := vm.NewString(name), vm.NewString(value)
		defer n.Free()
		defer v.Free()
		r, err := check.Call(vm.Undefined(), n, v)
		if err != nil {
			t.Fatalf("threw %v", err)
		}
		defer r.Free()
		got, _ := r.String()
		want := "TypeError"
		if norm, ok := model(name, value); ok {
			want = `["` + jsonEscape(norm) + `",["` + strings.ToLower(name) + `"]]`
		}
		if got != want {
			t.Fatalf("append(%q, %q): got %s, want %s", name, value, got, want)
		}
	})
}

func model(name, value string) (string, bool) {
	if name == "" {
		return "", false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return "", false
		}
	}
	v := strings.Trim(value, " \t\r\n")
	for _, r := range v {
		if r == 0 || r == '\r' || r == '\n' || r > 0xFF {
			return "", false
		}
	}
	return v, true
}

func jsonEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&15])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
