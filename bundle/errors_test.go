package bundle

import (
	"strings"
	"testing"
)

func TestMessageMarker(t *testing.T) {
	long := strings.Repeat("a", 300) + ";" + strings.Repeat("b", 300)
	tests := []struct {
		name, line string
		col        int
		want       string // the excerpt, then the marker line
	}{
		{"ascii", "let x = ;", 8, "let x = ;\n        ^"},
		{"multibyte before the column", `s = "héllo"; =`, 14, "s = \"héllo\"; =\n             ^"},
		{"tabs", "\tx = ;", 5, "  x = ;\n      ^"},
		{"column past the end", "ab", 9, "ab\n  ^"},
		{"long minified line", long, 300, "..." + strings.Repeat("a", 50) + ";" + strings.Repeat("b", 49) + "...\n" + strings.Repeat(" ", 53) + "^"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Message{File: "w.js", Line: 1, Column: tt.col, Text: "bad", LineText: tt.line}
			want := "w.js:1:" + itoa(tt.col) + ": ERROR: bad\n    " + strings.ReplaceAll(tt.want, "\n", "\n    ")
			if got := m.String(); got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func itoa(i int) string {
	s := ""
	for {
		s = string(rune('0'+i%10)) + s
		if i /= 10; i == 0 {
			return s
		}
	}
}

// FuzzMessageString checks that any line text and column (esbuild's, or a
// plugin's) formats without panicking and keeps the marker on the excerpt.
func FuzzMessageString(f *testing.F) {
	f.Add("let x = ;", 8)
	f.Add("\thé\tllo", 3)
	f.Add(strings.Repeat("é", 200), 151)
	f.Fuzz(func(t *testing.T, line string, col int) {
		s := Message{File: "w.js", Line: 1, Column: col, Text: "x", LineText: line}.String()
		if !strings.HasSuffix(s, "^") && line != "" && !strings.HasPrefix(line, "\n") {
			t.Errorf("no marker: %q", s)
		}
	})
}
