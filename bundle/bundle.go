// Package bundle turns a worker's entry file (JavaScript or TypeScript, ES
// modules or CommonJS, with imports from node_modules) into one classic
// script and a source map, with esbuild.
//
// The script sets the global __verge_entry to the entry module's exports,
// which the runtime (package worker) inspects to find the handler. Bundle
// must not run the code it bundles.
package bundle

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// EntryGlobal is the global the bundle assigns the entry's exports to.
const EntryGlobal = "__verge_entry"

// Options describe one build.
type Options struct {
	// Entry is the entry file. With Source set it only names the source
	// (for messages) and its folder resolves imports.
	Entry string
	// Source, when set, is the entry's contents (tests, one-off workers).
	Source string
	Minify bool
	// Define replaces global identifiers with expressions, as esbuild's
	// define (e.g. "process.env.NODE_ENV": `"production"`).
	Define map[string]string
	// Sourcemap is accepted for clarity; a source map is always produced.
	Sourcemap bool
}

// Result is a built bundle.
type Result struct {
	Code      []byte
	SourceMap []byte
	// Inputs are the absolute paths of the files read, for watching.
	Inputs []string
}

// Message is one build error or warning.
type Message struct {
	File     string
	Line     int // 1-based
	Column   int // 0-based, as esbuild reports
	Text     string
	LineText string
}

func (m Message) String() string {
	if m.File == "" {
		return "ERROR: " + m.Text
	}
	s := fmt.Sprintf("%s:%d:%d: ERROR: %s", m.File, m.Line, m.Column, m.Text)
	if m.LineText != "" {
		s += "\n    " + m.LineText + "\n    " + strings.Repeat(" ", m.Column) + "^"
	}
	return s
}

// BuildError lists what stopped a build.
type BuildError struct{ Messages []Message }

func (e *BuildError) Error() string {
	parts := make([]string, len(e.Messages))
	for i, m := range e.Messages {
		parts[i] = m.String()
	}
	return "build failed:\n" + strings.Join(parts, "\n")
}

// Build bundles opts.Entry (or opts.Source).
func Build(opts Options) (*Result, error) {
	if opts.Entry == "" && opts.Source == "" {
		return nil, fmt.Errorf("bundle: no entry")
	}
	entry := opts.Entry
	if entry == "" {
		entry = "worker.js"
	}
	abs, err := filepath.Abs(entry)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	dir := filepath.Dir(abs)
	bo := api.BuildOptions{
		Bundle:            true,
		Write:             false,
		Format:            api.FormatIIFE,
		GlobalName:        EntryGlobal,
		Platform:          api.PlatformNeutral,
		Target:            api.ES2022,
		MainFields:        []string{"browser", "module", "main"},
		Conditions:        []string{"workerd", "worker", "browser"},
		Sourcemap:         api.SourceMapExternal,
		SourcesContent:    api.SourcesContentInclude,
		Outfile:           filepath.Join(dir, "worker.js"),
		AbsWorkingDir:     dir,
		Define:            opts.Define,
		MinifySyntax:      opts.Minify,
		MinifyWhitespace:  opts.Minify,
		MinifyIdentifiers: opts.Minify,
		Metafile:          true,
		LogLevel:          api.LogLevelSilent,
		Plugins:           []api.Plugin{nodeBuiltins},
		JSX:               api.JSXTransform,
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
	res := api.Build(bo)
	if len(res.Errors) > 0 {
		return nil, buildError(res.Errors, dir)
	}
	out := &Result{}
	for _, f := range res.OutputFiles {
		if strings.HasSuffix(f.Path, ".map") {
			out.SourceMap = f.Contents
		} else {
			out.Code = f.Contents
		}
	}
	// esbuild's IIFE ends with a sourceMappingURL comment naming a file we
	// never write; drop it.
	if i := strings.LastIndex(string(out.Code), "//# sourceMappingURL="); i >= 0 {
		out.Code = out.Code[:i]
	}
	out.Inputs = inputs(res.Metafile, dir)
	return out, nil
}

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

func buildError(msgs []api.Message, dir string) error {
	be := &BuildError{}
	for _, m := range msgs {
		msg := Message{Text: m.Text}
		if m.Location != nil {
			msg.File = m.Location.File
			msg.Line = m.Location.Line
			msg.Column = m.Location.Column
			msg.LineText = m.Location.LineText
		}
		be.Messages = append(be.Messages, msg)
	}
	return be
}

// nodeBuiltins turns imports of Node's built-in modules into a clear error
// (Verge has no Node compatibility layer yet).
var nodeBuiltins = api.Plugin{
	Name: "verge-node-builtins",
	Setup: func(b api.PluginBuild) {
		b.OnResolve(api.OnResolveOptions{Filter: `^node:`}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
			return api.OnResolveResult{}, fmt.Errorf("%q: Node.js built-in modules are not available in Verge workers", a.Path)
		})
	},
}
