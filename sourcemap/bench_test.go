package sourcemap_test

import (
	"strings"
	"testing"

	"github.com/verge-edge/verge/sourcemap"
)

// bigMappings is the mappings of a ~1 MB bundle: 20,000 lines of 10
// segments each, alternating between two sources.
func bigMappings() string {
	seg := vlq(4, 0, 0, 3)
	var b strings.Builder
	for i := 0; i < 20000; i++ {
		if i > 0 {
			b.WriteString(";")
		}
		back := -27 // undo the previous line's column steps
		if i == 0 {
			back = 0
		}
		b.WriteString(vlq(0, 1-2*(i%2), 1, back))
		for j := 1; j < 10; j++ {
			b.WriteString("," + seg)
		}
	}
	return b.String()
}

func BenchmarkParse(b *testing.B) {
	data := mapJSON(b, map[string]any{"mappings": bigMappings()})
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sourcemap.Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRewriteStack(b *testing.B) {
	m, err := sourcemap.Parse(mapJSON(b, map[string]any{"mappings": bigMappings()}))
	if err != nil {
		b.Fatal(err)
	}
	stack := "Error: boom\n    at f (worker.js:19999:30)\n    at g (worker.js:12345:7)\n    at dispatch (ext:worker/worker.js:80:9)\n    at <eval> (worker.js:7:1)\n"
	b.ReportAllocs()
	for b.Loop() {
		if s := m.RewriteStack(stack, "worker.js"); !strings.Contains(s, "(b.ts:20000:") {
			b.Fatal(s)
		}
	}
}
