package bundle_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/verge-edge/verge/bundle"
	"github.com/verge-edge/verge/engine"
)

// evalBundle runs pre, then the bundle as the runtime does (a classic
// script named worker.js), then each expression, and returns
// String(expression) for each.
func evalBundle(t *testing.T, code []byte, pre string, exprs []string) []string {
	t.Helper()
	vm, err := engine.New(engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	if pre != "" {
		v, err := vm.Eval(pre, "pre.js")
		if err != nil {
			t.Fatalf("pre: %v", err)
		}
		v.Free()
	}
	v, err := vm.Eval(string(code), "worker.js")
	if err != nil {
		t.Fatalf("evaluating the bundle: %s\n%s", engine.FormatError(err), code)
	}
	v.Free()
	out := make([]string, len(exprs))
	for i, e := range exprs {
		v, err := vm.Eval("String("+e+")", "check.js")
		if err != nil {
			t.Fatalf("%s: %s", e, engine.FormatError(err))
		}
		out[i], err = v.String()
		v.Free()
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// serviceWorkerGlobals stands in for the runtime's addEventListener.
const serviceWorkerGlobals = `var listeners = {};
function addEventListener(type, f) { listeners[type] = f; }
function dispatchFetch() { let r; listeners.fetch({ respondWith: (x) => { r = x; } }); return r; }`

// TestEntryContract builds each kind of entry and checks, in a real VM,
// what __verge_entry holds: what the runtime relies on to find the handler.
func TestEntryContract(t *testing.T) {
	tests := []struct {
		name   string
		opts   bundle.Options
		pre    string
		checks [][2]string // JavaScript expression, String() of its value
	}{
		{
			name: "ES module with export default {fetch}",
			opts: bundle.Options{Entry: "testdata/esm/worker.js"},
			checks: [][2]string{
				{"typeof __verge_entry.default.fetch", "function"},
				{"__verge_entry.default.fetch() instanceof Promise", "true"},
				{"__verge_entry.config.matcher", "/api/:path*"},
				{"Object.keys(__verge_entry).sort()", "config,default"},
				{"typeof __verge_entry", "object"},
			},
		},
		{
			name: "service worker without exports",
			opts: bundle.Options{Entry: "testdata/serviceworker/worker.js"},
			pre:  serviceWorkerGlobals,
			checks: [][2]string{
				{"typeof listeners.fetch", "function"},
				{"dispatchFetch()", "hello from a service worker"},
				{"JSON.stringify(__verge_entry)", "{}"},
				{"__verge_entry.default", "undefined"},
			},
		},
		{
			name: "CommonJS exports.handler",
			opts: bundle.Options{Entry: "testdata/cjs/handler.js"},
			checks: [][2]string{
				{"typeof __verge_entry.handler", "function"},
				{"'default' in __verge_entry", "false"},
				{"Object.keys(__verge_entry)", "handler"},
			},
		},
		{
			name: "CommonJS module.exports with require",
			opts: bundle.Options{Entry: "testdata/cjs/moduleexports.js"},
			checks: [][2]string{
				{"__verge_entry.handler({name: 'lambda'})", "hello lambda"},
			},
		},
		{
			name: "TypeScript with types, an enum and a local import",
			opts: bundle.Options{Entry: "testdata/ts/src/index.ts"},
			checks: [][2]string{
				{"__verge_entry.default.fetch(null, {NAME: 'ts'})", "HELLO TS"},
			},
		},
		{
			name: "local modules, named and namespace imports",
			opts: bundle.Options{Entry: "testdata/local/worker.mjs"},
			checks: [][2]string{
				{"__verge_entry.default.fetch()", "SUM 5!"},
			},
		},
		{
			name: "packages from node_modules in a parent folder",
			opts: bundle.Options{Entry: "testdata/npm/src/worker.js"},
			checks: [][2]string{
				// "workerd" wins among export conditions, "browser"
				// among main fields.
				{"__verge_entry.default.fetch()", "fakepkg workerd browser"},
			},
		},
		{
			name: "JSX (classic runtime, pragma)",
			opts: bundle.Options{Entry: "testdata/jsx/worker.jsx"},
			checks: [][2]string{
				{"__verge_entry.default.fetch()", "<p>hello <b>jsx</b></p>"},
			},
		},
		{
			name: "text and binary modules",
			opts: bundle.Options{Entry: "testdata/text/worker.js"},
			checks: [][2]string{
				{"__verge_entry.default.fetch()", "<h1>hello text</h1> 1,2,255"},
			},
		},
		{
			name: "Source with imports from Entry's folder",
			opts: bundle.Options{
				Entry:  "testdata/local/inline.ts",
				Source: "import { add } from './lib/math.js';\nexport default { fetch: (): number => add(40, 2) };\n",
			},
			checks: [][2]string{
				{"__verge_entry.default.fetch()", "42"},
			},
		},
		{
			name: "Source without Entry",
			opts: bundle.Options{Source: "exports.handler = () => 'no entry';"},
			checks: [][2]string{
				{"__verge_entry.handler()", "no entry"},
			},
		},
		{
			name: "minified ES module",
			opts: bundle.Options{Entry: "testdata/ts/src/index.ts", Minify: true},
			checks: [][2]string{
				{"__verge_entry.default.fetch(null, {NAME: 'min'})", "HELLO MIN"},
			},
		},
		{
			name: "minified service worker",
			opts: bundle.Options{Entry: "testdata/serviceworker/worker.js", Minify: true},
			pre:  serviceWorkerGlobals,
			checks: [][2]string{
				{"dispatchFetch()", "hello from a service worker"},
				{"JSON.stringify(__verge_entry)", "{}"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := bundle.Build(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			code := string(res.Code)
			if !strings.HasPrefix(code, "var __verge_entry = (() => {") && !strings.HasPrefix(code, "var __verge_entry=(()=>{") {
				t.Errorf("the bundle does not start by declaring the global:\n%.200s", code)
			}
			for _, bad := range []string{"sourceMappingURL", "\nexport ", "\nimport "} {
				if strings.Contains(code, bad) {
					t.Errorf("the bundle contains %q", bad)
				}
			}
			for i, c := range code {
				if c > 127 {
					t.Errorf("non-ASCII %q at byte %d", c, i)
					break
				}
			}
			exprs := make([]string, len(tt.checks))
			for i, c := range tt.checks {
				exprs[i] = c[0]
			}
			got := evalBundle(t, res.Code, tt.pre, exprs)
			for i, c := range tt.checks {
				if got[i] != c[1] {
					t.Errorf("%s = %q, want %q", c[0], got[i], c[1])
				}
			}
		})
	}
}

// TestBuildErrors checks that each kind of failure names the file, line
// and column and says what is wrong.
func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name     string
		opts     bundle.Options
		file     string
		line     int
		column   int
		text     string // in the message's Text
		rendered string // in Error()
	}{
		{
			name:     "syntax error",
			opts:     bundle.Options{Entry: "testdata/syntax/worker.js"},
			file:     "testdata/syntax/worker.js",
			line:     3,
			column:   14,
			text:     `Unexpected ";"`,
			rendered: "testdata/syntax/worker.js:3:14: ERROR: Unexpected \";\"\n        const x = ;\n                  ^",
		},
		{
			name:     "missing local import",
			opts:     bundle.Options{Entry: "testdata/missing/worker.js"},
			file:     "testdata/missing/worker.js",
			line:     1,
			column:   24,
			text:     `Could not resolve "./does-not-exist"`,
			rendered: `testdata/missing/worker.js:1:24: ERROR: Could not resolve "./does-not-exist"`,
		},
		{
			name:     "missing package",
			opts:     bundle.Options{Entry: "testdata/w.js", Source: "import x from 'left-pad';\nexport default x;\n"},
			file:     "testdata/w.js",
			line:     1,
			column:   14,
			text:     `Could not resolve "left-pad"`,
			rendered: "note: Is the package installed?",
		},
		{
			name:     "node: import",
			opts:     bundle.Options{Entry: "testdata/nodebuiltin/worker.js"},
			file:     "testdata/nodebuiltin/worker.js",
			line:     1,
			column:   23,
			text:     `Could not resolve "node:buffer": it is a Node.js built-in module; add compatibility_flags = ["nodejs_compat"] to verge.toml to use Verge's node:buffer`,
			rendered: `testdata/nodebuiltin/worker.js:1:23: ERROR: Could not resolve "node:buffer"`,
		},
		{
			name:     "bare Node built-in, not installed",
			opts:     bundle.Options{Entry: "testdata/w.ts", Source: "import { readFile } from 'fs/promises';\nexport default readFile;\n"},
			file:     "testdata/w.ts",
			line:     1,
			column:   25,
			text:     `Could not resolve "fs/promises": it is a Node.js built-in module`,
			rendered: "note: A package of that name in node_modules would be used instead",
		},
		{
			name:   "CommonJS require of a Node built-in",
			opts:   bundle.Options{Entry: "testdata/w.js", Source: "const path = require('path');\nmodule.exports = { fetch: () => new Response(path.sep) };\n"},
			file:   "testdata/w.js",
			line:   1,
			column: 21,
			text:   `Could not resolve "path": it is a Node.js built-in module; add compatibility_flags = ["nodejs_compat"]`,
		},
		{
			name:   "Node built-in that Verge does not provide",
			opts:   bundle.Options{Entry: "testdata/w.js", Source: "import fs from 'node:fs';\nexport default fs;\n"},
			file:   "testdata/w.js",
			line:   1,
			column: 15,
			text:   `Could not resolve "node:fs": it is a Node.js built-in module that Verge does not provide, even with the nodejs_compat compatibility flag (which provides assert, buffer, crypto, events, path, process, querystring, string_decoder and util)`,
		},
		{
			name:   "Node built-in that nodejs_compat does not provide",
			opts:   bundle.Options{Entry: "testdata/w.js", Source: "const net = require('net');\nexports.handler = () => net;\n", NodeCompat: true},
			file:   "testdata/w.js",
			line:   1,
			column: 20,
			text:   `Could not resolve "net": it is a Node.js built-in module that Verge's nodejs_compat does not provide (it provides assert, buffer`,
		},
		{
			name:   "top-level await",
			opts:   bundle.Options{Entry: "testdata/w.js", Source: "const x = await Promise.resolve(1);\nexport default x;\n"},
			file:   "testdata/w.js",
			line:   1,
			column: 10,
			text:   "Top-level await",
		},
		{
			name:   "TypeScript syntax in a .js Source",
			opts:   bundle.Options{Entry: "testdata/w.js", Source: "let x: number = 1;\n"},
			file:   "testdata/w.js",
			line:   1,
			column: 5,
			text:   `Expected ";" but found ":"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := bundle.Build(tt.opts)
			var be *bundle.BuildError
			if !errors.As(err, &be) {
				t.Fatalf("err = %v (%T), want a *BuildError", err, err)
			}
			if res == nil {
				t.Fatal("a failed build returned no Result (the watcher needs its Inputs)")
			}
			m := be.Messages[0]
			if m.File != tt.file || m.Line != tt.line || m.Column != tt.column {
				t.Errorf("at %s:%d:%d, want %s:%d:%d", m.File, m.Line, m.Column, tt.file, tt.line, tt.column)
			}
			if !strings.Contains(m.Text, tt.text) {
				t.Errorf("text %q lacks %q", m.Text, tt.text)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "build failed: ") {
				t.Errorf("Error() = %q", msg)
			}
			if tt.rendered != "" && !strings.Contains(msg, tt.rendered) {
				t.Errorf("Error() lacks %q:\n%s", tt.rendered, msg)
			}
			for _, bad := range []string{"external", "PlatformNode", "bundle for node"} {
				if strings.Contains(msg, bad) {
					t.Errorf("Error() gives esbuild's advice %q, which does not apply:\n%s", bad, msg)
				}
			}
		})
	}
}

func TestBareBuiltinNameInstalledAsPackage(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "node_modules/events/package.json", `{"name":"events","main":"events.js"}`)
	write(t, dir, "node_modules/events/events.js", `exports.EventEmitter = class EventEmitter { on() { return "on"; } };`)
	write(t, dir, "worker.js", "import { EventEmitter } from 'events';\nexport default { fetch: () => new EventEmitter().on() };\n")
	res, err := bundle.Build(bundle.Options{Entry: filepath.Join(dir, "worker.js")})
	if err != nil {
		t.Fatal(err)
	}
	if got := evalBundle(t, res.Code, "", []string{"__verge_entry.default.fetch()"}); got[0] != "on" {
		t.Errorf("got %q", got[0])
	}
}

// TestGuardedRequireOfBuiltin: packages probe for Node with a require()
// in try/catch; that must build, and fail at run time where it is caught,
// for the built-ins Verge does not provide (zlib, fs). A Lambda@Edge
// handler gets the ones it does provide (crypto).
func TestGuardedRequireOfBuiltin(t *testing.T) {
	src := "let c, z, f;\ntry { c = require('crypto'); } catch {}\ntry { z = require('zlib'); } catch {}\ntry { f = require('node:fs'); } catch {}\nexports.handler = () => typeof c + ',' + typeof z + ',' + typeof f;\n"
	res, err := bundle.Build(bundle.Options{Entry: "testdata/w.js", Source: src})
	if err != nil {
		t.Fatal(err)
	}
	if got := evalBundle(t, res.Code, "", []string{"__verge_entry.handler()"}); got[0] != "object,undefined,undefined" {
		t.Errorf("got %q", got[0])
	}
}

func TestInputs(t *testing.T) {
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	res, err := bundle.Build(bundle.Options{Entry: "testdata/npm/src/worker.js"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		abs("testdata/npm/node_modules/fakepkg/workerd.js"),
		abs("testdata/npm/node_modules/fields/browser.js"),
		abs("testdata/npm/src/worker.js"),
	}
	if !slices.Equal(res.Inputs, want) {
		t.Errorf("Inputs = %q, want %q", res.Inputs, want)
	}

	// A failed build still reports what it read.
	res, err = bundle.Build(bundle.Options{Entry: "testdata/missing/worker.js"})
	if err == nil || res == nil || !slices.Equal(res.Inputs, []string{abs("testdata/missing/worker.js")}) {
		t.Errorf("failed build: res = %+v, err = %v", res, err)
	}

	// Source has no file, but its imports are files.
	res, err = bundle.Build(bundle.Options{Entry: "testdata/local/x.js", Source: "export { add } from './lib/math.js';"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Inputs, []string{abs("testdata/local/lib/math.js")}) {
		t.Errorf("Source: Inputs = %q", res.Inputs)
	}
}

func TestSourceMap(t *testing.T) {
	res, err := bundle.Build(bundle.Options{Entry: "testdata/ts/src/index.ts"})
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Version        int      `json:"version"`
		Sources        []string `json:"sources"`
		SourcesContent []string `json:"sourcesContent"`
		Mappings       string   `json:"mappings"`
	}
	if err := json.Unmarshal(res.SourceMap, &m); err != nil {
		t.Fatal(err)
	}
	i := slices.Index(m.Sources, "greet.ts")
	if m.Version != 3 || len(m.Sources) != 2 || i < 0 || !slices.Contains(m.Sources, "index.ts") || m.Mappings == "" {
		t.Errorf("map: version %d, sources %q (want relative to the entry's folder), mappings %q", m.Version, m.Sources, m.Mappings)
	}
	src, _ := os.ReadFile("testdata/ts/src/greet.ts")
	if len(m.SourcesContent) != 2 || i < 0 || m.SourcesContent[i] != string(src) {
		t.Errorf("sourcesContent does not hold the original greet.ts")
	}

	res, err = bundle.Build(bundle.Options{Entry: "testdata/ts/src/index.ts", NoSourcemap: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.SourceMap != nil || len(res.Code) == 0 {
		t.Errorf("NoSourcemap: map %d bytes, code %d bytes", len(res.SourceMap), len(res.Code))
	}
}

// TestSameBytesFromAnyDirectory builds one project from two working
// directories: the output must not depend on where the build ran (deploys
// compare bundles by hash); only messages, which name files for the user,
// may.
func TestSameBytesFromAnyDirectory(t *testing.T) {
	entry, err := filepath.Abs("testdata/npm/src/worker.js")
	if err != nil {
		t.Fatal(err)
	}
	a, err := bundle.Build(bundle.Options{Entry: entry})
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Dir(entry))
	b, err := bundle.Build(bundle.Options{Entry: "worker.js"})
	if err != nil {
		t.Fatal(err)
	}
	if string(a.Code) != string(b.Code) || string(a.SourceMap) != string(b.SourceMap) {
		t.Errorf("the bundle depends on the working directory:\n%s\n---\n%s", a.Code, b.Code)
	}
	_, err = bundle.Build(bundle.Options{Entry: "../../missing/worker.js"})
	if err == nil || !strings.Contains(err.Error(), "\n../../missing/worker.js:1:24: ERROR:") {
		t.Errorf("message paths are not relative to the working directory: %v", err)
	}
}

func TestDefine(t *testing.T) {
	src := "export default { fetch: () => GREETING + ' ' + process.env.NODE_ENV };"
	res, err := bundle.Build(bundle.Options{Source: src, Define: map[string]string{"GREETING": `"hi"`}})
	if err != nil {
		t.Fatal(err)
	}
	if got := evalBundle(t, res.Code, "", []string{"__verge_entry.default.fetch()"}); got[0] != "hi production" {
		t.Errorf("got %q", got[0])
	}
	res, err = bundle.Build(bundle.Options{Source: src, Define: map[string]string{"GREETING": `"yo"`, "process.env.NODE_ENV": `"development"`}})
	if err != nil {
		t.Fatal(err)
	}
	if got := evalBundle(t, res.Code, "", []string{"__verge_entry.default.fetch()"}); got[0] != "yo development" {
		t.Errorf("got %q", got[0])
	}
}

func TestWarnings(t *testing.T) {
	res, err := bundle.Build(bundle.Options{Entry: "testdata/w.js", Source: "export const a = 1;\nmodule.exports.b = 2;\n"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || !res.Warnings[0].Warning || res.Warnings[0].Line != 2 {
		t.Fatalf("warnings = %+v", res.Warnings)
	}
	if s := res.Warnings[0].String(); !strings.HasPrefix(s, "testdata/w.js:2:0: WARNING: The CommonJS \"module\" variable") {
		t.Errorf("warning = %q", s)
	}
}

func TestNoEntry(t *testing.T) {
	if _, err := bundle.Build(bundle.Options{}); err == nil {
		t.Error("no error without an entry")
	}
	res, err := bundle.Build(bundle.Options{Entry: "testdata/nope.js"})
	if !errors.Is(err, fs.ErrNotExist) || res != nil {
		t.Errorf("res = %v, err = %v, want fs.ErrNotExist", res, err)
	}
}

// TestConcurrentBuilds runs builds at once (esbuild is safe for it; the
// plugins' state must be per build).
func TestConcurrentBuilds(t *testing.T) {
	entries := []string{"testdata/npm/src/worker.js", "testdata/ts/src/index.ts", "testdata/local/worker.mjs", "testdata/missing/worker.js"}
	want := make([]*bundle.Result, len(entries))
	for i, e := range entries {
		want[i], _ = bundle.Build(bundle.Options{Entry: e})
	}
	var wg sync.WaitGroup
	for n := 0; n < 8; n++ {
		for i, e := range entries {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, _ := bundle.Build(bundle.Options{Entry: e})
				if string(got.Code) != string(want[i].Code) || !slices.Equal(got.Inputs, want[i].Inputs) {
					t.Errorf("%s: a concurrent build differs", e)
				}
			}()
		}
	}
	wg.Wait()
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestNodeCompat: nodejs_compat resolves the provided built-ins and only
// then; a Lambda@Edge handler (exports handler, no default) has it without
// the flag, since Lambda handlers are Node programs.
func TestNodeCompat(t *testing.T) {
	tests := []struct {
		name, src string
		flag      bool
		want      bool // Result.NodeCompat
	}{
		{"flag", "import { Buffer } from 'node:buffer';\nexport default { fetch: () => new Response(Buffer.from('x')) };\n", true, true},
		{"no flag, no Node", "export default { fetch: () => new Response('x') };\n", false, false},
		{"CommonJS Lambda handler", "const qs = require('querystring');\nexports.handler = async (e) => qs.stringify(e);\n", false, true},
		{"CommonJS Lambda handler, object", "module.exports = { handler(e, c, cb) { cb(null, Buffer.from(e).toString()); } };\n", false, true},
		{"ES module Lambda handler", "import path from 'node:path';\nexport const handler = async () => path.join('a', 'b');\n", false, true},
		{"TypeScript Lambda handler", "export async function handler(e: unknown): Promise<string> { return Buffer.from(String(e)).toString('base64'); }\n", false, true},
		{"handler beside a default export", "export const handler = () => 1;\nexport default { fetch: () => new Response('x') };\n", false, false},
		{"handler named in a comment", "// exports.handler = x\nexport default { fetch: () => new Response('x') };\n", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entry := "testdata/w.js"
			if strings.Contains(tt.name, "TypeScript") {
				entry = "testdata/w.ts"
			}
			res, err := bundle.Build(bundle.Options{Entry: entry, Source: tt.src, NodeCompat: tt.flag})
			if err != nil {
				t.Fatal(err)
			}
			if res.NodeCompat != tt.want {
				t.Errorf("NodeCompat = %v, want %v", res.NodeCompat, tt.want)
			}
			// Without compatibility nothing of package nodejs is in the
			// bundle; with it, only what the worker imports (and the
			// globals, with Buffer's module for the global).
			if has := strings.Contains(string(res.Code), "verge-node:"); has != tt.want {
				t.Errorf("bundle has Node modules: %v, want %v", has, tt.want)
			}
			if tt.want && strings.Contains(string(res.Code), "verge-node:assert") {
				t.Error("node:assert is bundled though nothing imports it")
			}
		})
	}
}
