// Package bundle turns a worker's entry file (JavaScript or TypeScript, ES
// module or CommonJS, JSX, with imports of local files and of packages in
// node_modules) into one classic script and a source map, with esbuild.
//
// # The contract with the runtime
//
// The script is an IIFE that, evaluated as a global script (not a module),
// declares the global variable __verge_entry (EntryGlobal) and sets it to
// the entry's exports:
//
//   - ES module entry: the namespace object, with a getter per export, so
//     __verge_entry.default is `export default ...` and
//     __verge_entry.config is `export const config = ...`.
//   - CommonJS entry (uses exports or module.exports and no import/export
//     syntax): module.exports itself, so `exports.handler = ...` gives
//     __verge_entry.handler and `module.exports = fn` gives a function.
//     There is no synthesized default export: __verge_entry.default exists
//     only if the module sets exports.default (as TypeScript's and Babel's
//     CommonJS output do).
//   - An entry that exports nothing (a service worker that calls
//     addEventListener): an empty object, never undefined.
//
// The script has no import or export statements, no sourceMappingURL
// comment, and only ASCII characters (esbuild escapes the rest), so the
// columns QuickJS reports and the source map's columns agree.
//
// Imports of Node's built-in modules (node:fs, or fs when no package of
// that name is installed) fail the build with a message that names the
// import and says why, unless the build has Node.js compatibility
// (Options.NodeCompat, the nodejs_compat flag; always for a Lambda@Edge
// handler): then the modules that package compat/nodejs provides
// (node:buffer, node:events, ...) are bundled from it, only those
// imported, and the script defines Buffer and process first; the other
// built-ins still fail with a message that names them. A require() of one
// inside try/catch, as packages do to probe for Node, is left to fail at
// run time, where the package catches it.
//
// # What it must not do
//
// Build must not run the code it bundles, write files, or reach the
// network: it reads the entry and what it imports, and returns bytes. It
// does not decide how the runtime finds the handler (package worker does).
package bundle
