package nodejs

import (
	"embed"
	"slices"
	"strings"
)

// Flag is the compatibility flag that turns Node.js compatibility on, as
// on Cloudflare: compatibility_flags = ["nodejs_compat"] in verge.toml.
const Flag = "nodejs_compat"

//go:embed lib
var lib embed.FS

// Modules are the built-in modules Verge provides, by their bare names.
// Each is importable as "node:<name>" and "<name>", with import or
// require().
var Modules = []string{"assert", "buffer", "crypto", "events", "path", "process", "querystring", "string_decoder", "util"}

// subpaths are the built-ins' sub-modules that Verge provides, and the
// source each has.
var subpaths = map[string]string{
	"assert/strict": `module.exports = require("node:assert").strict;`,
	"path/posix":    `module.exports = require("node:path").posix;`,
	"util/types":    `module.exports = require("node:util").types;`,
}

// GlobalsModule is the module that completes the global process of a
// worker with the flag; the bundler runs it before the worker's code.
const GlobalsModule = "globals"

// BufferGlobalModule defines the global Buffer, whose module is evaluated
// on first use. The bundler runs it before the worker's code when the
// code mentions Buffer: it costs a VM 160 KiB of bytecode, which a worker
// that never uses Buffer need not pay.
const BufferGlobalModule = "buffer_global"

// Builtin reports which provided module an import path names: "buffer"
// for "node:buffer" and "buffer", "path/posix" for "node:path/posix". It
// reports false for anything else, including Node built-ins that Verge
// does not provide (fs, net).
func Builtin(path string) (string, bool) {
	name := strings.TrimPrefix(path, "node:")
	if slices.Contains(Modules, name) {
		return name, true
	}
	if _, ok := subpaths[name]; ok {
		return name, true
	}
	return "", false
}

// Source returns the JavaScript (CommonJS) of a module: a name from
// Builtin, GlobalsModule, or an internal module ("internal/errors") that
// the modules require from each other. It reports false for other names.
func Source(name string) (string, bool) {
	if src, ok := subpaths[name]; ok {
		return src, true
	}
	if name != GlobalsModule && name != BufferGlobalModule && !strings.HasPrefix(name, "internal/") && !slices.Contains(Modules, name) {
		return "", false
	}
	b, err := lib.ReadFile("lib/" + name + ".js")
	if err != nil {
		return "", false
	}
	return string(b), true
}
