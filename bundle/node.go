package bundle

import (
	"slices"
	"strconv"
	"strings"
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

// explainNodeBuiltin rewrites esbuild's message for an unresolved import of
// a Node.js built-in module, whose note advises bundling for Node, to say
// why it fails in Verge. It reports whether it did.
//
// esbuild resolves the imports itself (no plugin): a package of a built-in's
// name (npm's buffer, events, url) resolves as any package, and a require()
// inside try/catch that fails to resolve stays a runtime error that the
// package catches, as it expects in a browser.
func explainNodeBuiltin(m *Message) bool {
	quoted, ok := strings.CutPrefix(m.Text, unresolvedPrefix)
	if !ok {
		return false
	}
	path, err := strconv.Unquote(quoted)
	if err != nil || !isNodeBuiltin(path) {
		return false
	}
	m.Text += ": it is a Node.js built-in module, and Verge workers have no Node.js compatibility yet"
	if !strings.HasPrefix(path, "node:") {
		m.Notes = append(m.Notes, "A package of that name in node_modules would be used instead; none is installed.")
	}
	return true
}
