package sourcemap_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/verge-edge/verge/bundle"
	"github.com/verge-edge/verge/engine"
	"github.com/verge-edge/verge/sourcemap"
)

// TestStackPointsAtTheOriginalSource bundles two TypeScript files, runs the
// bundle in a real VM, and checks the mapped stack names the original file
// and line of the throw.
func TestStackPointsAtTheOriginalSource(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.ts"), []byte("import { fail } from \"./lib\";\ninterface X { a: number }\nexport function run(x: X): number {\n  return fail(x.a);\n}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "lib.ts"), []byte("// a comment\ntype N = number;\nexport function fail(n: N): N {\n  if (n > 0) {\n    throw new Error(\"failed with \" + n);\n  }\n  return n;\n}\n"), 0o644)
	res, err := bundle.Build(bundle.Options{Entry: filepath.Join(dir, "main.ts")})
	if err != nil {
		t.Fatal(err)
	}
	m, err := sourcemap.Parse(res.SourceMap)
	if err != nil {
		t.Fatal(err)
	}
	vm, err := engine.New(engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	v, err := vm.Eval(string(res.Code)+"\n__verge_entry.run({a: 1})", "worker.js")
	v.Free()
	var je *engine.Error
	if !errors.As(err, &je) {
		t.Fatalf("err = %v", err)
	}
	stack := m.RewriteStack(je.Stack, "worker.js")
	if !strings.Contains(stack, "lib.ts:5:") {
		t.Errorf("mapped stack lacks lib.ts:5:\noriginal:\n%s\nmapped:\n%s", je.Stack, stack)
	}
	if !strings.Contains(stack, "main.ts:4:") {
		t.Errorf("mapped stack lacks the caller main.ts:4:\n%s", stack)
	}
}

func TestOtherFilesUntouched(t *testing.T) {
	res, err := bundle.Build(bundle.Options{Source: "export const a = 1;", Entry: "w.js"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := sourcemap.Parse(res.SourceMap)
	if err != nil {
		t.Fatal(err)
	}
	in := "    at f (ext:fetch/fetch.js:10:3)"
	if got := m.RewriteStack(in, "worker.js"); got != in {
		t.Errorf("got %q", got)
	}
	if _, err := sourcemap.Parse([]byte("{not json")); err == nil {
		t.Error("bad map parsed")
	}
}
