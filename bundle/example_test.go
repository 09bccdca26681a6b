package bundle_test

import (
	"fmt"

	"github.com/verge-edge/verge/bundle"
)

func ExampleBuild() {
	res, err := bundle.Build(bundle.Options{
		Entry:  "worker.ts",
		Source: "export default { fetch: (req: Request): Response => new Response('hi') };",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Evaluated as a classic script, res.Code sets __verge_entry to the
	// entry's exports; res.SourceMap maps it back to worker.ts.
	fmt.Println(len(res.Code) > 0, len(res.SourceMap) > 0)
	// Output: true true
}

func ExampleBuildError() {
	_, err := bundle.Build(bundle.Options{
		Entry:  "worker.js",
		Source: "export default {\n  fetch() { return 1 +; },\n};\n",
	})
	fmt.Println(err)
	// Output:
	// build failed: worker.js: 1 error
	// worker.js:2:22: ERROR: Unexpected ";"
	//       fetch() { return 1 +; },
	//                           ^
}
