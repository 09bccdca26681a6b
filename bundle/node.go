package bundle

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"
	"github.com/verge-edge/verge/compat/nodejs"
)

// nodeModules are Node.js's built-in modules (module.builtinModules,
// without the underscore-prefixed internals).
var nodeModules = []string{
	"assert", "async_hooks", "buffer", "child_process", "cluster", "console",
	"constants", "crypto", "dgram", "diagnostics_channel", "dns", "domain",
	"events", "fs", "http", "http2", "https", "inspector", "module", "net",
	"os", "path", "perf_hooks", "process", "punycode", "querystring",
	"readline", "repl", "stream", "string_decoder", "sys", "timers", "tls",
	"trace_events", "tty", "url", "util", "v8", "vm", "wasi",
	"worker_threads", "zlib",
}

// isNodeBuiltin reports whether an import path names a Node.js built-in
// module: "node:fs", "fs", "fs/promises".
func isNodeBuiltin(path string) bool {
	if strings.HasPrefix(path, "node:") {
		return true
	}
	name, _, _ := strings.Cut(path, "/")
	return slices.Contains(nodeModules, name)
}

// unresolvedPrefix starts esbuild's message for an import it cannot find.
const unresolvedPrefix = "Could not resolve "

// provided lists the modules of package nodejs for messages.
func provided() string {
	m := nodejs.Modules
	return strings.Join(m[:len(m)-1], ", ") + " and " + m[len(m)-1]
}

// explainNodeBuiltin rewrites esbuild's message for an unresolved import of
// a Node.js built-in module, whose note advises bundling for Node, to say
// why it fails in Verge and what would make it work. It reports whether it
// did.
//
// Without nodejs_compat, esbuild resolves the imports itself: a package of
// a built-in's name (npm's buffer, events, url) resolves as any package,
// and a require() inside try/catch that fails to resolve stays a runtime
// error that the package catches, as it expects in a browser. With it, the
// provided modules resolve to package nodejs's (as in Node, a built-in
// wins over a package of its name) and the others fail as before.
func explainNodeBuiltin(m *Message, nodeCompat bool) bool {
	quoted, ok := strings.CutPrefix(m.Text, unresolvedPrefix)
	if !ok {
		return false
	}
	path, err := strconv.Unquote(quoted)
	if err != nil || !isNodeBuiltin(path) {
		return false
	}
	name, have := nodejs.Builtin(path)
	switch {
	case nodeCompat:
		m.Text += ": it is a Node.js built-in module that Verge's nodejs_compat does not provide (it provides " + provided() + ")"
	case have:
		m.Text += `: it is a Node.js built-in module; add compatibility_flags = ["nodejs_compat"] to verge.toml to use Verge's node:` + name
	default:
		m.Text += ": it is a Node.js built-in module that Verge does not provide, even with the nodejs_compat compatibility flag (which provides " + provided() + ")"
	}
	if !nodeCompat && !strings.HasPrefix(path, "node:") {
		m.Notes = append(m.Notes, "A package of that name in node_modules would be used instead; none is installed.")
	}
	return true
}

// nodeNamespace is esbuild's namespace for package nodejs's modules; it
// shows in source maps as "verge-node:buffer".
const nodeNamespace = "verge-node"

// The import paths of package nodejs's globals modules.
const (
	globalsInject      = nodeNamespace + ":" + nodejs.GlobalsModule
	bufferGlobalInject = nodeNamespace + ":" + nodejs.BufferGlobalModule
)

// mentionsBuffer matches a bundle that may use the global Buffer: any
// mention of the word (not ArrayBuffer), in code or in a string, which
// errs on the side of defining it.
var mentionsBuffer = regexp.MustCompile(`\bBuffer\b`)

// nodePlugin resolves the built-in modules that package nodejs provides to
// its sources, and the modules' internal imports among themselves. Only
// what the worker imports ends up in the bundle.
func nodePlugin() api.Plugin {
	return api.Plugin{
		Name: "verge-nodejs",
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: `^(node:)?[a-z_]+(/[a-z_]+)?$`}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
				if name, ok := nodejs.Builtin(a.Path); ok {
					return api.OnResolveResult{Path: name, Namespace: nodeNamespace}, nil
				}
				// The modules' imports among themselves (internal/errors).
				if a.Namespace == nodeNamespace {
					if _, ok := nodejs.Source(a.Path); ok {
						return api.OnResolveResult{Path: a.Path, Namespace: nodeNamespace}, nil
					}
				}
				return api.OnResolveResult{}, nil // esbuild resolves it (or says it cannot)
			})
			// The globals modules, which Build injects.
			b.OnResolve(api.OnResolveOptions{Filter: "^" + regexp.QuoteMeta(nodeNamespace) + ":"}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
				return api.OnResolveResult{Path: strings.TrimPrefix(a.Path, nodeNamespace+":"), Namespace: nodeNamespace}, nil
			})
			b.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: nodeNamespace}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
				src := nodeSource(a.Path)
				return api.OnLoadResult{Contents: &src, Loader: api.LoaderJS}, nil
			})
		},
	}
}

// cjsHandler matches a CommonJS entry that exports handler, in esbuild's
// whitespace-minified output: exports.handler=, module.exports.handler=,
// module.exports={...handler...}.
var cjsHandler = regexp.MustCompile(`(?:^|[^.\w$])(?:module\.)?exports(?:\.handler|\[["']handler["']\])=|module\.exports=\{[^}]*\bhandler\b`)

// isLambdaHandler reports whether the entry is a Lambda@Edge handler: it
// exports handler and neither a default export nor Vercel's middleware
// (the runtime's own test, see worker.js, which cannot run here). Lambda
// handlers are Node programs, so they get Node.js compatibility without
// the flag. It parses the entry alone, without its imports.
func isLambdaHandler(bo api.BuildOptions) bool {
	one := api.BuildOptions{
		Stdin:            bo.Stdin,
		EntryPoints:      bo.EntryPoints,
		Bundle:           false,
		Write:            false,
		Metafile:         true,
		Format:           api.FormatESModule,
		Platform:         api.PlatformNeutral,
		Target:           bo.Target,
		Loader:           bo.Loader,
		JSX:              bo.JSX,
		MinifyWhitespace: true,
		AbsWorkingDir:    bo.AbsWorkingDir,
		Outdir:           bo.AbsWorkingDir,
		LogLevel:         api.LogLevelSilent,
	}
	res := api.Build(one)
	if len(res.Errors) > 0 || len(res.OutputFiles) == 0 {
		return false
	}
	var meta struct {
		Inputs map[string]struct {
			Format string `json:"format"`
		} `json:"inputs"`
		Outputs map[string]struct {
			Exports []string `json:"exports"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal([]byte(res.Metafile), &meta); err != nil {
		return false
	}
	for _, in := range meta.Inputs {
		if in.Format == "esm" {
			for _, out := range meta.Outputs {
				return slices.Contains(out.Exports, "handler") && !slices.Contains(out.Exports, "default") && !slices.Contains(out.Exports, "middleware")
			}
		}
	}
	return cjsHandler.Match(res.OutputFiles[0].Contents)
}

// minified caches package nodejs's modules without comments and
// whitespace: every VM of a worker holds its script's text (QuickJS keeps
// it for Function.prototype.toString), and the comments are most of it.
// Identifiers keep their names, which Node code reads (Buffer.name,
// constructor.name).
var minified sync.Map // name -> string

func nodeSource(name string) string {
	if s, ok := minified.Load(name); ok {
		return s.(string)
	}
	src, _ := nodejs.Source(name)
	res := api.Transform(src, api.TransformOptions{MinifyWhitespace: true, MinifySyntax: true, Loader: api.LoaderJS, Target: api.ES2022})
	if len(res.Errors) == 0 {
		src = string(res.Code)
	}
	minified.Store(name, src)
	return src
}
