// Package verge lets a plain net/http handler run as a Verge WebAssembly
// reactor: a long-lived instance that serves one request per call of its
// exported verge_handle function, without the per-request start-up of a
// WAGI command. The ABI it implements is docs/wasm-abi.md in the Verge
// repository.
//
// Register the handler from an init function (a reactor's runtime runs the
// package initialisers but never main) and build with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o handler.wasm
//
// For example:
//
//	func init() {
//		verge.Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
//			fmt.Fprintf(w, "hello from %s\n", verge.Geo(r).Country)
//		}))
//	}
//
//	func main() {} // required by the go tool, never called
//
// The instance handles one request at a time and lives for many requests,
// so package-level state persists between requests of one instance, but the
// host recycles instances (after a number of requests, when linear memory
// grows past a high-water mark, and after any failure): treat it as a cache,
// never as storage. A panic in the handler is logged and answered with a
// 500, and the instance is replaced.
//
// The ResponseWriter buffers up to 4 KiB, like net/http's, then streams:
// every Flush (http.Flusher or http.ResponseController) and every write
// past the buffer reaches the client at once. Interim (1xx) responses,
// Hijack and trailers are not supported. r.URL is absolute (it has Scheme
// and Host), r.TLS is always nil, r.RemoteAddr is the client's address
// with port 0, and r.Context() is not cancelled when the client goes away
// (the host stops the instance at the wall-time limit instead).
//
// Besides the request, the host gives the handler its vars and secrets
// (Env), the client's location (Geo), its log (Log, NewLogHandler) and the
// KV namespaces bound in the project's verge.toml (KV):
//
//	v, ok, err := verge.KV("SETTINGS").Get("greeting")
//
// Outside GOOS=wasip1 the package compiles, so that handlers can be unit
// tested with net/http/httptest, but Serve panics and Env, Geo, Log and KV
// find no host.
package verge
