package server

import (
	"strings"
	"testing"

	"github.com/verge-edge/verge/webapi/webassembly/wasmtest"
)

// TestJSWorkerImportsWasm: a JavaScript worker that imports .wasm files is
// bundled, shipped to an isolate host and served: exported functions,
// imports calling back into JavaScript, memory shared both ways. A guest
// in an infinite loop is stopped by the CPU limit (503, code 1102) and the
// node keeps serving.
func TestJSWorkerImportsWasm(t *testing.T) {
	n := startNode(t, map[string]string{
		"node.toml": `projects = ["calc"]
[listen]
http = "127.0.0.1:0"
`,
		"calc/verge.toml": `name = "calc"
main = "src/worker.js"
routes = ["calc.test/*"]
[limits]
cpu_ms = 200
`,
		"calc/src/worker.js": `import addModule from "../wasm/add.wasm";
import memModule from "../wasm/memory.wasm?module";
import importsModule from "../wasm/imports.wasm";
import spinModule from "../wasm/spin.wasm";
import recurseModule from "../wasm/recurse.wasm";

// Instantiated once per VM, at the top level, as on Cloudflare.
const { add } = new WebAssembly.Instance(addModule).exports;
const mem = new WebAssembly.Instance(memModule).exports;

export default {
	async fetch(req) {
		const u = new URL(req.url);
		switch (u.pathname) {
		case "/add":
			return new Response(String(add(Number(u.searchParams.get("a")), Number(u.searchParams.get("b")))));
		case "/memory": {
			new Uint8Array(mem.mem.buffer)[10] = 77;
			mem.store(11, 88);
			const view = new Uint8Array(mem.mem.buffer);
			return Response.json({ wasmSaw: mem.load(10), jsSaw: view[11], pages: mem.size(), kind: String(memModule) });
		}
		case "/imports": {
			const seen = [];
			// A Module instantiates to an Instance (bytes would give { module, instance }).
			const instance = await WebAssembly.instantiate(importsModule, {
				env: { log: (x) => seen.push(x), twice: (x) => x * 2n },
				math: { half: (x) => x / 2 },
			});
			return Response.json({ run: instance.exports.run(9), seen, twice: String(instance.exports.twice(4n)) });
		}
		case "/recurse": {
			const r = new WebAssembly.Instance(recurseModule, { env: { bottom() {} } }).exports;
			try { r.forever(); return new Response("returned") } catch (e) {
				return Response.json({ runtimeError: e instanceof WebAssembly.RuntimeError, message: e.message, depth: r.depth(5000) });
			}
		}
		case "/spin":
			new WebAssembly.Instance(spinModule).exports.spin();
			return new Response("unreachable");
		}
		return new Response("not found", { status: 404 });
	},
};
`,
		"calc/wasm/add.wasm":     string(wasmtest.Add()),
		"calc/wasm/memory.wasm":  string(wasmtest.Memory(1, 2)),
		"calc/wasm/imports.wasm": string(wasmtest.Imports()),
		"calc/wasm/spin.wasm":    string(wasmtest.Spin(false)),
		"calc/wasm/recurse.wasm": string(wasmtest.Recurse()),
	})
	get := func(path string) result {
		t.Helper()
		return n.do("GET", n.http+path, map[string]string{"Host": "calc.test"})
	}
	if r := get("/add?a=40&b=2"); r.status != 200 || r.body != "42" {
		t.Fatalf("/add: %d %q", r.status, r.body)
	}
	if r := get("/memory"); r.status != 200 || r.body != `{"wasmSaw":77,"jsSaw":88,"pages":1,"kind":"[object WebAssembly.Module]"}` {
		t.Errorf("/memory: %d %q", r.status, r.body)
	}
	if r := get("/imports"); r.status != 200 || r.body != `{"run":10,"seen":[9],"twice":"8"}` {
		t.Errorf("/imports: %d %q", r.status, r.body)
	}
	// Runaway recursion in the guest is a catchable RuntimeError on the
	// VM's bounded stack, and the instance stays usable.
	if r := get("/recurse"); r.status != 200 || r.body != `{"runtimeError":true,"message":"Maximum call stack size exceeded","depth":5000}` {
		t.Errorf("/recurse: %d %q", r.status, r.body)
	}
	if r := get("/spin"); r.status != 503 || !strings.Contains(r.body, "1102") {
		t.Errorf("/spin: %d %q, want 503 and code 1102", r.status, r.body)
	}
	if r := get("/add?a=1&b=2"); r.status != 200 || r.body != "3" {
		t.Errorf("after the runaway guest: %d %q", r.status, r.body)
	}
}
