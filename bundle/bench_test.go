package bundle_test

import (
	"testing"

	"github.com/verge-edge/verge/bundle"
)

// BenchmarkBuild bundles testdata/bench, a TypeScript worker of two files
// (3.1 KB), as `verge dev` does on every save. "one-line" shows the fixed
// cost of an esbuild build (runtime helpers, defines, goroutines), which
// is most of the total at this size.
func BenchmarkBuild(b *testing.B) {
	for _, bc := range []struct {
		name string
		opts bundle.Options
	}{
		{"default", bundle.Options{Entry: "testdata/bench/worker.ts"}},
		{"no-sourcemap", bundle.Options{Entry: "testdata/bench/worker.ts", NoSourcemap: true}},
		{"minify", bundle.Options{Entry: "testdata/bench/worker.ts", Minify: true}},
		{"one-line", bundle.Options{Source: "export default { fetch() { return 1 } };"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bundle.Build(bc.opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
