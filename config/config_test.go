package config

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden parses testdata/good/*.toml and compares the Config, as JSON,
// with NAME.json; and testdata/bad/*.toml, comparing the error text with
// NAME.err. Run with -update to rewrite the golden files after checking
// the differences.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*/*.toml")
	if err != nil || len(files) == 0 {
		t.Fatal("no testdata", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.ToSlash(file), ".toml"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Parse(data, "/proj")
			var got, golden string
			if strings.Contains(file, string(filepath.Separator)+"good"+string(filepath.Separator)) {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				b, err := json.MarshalIndent(c, "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				got, golden = string(b)+"\n", strings.TrimSuffix(file, ".toml")+".json"
			} else {
				if err == nil {
					t.Fatalf("Parse accepted it: %+v", c)
				}
				if c != nil {
					t.Errorf("Parse returned a Config with an error")
				}
				got, golden = err.Error()+"\n", strings.TrimSuffix(file, ".toml")+".err"
				// Every problem is an *Error with a key or a line.
				var e *Error
				if !errors.As(err, &e) || (e.Key == "" && e.Line == 0) || e.File != FileName {
					t.Errorf("error is not a located *Error: %#v", err)
				}
			}
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs:\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	c, err := Parse([]byte(`main = "w.js"`), "/work/My Shop!")
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "my-shop" || c.Main != "/work/My Shop!/w.js" || c.Dir != "/work/My Shop!" ||
		c.Dev.Port != DefaultDevPort || c.Dev.Host != DefaultDevHost || c.Limits != (Limits{}) || c.Origin != "" ||
		c.Vars == nil || len(c.Vars) != 0 || c.Geo.DB != "" || c.Geo.DBs != nil {
		t.Errorf("defaults: %+v", c)
	}
	for dir, name := range map[string]string{"/x/---": DefaultName, "/x/API_v2": "api_v2", "/x/" + strings.Repeat("a", 80): strings.Repeat("a", 63), "/x/é": DefaultName} {
		if c, _ := Parse([]byte(`main = "w.js"`), dir); c.Name != name {
			t.Errorf("name from %q = %q, want %q", dir, c.Name, name)
		}
	}
	// A relative dir is made absolute.
	c, err = Parse([]byte(`main = "w.js"`), "rel")
	if err != nil || !filepath.IsAbs(c.Main) || !filepath.IsAbs(c.Dir) {
		t.Errorf("relative dir: %+v %v", c, err)
	}
}

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "src/index.js", "export default {}")
	write(t, dir, "geo/city.mmdb", "")
	file := write(t, dir, FileName, "main = \"src/index.js\"\n[geo]\ndb = \"geo/city.mmdb\"\n")
	for _, path := range []string{dir, file} {
		c, err := Load(path)
		if err != nil {
			t.Fatalf("Load(%s): %v", path, err)
		}
		if c.Main != filepath.Join(dir, "src/index.js") || c.Dir != dir || c.Geo.DB != filepath.Join(dir, "geo/city.mmdb") || c.Name != filepath.Base(dir) && c.Name != nameFromDir(dir) {
			t.Errorf("Load(%s) = %+v", path, c)
		}
	}

	// Errors name the file as given, the line and the key.
	write(t, dir, FileName, "main = \"src/missing.js\"\n\n[geo]\ndb = [\"geo/city.mmdb\", \"geo/asn.mmdb\"]\n[limits]\ncpu_ms = -5\n")
	_, err := Load(dir)
	want := filepath.Join(dir, FileName) + ":1: main: no such file: " + filepath.Join(dir, "src/missing.js") + "\n" +
		filepath.Join(dir, FileName) + ":4: geo.db[1]: no such file: " + filepath.Join(dir, "geo/asn.mmdb") + "\n" +
		filepath.Join(dir, FileName) + ":6: limits.cpu_ms: must be a positive integer, got -5"
	if err == nil || err.Error() != want {
		t.Errorf("Load errors:\n%v\nwant\n%s", err, want)
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Error("missing file error does not wrap fs.ErrNotExist")
	}

	write(t, dir, FileName, "main = \"src\"\n")
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "main: "+filepath.Join(dir, "src")+" is a folder") {
		t.Errorf("main folder: %v", err)
	}

	empty := t.TempDir()
	if _, err := Load(empty); err == nil || !strings.Contains(err.Error(), "no verge.toml in "+empty) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("folder without verge.toml: %v", err)
	}
	if _, err := Load(filepath.Join(empty, "nope.toml")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestLoadBuild: with build, main is what the build writes, so Load does
// not require it to exist yet.
func TestLoadBuild(t *testing.T) {
	dir := t.TempDir()
	cmd := "GOOS=wasip1 GOARCH=wasm go build -o out/app.wasm ./"
	write(t, dir, FileName, "main = \"out/app.wasm\"\nbuild = \""+cmd+"\"\n")
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Build != cmd || c.Main != filepath.Join(dir, "out/app.wasm") {
		t.Errorf("build %q main %q", c.Build, c.Main)
	}
	write(t, dir, FileName, "main = \"out/app.wasm\"\n")
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "main: no such file") {
		t.Errorf("without build, a missing main: %v", err)
	}
}

func TestErrorFormat(t *testing.T) {
	for _, tt := range []struct {
		e    Error
		want string
	}{
		{Error{File: "verge.toml", Line: 7, Key: "limits.cpu_ms", Msg: "must be a positive integer, got -5"}, "verge.toml:7: limits.cpu_ms: must be a positive integer, got -5"},
		{Error{File: "verge.toml", Key: "main", Msg: "required"}, "verge.toml: main: required"},
		{Error{File: "verge.toml", Line: 2, Msg: "invalid TOML"}, "verge.toml:2: invalid TOML"},
		{Error{Key: "k", Msg: "m"}, "k: m"},
	} {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("%q, want %q", got, tt.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	for _, tt := range []struct{ table, key, want string }{
		{"", "mian", `(did you mean "main"?)`},
		{"", "Main", `(did you mean "main"?)`},
		{"", "compatibilityDate", `(did you mean "compatibility_date"?)`},
		{"", "kv_namespace", `(did you mean "kv_namespaces"?)`},
		{"", "orgin", `(did you mean "origin"?)`},
		{"", "cpu_ms", `(did you mean "cpu_ms" under [limits]?)`},
		{"", "db", `(did you mean "db" under [geo]?)`},
		{"dev", "origin", `("origin" is a top-level key: keys after a [dev] header belong to that table, so move it above the first [table])`},
		{"limits", "cpu", `(did you mean "cpu_ms"?)`},
		{"limits", "memory", `(did you mean "memory_mb"?)`},
		{"limits", "CPU-MS", `(did you mean "cpu_ms"?)`},
		{"limits", "zzzzzz", `; valid keys: cpu_ms, memory_mb, subrequests, wall_ms, startup_ms, request_body_mb, response_body_mb`},
		{"", "zzzzzz", ``},
		{"", strings.Repeat("x", 200), ``},
	} {
		if got := strings.TrimSpace(suggest(tt.table, tt.key)); got != tt.want {
			t.Errorf("suggest(%q, %q) = %q, want %q", tt.table, tt.key, got, tt.want)
		}
	}
}

func TestKeyLines(t *testing.T) {
	src := `# comment [not.a.table]
name = "x" # trailing
"quoted key" = 1
a.b . "c.d" = { e = 1, f = [1, 2] }
multi = """
x = "not a key"
[not.a.table]
"""
lit = '''
y = 2 '''
arr = [
  "one", # a comment ]
  { pattern = "two" },

  [3, 4],
]

[t1]
k = 1979-05-27 07:32:00Z
[t1.sub]
k2 = 'it''s'
[[arr2]]
x = 1
[[arr2]]
x = 2
[ "spaced" . key ]
z = true
`
	got := keyLines(src)
	want := map[string]int{
		"name": 2, `"quoted key"`: 3, "a": 4, "a.b": 4, `a.b."c.d"`: 4, `a.b."c.d".e`: 4, `a.b."c.d".f`: 4,
		`a.b."c.d".f[0]`: 4, `a.b."c.d".f[1]`: 4, "multi": 5, "lit": 9,
		"arr": 11, "arr[0]": 12, "arr[1]": 13, "arr[1].pattern": 13, "arr[2]": 15, "arr[2][0]": 15, "arr[2][1]": 15,
		"t1": 18, "t1.k": 19, "t1.sub": 20, "t1.sub.k2": 21,
		"arr2": 22, "arr2[0]": 22, "arr2[0].x": 23, "arr2[1]": 24, "arr2[1].x": 25,
		"spaced": 26, "spaced.key": 26, "spaced.key.z": 27,
	}
	for k, l := range want {
		if got[k] != l {
			t.Errorf("line of %s = %d, want %d", k, got[k], l)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected key %s (line %d)", k, got[k])
		}
	}
	if l := lineOf(got, "arr2[1].x.missing"); l != 25 {
		t.Errorf("lineOf parent = %d", l)
	}
	if l := lineOf(got, `a.b."c.d".g`); l != 4 {
		t.Errorf("lineOf quoted parent = %d", l)
	}
	if l := lineOf(got, "nothing"); l != 0 {
		t.Errorf("lineOf unknown = %d", l)
	}
}

// FuzzParse checks that Parse never panics, that an accepted config is
// complete, and that the line finder copes with whatever TOML parses.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.toml")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("main = \"a.js\"\n[vars]\nA = 1"))
	f.Add([]byte("routes = [{pattern = 1}]"))
	f.Add([]byte("a = \"\"\"\n\\\"\"\"\"\n[[b]]\n[[b]]\nc.'d' = [[1], {e = 2}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		keyLines(string(data)) // must terminate on any input
		c, err := Parse(data, "/p")
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("not an *Error: %v", err)
			}
			return
		}
		if !filepath.IsAbs(c.Main) || c.Name == "" || !validName(c.Name) || c.Dev.Port < 1 || c.Dev.Port > 65535 || c.Dev.Host == "" {
			t.Fatalf("accepted an incomplete config: %+v", c)
		}
		l := c.Limits
		if l.CPUMs < 0 || l.MemoryMB < 0 || l.Subrequests < 0 || l.WallMs < 0 {
			t.Fatalf("negative limits: %+v", l)
		}
		for _, kv := range c.KVNamespaces {
			if !isIdentifier(kv.Binding) || kv.ID == "" {
				t.Fatalf("bad KV namespace: %+v", kv)
			}
		}
		for name := range c.JSONVars {
			if !json.Valid([]byte(c.Vars[name])) {
				t.Fatalf("var %s is not JSON: %q", name, c.Vars[name])
			}
		}
	})
}

func TestNodeCompat(t *testing.T) {
	for flags, want := range map[string]bool{
		`["nodejs_compat"]`: true,
		`["streams_enable_constructors", "nodejs_compat"]`: true,
		`["nodejs_als"]`: false,
		`[]`:             false,
	} {
		c, err := Parse([]byte("name = \"w\"\nmain = \"w.js\"\ncompatibility_flags = "+flags+"\n"), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if c.NodeCompat() != want {
			t.Errorf("%s: NodeCompat() = %v", flags, !want)
		}
	}
}
