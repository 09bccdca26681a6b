package bundle

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"
)

// EntryGlobal is the global variable the bundle sets to the entry's
// exports.
const EntryGlobal = "__verge_entry"

// Options describe one build.
type Options struct {
	// Entry is the entry file (.js, .mjs, .cjs, .jsx, .ts, .mts, .cts,
	// .tsx). With Source set it need not exist: it names the source in
	// messages and the source map, picks the loader by its extension, and
	// its folder is where imports resolve from. Relative paths are relative
	// to the current directory.
	Entry string
	// Source, when not empty, is the entry's text: one-file workers and
	// tests. Imports still resolve from Entry's folder (or the current
	// directory when Entry is empty, which names the source worker.js).
	Source string
	// Minify minifies whitespace, syntax and identifiers. Functions and
	// classes keep their names (esbuild's keepNames).
	Minify bool
	// Define replaces global expressions with constants, as esbuild's
	// define: {"DEBUG": "false", "process.env.API": `"https://x"`}. Values
	// are JavaScript expressions (JSON or identifiers). process.env.NODE_ENV
	// is "production" unless Define sets it (npm packages test it, and
	// workers have no process object).
	Define map[string]string
	// Sourcemap may be set for clarity at the call site; a source map is
	// produced unless NoSourcemap is set.
	Sourcemap bool
	// NoSourcemap skips the source map (Result.SourceMap is nil), which
	// makes the build a little faster.
	NoSourcemap bool
	// NodeCompat is the nodejs_compat compatibility flag: imports of the
	// Node.js built-ins that package nodejs provides (node:buffer, events,
	// ...) resolve to its modules, and the script defines the globals
	// Buffer and process before the entry runs. Without it such imports
	// fail the build, unless the entry is a Lambda@Edge handler (it
	// exports handler and no default), which always has it.
	NodeCompat bool
}

// Result is a built bundle.
type Result struct {
	// Code is the classic script (see the package documentation for what
	// it defines).
	Code []byte
	// SourceMap is the external source map (version 3 JSON) for Code, with
	// sourcesContent, and sources relative to the entry's folder
	// (node_modules/pkg/index.js, src/util.ts).
	SourceMap []byte
	// Inputs are the absolute paths of the files the build read, sorted,
	// for a file watcher. They are set also when the build fails, for the
	// files read before it did.
	Inputs []string
	// Warnings are esbuild's warnings (for example, `module.exports` in a
	// file that also uses `export`). The build succeeded anyway.
	Warnings []Message
	// Wasm holds the WebAssembly modules the code imports (`import mod
	// from "./add.wasm"`), by their path relative to the entry's folder
	// with forward slashes; they ship beside Code (see wasm.go).
	Wasm map[string][]byte
	// NodeCompat reports whether the build had Node.js compatibility:
	// Options.NodeCompat, or an entry that is a Lambda@Edge handler.
	NodeCompat bool
}

// nodeEnvKey is the define that npm packages use to pick a build flavour.
const nodeEnvKey = "process.env.NODE_ENV"

// Build bundles opts.Entry, or opts.Source, into one script.
//
// When the build fails because of the code (syntax, a missing import, an
// unsupported feature), the error is a *BuildError and the Result is not
// nil: it holds Inputs so that a watcher can rebuild when a file is fixed.
// Other errors (no entry, an unreadable working directory) come with a nil
// Result.
func Build(opts Options) (*Result, error) {
	if opts.Entry == "" && opts.Source == "" {
		return nil, errors.New("bundle: no entry file and no source")
	}
	cwd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("bundle: working directory: %w", err)
	}
	entry := opts.Entry
	if entry == "" {
		entry = "worker.js"
	}
	abs := entry
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(cwd, entry)
	}
	dir := filepath.Dir(abs)
	define := opts.Define
	if _, ok := define[nodeEnvKey]; !ok {
		define = make(map[string]string, len(opts.Define)+1)
		for k, v := range opts.Define {
			define[k] = v
		}
		define[nodeEnvKey] = `"production"`
	}
	rec := &recorder{}
	wasm := &wasmModules{dir: dir, files: map[string][]byte{}}
	bo := api.BuildOptions{
		Bundle:     true,
		Write:      false,
		Format:     api.FormatIIFE,
		GlobalName: EntryGlobal,
		// The IIFE returns nothing for an entry without exports; the
		// contract is an object.
		Footer:     map[string]string{"js": EntryGlobal + " ??= {};"},
		Platform:   api.PlatformNeutral,
		Target:     api.ES2022,
		MainFields: []string{"browser", "module", "main"},
		Conditions: []string{"workerd", "worker", "browser"},
		// Text and binary modules, as wrangler's default rules have them.
		Loader: map[string]api.Loader{
			".txt":  api.LoaderText,
			".html": api.LoaderText,
			".sql":  api.LoaderText,
			".bin":  api.LoaderBinary,
		},
		JSX:               api.JSXTransform,
		Define:            define,
		MinifySyntax:      opts.Minify,
		MinifyWhitespace:  opts.Minify,
		MinifyIdentifiers: opts.Minify,
		// Minified functions keep their names (fn.name, and so the names
		// in QuickJS's stack traces, which read it): a stack of "at i"
		// and "at b" helps nobody. It costs a defineProperty per named
		// function at load, which is why unminified builds skip it.
		KeepNames: opts.Minify,
		// Paths in the output (esbuild's "// src/util.ts" comments, the
		// CommonJS wrappers' keys) are relative to this folder, so the
		// same project builds to the same bytes wherever it is.
		AbsWorkingDir: dir,
		// The output is never written; its path makes the map's sources
		// relative to the entry's folder.
		Outfile:  filepath.Join(dir, "__verge_bundle.js"),
		LogLevel: api.LogLevelSilent,
		// The recorder comes first: it sees every file, .wasm included,
		// and leaves loading to what follows.
		Plugins: []api.Plugin{rec.plugin(), wasm.plugin()},
	}
	if !opts.NoSourcemap {
		bo.Sourcemap = api.SourceMapExternal
		bo.SourcesContent = api.SourcesContentInclude
	}
	if opts.Source != "" {
		bo.Stdin = &api.StdinOptions{
			Contents:   opts.Source,
			ResolveDir: dir,
			Sourcefile: filepath.Base(abs),
			Loader:     loaderFor(abs),
		}
	} else {
		if _, err := os.Stat(abs); err != nil {
			return nil, fmt.Errorf("bundle: entry: %w", err)
		}
		bo.EntryPoints = []string{abs}
	}

	nodeCompat := opts.NodeCompat || isLambdaHandler(bo)
	if nodeCompat {
		bo.Plugins = append(bo.Plugins, nodePlugin())
		bo.Inject = []string{globalsInject}
	}

	res := api.Build(bo)
	if nodeCompat && len(res.Errors) == 0 && mentionsBuffer.Match(script(res.OutputFiles)) {
		// The code mentions Buffer: build again with the global defined.
		// (An injected module cannot be tree-shaken away when unused; see
		// nodejs.BufferGlobalModule for why it matters.)
		bo.Inject = append(bo.Inject, bufferGlobalInject)
		res = api.Build(bo)
	}
	out := &Result{Warnings: messages(res.Warnings, dir, cwd, true, nodeCompat), Inputs: rec.paths(), NodeCompat: nodeCompat}
	if len(res.Errors) > 0 {
		return out, &BuildError{Entry: entry, Messages: messages(res.Errors, dir, cwd, false, nodeCompat)}
	}
	for _, f := range res.OutputFiles {
		if strings.HasSuffix(f.Path, ".map") {
			out.SourceMap = f.Contents
		} else {
			out.Code = f.Contents
		}
	}
	if out.Code == nil {
		return nil, fmt.Errorf("bundle: %s: esbuild produced no script", entry)
	}
	out.Wasm = wasm.result()
	return out, nil
}

// loaderFor picks the loader for a Source by its entry's extension.
func loaderFor(path string) api.Loader {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".ts", ".mts", ".cts":
		return api.LoaderTS
	case ".tsx":
		return api.LoaderTSX
	case ".jsx":
		return api.LoaderJSX
	}
	return api.LoaderJS
}

// recorder notes the files esbuild loads. esbuild's metafile says the same
// on success but is empty when the build fails, which is when a watcher
// needs the list most.
type recorder struct {
	mu    sync.Mutex
	files []string
}

func (r *recorder) plugin() api.Plugin {
	return api.Plugin{
		Name: "verge-inputs",
		Setup: func(b api.PluginBuild) {
			b.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: "file"}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
				r.mu.Lock()
				r.files = append(r.files, a.Path)
				r.mu.Unlock()
				return api.OnLoadResult{}, nil // esbuild loads the file itself
			})
		},
	}
}

func (r *recorder) paths() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := slices.Clone(r.files)
	slices.Sort(out)
	return slices.Compact(out)
}

// script is the bundle among esbuild's output files (not the source map).
func script(files []api.OutputFile) []byte {
	for _, f := range files {
		if !strings.HasSuffix(f.Path, ".map") {
			return f.Contents
		}
	}
	return nil
}
