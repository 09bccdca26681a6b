package sourcemap_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/verge-edge/verge/bundle"
	"github.com/verge-edge/verge/engine"
	"github.com/verge-edge/verge/sourcemap"
)

// TestStackPointsAtTheOriginalSource bundles a two-file TypeScript project
// whose second file throws, runs the bundle in the runtime's engine
// (QuickJS) as the worker runs it, and checks that the rewritten stack
// names the original files, lines and columns.
func TestStackPointsAtTheOriginalSource(t *testing.T) {
	for _, tt := range []struct {
		name     string
		minify   bool
		bytecode bool // compile first, as the worker does
	}{
		{"plain", false, false},
		{"bytecode", false, true},
		{"minified (one line: columns decide)", true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := bundle.Build(bundle.Options{Entry: "testdata/throw/index.ts", Minify: tt.minify})
			if err != nil {
				t.Fatal(err)
			}
			m, err := sourcemap.Parse(res.SourceMap)
			if err != nil {
				t.Fatal(err)
			}
			stack := runAndCatch(t, string(res.Code), tt.bytecode, "__verge_entry.run({ value: -1 })")
			if !strings.Contains(stack, "worker.js:") {
				t.Fatalf("the engine's stack does not name worker.js:\n%s", stack)
			}
			got := m.RewriteStack(stack, "worker.js")
			t.Logf("engine:\n%s\nrewritten:\n%s", stack, got)
			frames := strings.Split(strings.TrimRight(got, "\n"), "\n")
			if len(frames) < 3 {
				t.Fatalf("want at least 3 frames:\n%s", got)
			}
			// QuickJS points into `new RangeError(...)` (lib.ts:6:15 is
			// RangeError) and at the call of checkPositive (index.ts:8:10).
			for i, want := range []string{"(lib.ts:6:", "(index.ts:8:"} {
				if !strings.Contains(frames[i], want) {
					t.Errorf("frame %d = %q, want %q", i, frames[i], want)
				}
			}
			// Minified bundles keep function names.
			if frames[0] != "    at checkPositive (lib.ts:6:15)" || frames[1] != "    at run (index.ts:8:10)" {
				t.Errorf("frames = %q", frames[:2])
			}
			// The last frame is the harness's own call, which the map
			// does not cover: it stays as the engine wrote it.
			if last := frames[len(frames)-1]; !strings.Contains(last, "worker.js:") {
				t.Errorf("an unmapped frame was rewritten: %q", last)
			}
		})
	}
}

// runAndCatch evaluates code plus call, named worker.js, and returns the
// stack of what it throws.
func runAndCatch(t *testing.T, code string, bytecode bool, call string) string {
	t.Helper()
	vm, err := engine.New(engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	src := code + "\n" + call + ";\n"
	var v engine.Value
	if bytecode {
		var bc []byte
		bc, err = vm.Compile(src, "worker.js")
		if err != nil {
			t.Fatal(err)
		}
		v, err = vm.EvalBytecode(bc)
	} else {
		v, err = vm.Eval(src, "worker.js")
	}
	v.Free()
	var je *engine.Error
	if !errors.As(err, &je) {
		t.Fatalf("err = %v, want an exception", err)
	}
	return je.Stack
}

// vlq encodes values as source maps do, to write maps by hand.
func vlq(values ...int) string {
	const digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var b strings.Builder
	for _, v := range values {
		u := v << 1
		if v < 0 {
			u = (-v << 1) | 1
		}
		for {
			d := u & 31
			u >>= 5
			if u != 0 {
				d |= 32
			}
			b.WriteByte(digits[d])
			if u == 0 {
				break
			}
		}
	}
	return b.String()
}

func mapJSON(t testing.TB, fields map[string]any) []byte {
	t.Helper()
	m := map[string]any{"version": 3, "sources": []string{"a.ts", "b.ts"}, "names": []string{}}
	for k, v := range fields {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// handMap maps:
//
//	line 1: col 0 -> a.ts:1:0, col 10 -> b.ts:5:2, col 20 -> a.ts:2:4
//	line 2: nothing
//	line 3: col 4 -> b.ts:3:0, col 8 -> no source
//	line 4: col 2 -> b.ts:7:1, col 6 -> b.ts:7:5 (a 5-field segment)
//	line 5: col 9 -> a.ts:9:0, col 3 -> a.ts:9:3 (out of order)
var handMappings = strings.Join([]string{
	vlq(0, 0, 0, 0) + "," + vlq(10, 1, 4, 2) + "," + vlq(10, -1, -3, 2),
	"",
	vlq(4, 1, 1, -4) + "," + vlq(4),
	vlq(2, 0, 4, 1) + "," + vlq(4, 0, 0, 4, 0),
	vlq(9, -1, 2, -5) + "," + vlq(-6, 0, 0, 3),
}, ";")

func TestSource(t *testing.T) {
	m, err := sourcemap.Parse(mapJSON(t, map[string]any{"mappings": handMappings}))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		line, col  int
		file       string
		oline, ocl int
		ok         bool
	}{
		{1, 0, "a.ts", 1, 0, true},
		{1, 9, "a.ts", 1, 0, true},
		{1, 10, "b.ts", 5, 2, true},
		{1, 19, "b.ts", 5, 2, true},
		{1, 500, "a.ts", 2, 4, true},
		{2, 0, "", 0, 0, false},
		{3, 0, "b.ts", 3, 0, true}, // before the first segment: the line's first
		{3, 5, "b.ts", 3, 0, true},
		{3, 8, "", 0, 0, false}, // a segment without a source
		{4, 3, "b.ts", 7, 1, true},
		{4, 6, "b.ts", 7, 5, true},
		{5, 0, "a.ts", 9, 3, true},
		{5, 4, "a.ts", 9, 3, true},
		{5, 9, "a.ts", 9, 0, true},
		{6, 0, "", 0, 0, false},
		{0, 0, "", 0, 0, false},
		{-1, 0, "", 0, 0, false},
	}
	for _, tt := range tests {
		file, l, c, ok := m.Source(tt.line, tt.col)
		if file != tt.file || l != tt.oline || c != tt.ocl || ok != tt.ok {
			t.Errorf("Source(%d, %d) = %q %d %d %v, want %q %d %d %v", tt.line, tt.col, file, l, c, ok, tt.file, tt.oline, tt.ocl, tt.ok)
		}
	}
}

// TestManyLines crosses the index's checkpoints: line i maps to a.ts or
// b.ts (alternating) at line 2i, column i, and every fifth line is empty.
func TestManyLines(t *testing.T) {
	var lines []string
	prevSrc, prevLine, prevCol := 0, 0, 0
	for i := 1; i <= 100; i++ {
		if i%5 == 0 {
			lines = append(lines, "")
			continue
		}
		src, line, col := i%2, 2*i-1, i
		lines = append(lines, vlq(i%3, src-prevSrc, line-prevLine, col-prevCol))
		prevSrc, prevLine, prevCol = src, line, col
	}
	m, err := sourcemap.Parse(mapJSON(t, map[string]any{"mappings": strings.Join(lines, ";")}))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 101; i++ {
		file, l, c, ok := m.Source(i, 50)
		if i%5 == 0 || i > 100 {
			if ok {
				t.Errorf("line %d: mapped to %s:%d:%d, want nothing", i, file, l, c)
			}
			continue
		}
		if want := []string{"a.ts", "b.ts"}[i%2]; !ok || file != want || l != 2*i || c != i {
			t.Errorf("line %d: %s:%d:%d %v, want %s:%d:%d", i, file, l, c, ok, want, 2*i, i)
		}
	}
}

func TestSourceRoot(t *testing.T) {
	m, err := sourcemap.Parse(mapJSON(t, map[string]any{"mappings": handMappings, "sourceRoot": "src/"}))
	if err != nil {
		t.Fatal(err)
	}
	if file, _, _, _ := m.Source(1, 10); file != "src/b.ts" {
		t.Errorf("file = %q", file)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"not JSON", []byte("{not json"), "invalid character"},
		{"version 2", []byte(`{"version":2,"sources":[],"mappings":""}`), "version 2"},
		{"index map", []byte(`{"version":3,"sections":[]}`), "sections"},
		{"bad character", mapJSON(t, map[string]any{"mappings": "AA!A"}), "bad base64"},
		{"two fields", mapJSON(t, map[string]any{"mappings": "AA"}), "2 fields"},
		{"six fields", mapJSON(t, map[string]any{"mappings": "AAAAAA"}), "more than 5"},
		{"source out of range", mapJSON(t, map[string]any{"mappings": vlq(0, 2, 0, 0)}), "out of range"},
		{"cut off", mapJSON(t, map[string]any{"mappings": "AAAg"}), "cut off"},
		{"negative line", mapJSON(t, map[string]any{"mappings": vlq(0, 0, -1, 0)}), "negative"},
		{"negative column", mapJSON(t, map[string]any{"mappings": vlq(0, 0, 0, 0) + "," + vlq(-1, 0, 0, 0)}), "negative generated column"},
		{"too big", mapJSON(t, map[string]any{"mappings": "gggggggA"}), "32 bits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sourcemap.Parse(tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "sourcemap: ") {
				t.Errorf("err = %v, want one that says %q", err, tt.want)
			}
		})
	}
}

func TestEmptyMappings(t *testing.T) {
	// A bundle of an entry that is only types maps nothing; that is not
	// an error.
	m, err := sourcemap.Parse([]byte(`{"version":3,"sources":[],"mappings":""}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, ok := m.Source(1, 0); ok {
		t.Error("an empty map mapped a position")
	}
}

func TestRewriteStack(t *testing.T) {
	m, err := sourcemap.Parse(mapJSON(t, map[string]any{"mappings": handMappings}))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, in, want string }{
		{"named frame", "    at handler (worker.js:1:11)\n", "    at handler (b.ts:5:3)\n"},
		{"anonymous frame", "    at <anonymous> (worker.js:1:21)", "    at <anonymous> (a.ts:2:5)"},
		{"frame without a name", "    at worker.js:4:7\n", "    at b.ts:7:6\n"},
		{"frame without a column", "    at f (worker.js:3)\n", "    at f (b.ts:3)\n"},
		{"name with spaces", "    at new Thing (worker.js:1:1)", "    at new Thing (a.ts:1:1)"},
		{"native frame", "    at map (native)\n", "    at map (native)\n"},
		{"another file", "    at f (ext:fetch/fetch.js:1:11)\n", "    at f (ext:fetch/fetch.js:1:11)\n"},
		{"a file that ends like the bundle", "    at f (myworker.js:1:11)\n", "    at f (myworker.js:1:11)\n"},
		{"unmapped line", "    at f (worker.js:2:1)\n", "    at f (worker.js:2:1)\n"},
		{"segment without a source", "    at f (worker.js:3:9)\n", "    at f (worker.js:3:9)\n"},
		{"message is not a frame", "Error: bad input at worker.js:1:11\n    at f (worker.js:1:11)\n", "Error: bad input at worker.js:1:11\n    at f (b.ts:5:3)\n"},
		{"CRLF", "    at f (worker.js:1:11)\r\n    at g (worker.js:1:1)\r\n", "    at f (b.ts:5:3)\r\n    at g (a.ts:1:1)\r\n"},
		{
			"whole stack",
			"TypeError: x is not a function\n    at f (worker.js:1:11)\n    at dispatch (ext:worker/worker.js:80:9)\n    at <eval> (worker.js:4:3)\n",
			"TypeError: x is not a function\n    at f (b.ts:5:3)\n    at dispatch (ext:worker/worker.js:80:9)\n    at <eval> (b.ts:7:2)\n",
		},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := m.RewriteStack(tt.in, "worker.js"); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
	if in := "    at f (worker.js:1:11)"; m.RewriteStack(in, "") != in {
		t.Error("an empty bundle name matched")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"version":3,"sources":["a.ts","b.ts"],"mappings":"`+handMappings+`"}`), 1, 10)
	f.Add([]byte(`{"version":3,"sources":["a"],"sourcesContent":[null],"mappings":";;AAAA,CAAC;gBAAgB"}`), 3, 0)
	f.Add([]byte(`{"version":3,"sources":[null],"mappings":"A"}`), 1, 0)
	f.Fuzz(func(t *testing.T, data []byte, line, col int) {
		m, err := sourcemap.Parse(data)
		if err != nil {
			return
		}
		m.Source(line, col)
		m.RewriteStack("    at f (worker.js:"+itoa(line)+":"+itoa(col)+")\n    at worker.js:"+itoa(line)+"\n", "worker.js")
	})
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
