// Package wasm runs WebAssembly edge handlers that follow WAGI, the
// WebAssembly Gateway Interface: CGI over WASI preview 1. Any language that
// compiles to a WASI command can write one, with no SDK:
//
//   - the request line and headers are CGI variables in the environment
//     (REQUEST_METHOD, PATH_INFO, QUERY_STRING, SERVER_NAME, SERVER_PORT,
//     CONTENT_TYPE, CONTENT_LENGTH, REMOTE_ADDR, HTTP_* for headers, and
//     WAGI's X_FULL_URL, X_RAW_PATH_INFO, X_MATCHED_ROUTE), together with
//     Options.Env; the client's location, when the front knows it, is in
//     X_VERGE_COUNTRY, X_VERGE_CITY and friends;
//   - the arguments are the path, then the query's parameters, as WAGI's;
//   - the request body is stdin;
//   - the guest writes a CGI response to stdout: header lines (Status,
//     Content-Type, Location and any others), a blank line, then the body,
//     which is streamed to the client as it is written;
//   - stderr goes to the log, bounded per request.
//
// Compile does the expensive work once (optionally cached on disk across
// restarts); Module.ServeHTTP then starts a fresh instance per request, so
// nothing leaks from one request to the next and a Module is safe for
// concurrent use. Linear memories are pooled and zeroed between instances
// rather than allocated per request.
//
// Instances get real clocks and a cryptographic random source, and no
// filesystem, network, or environment beyond the above. Limits (wall time,
// memory, request body, response header and body size) end a request with
// the same stable error codes as the JavaScript runtime (package worker),
// for example "verge-1104: worker exceeded wall time limit".
//
// The package also runs long-lived handlers that follow Verge's reactor
// ABI (CompileReactor, docs/wasm-abi.md), with host functions for the
// request, the response, logging, env and KV. IsReactor tells the two
// kinds apart from a module's exports, and CompileHandler compiles either;
// Build runs a project's build command (verge.toml's build) first.
//
// What the package does not do: route (the front does, so X_MATCHED_ROUTE
// is always "/..." and SCRIPT_NAME empty), WAGI's _routes and volumes,
// outbound HTTP, or CPU-time accounting (wazero cannot measure it per
// instance; the wall-time limit stands in).
package wasm
