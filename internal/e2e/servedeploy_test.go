package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/verge-edge/verge/webapi/webassembly/wasmtest"
)

// TestServeDeploy: verge serve is its own control plane. A deploy through
// its admin listener is served, survives a restart of the node, and a
// read-only token cannot deploy.
func TestServeDeploy(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := writeWorker(t, map[string]string{
		"node.toml":      "[listen]\nhttp = \"127.0.0.1:0\"\n[admin]\nlisten = \"127.0.0.1:0\"\ntoken = \"s3cret\"\n",
		"app/verge.toml": "name = \"app\"\nmain = \"src/index.ts\"\n",
		"app/src/index.ts": `const greeting: string = "deployed v1";
export default { fetch() { return new Response(greeting) } }`,
	})
	os.Chmod(dir, 0o755)
	serve := func() (p *proc, base, admin string) {
		p = startProc(t, bin, 2, "serve", "--config", filepath.Join(dir, "node.toml"), "--hosts", "1")
		return p, strings.TrimPrefix(p.lines[0], "Ready on "), strings.TrimPrefix(p.lines[1], "Admin API on ")
	}
	node, base, admin := serve()
	run := func(args ...string) (string, error) {
		out, err := exec.Command(bin, args...).CombinedOutput()
		return string(out), err
	}
	if out, err := run("deploy", filepath.Join(dir, "app"), "--control", admin, "--token", "s3cret"); err != nil || !strings.Contains(out, "Deployed app version 1") {
		t.Fatalf("deploy: %v\n%s", err, out)
	}
	const host = "app.verge.localhost"
	eventually(t, "the deployed worker", func() bool { return fetchText(base+"/", host, "") == "deployed v1" })
	if got := fetchText(base+"/", "other.example", ""); !strings.HasPrefix(got, "status 404") {
		t.Errorf("another host: %q", got)
	}

	// Scoped tokens: a read token lists but cannot deploy.
	tok, err := run("token", "create", "viewer", "--scope", "read", "--control", admin, "--token", "s3cret")
	if err != nil {
		t.Fatalf("token create: %v\n%s", err, tok)
	}
	tok = strings.TrimSpace(tok)
	if out, err := run("versions", "app", "--control", admin, "--token", tok); err != nil || !strings.Contains(out, "100%") {
		t.Errorf("versions with a read token: %v\n%s", err, out)
	}
	if out, err := run("deploy", filepath.Join(dir, "app"), "--control", admin, "--token", tok); err == nil || !strings.Contains(out, `lacks the "deploy" scope`) {
		t.Errorf("deploy with a read token: %v\n%s", err, out)
	}

	// A version that throws at startup is refused by the node, which
	// keeps serving v1.
	os.WriteFile(filepath.Join(dir, "app/src/index.ts"), []byte(`throw new Error("boom at startup");
export default { fetch() { return new Response("v2") } }`), 0o644)
	if out, err := run("deploy", filepath.Join(dir, "app"), "--control", admin, "--token", "s3cret"); err != nil {
		t.Fatalf("deploy: %v\n%s", err, out)
	}
	eventually(t, "the broken version refused", func() bool {
		return strings.Contains(node.stderr.String(), "deployed worker failed to load; serving its previous version")
	})
	if got := fetchText(base+"/", host, ""); got != "deployed v1" {
		t.Errorf("after a broken deploy: %q", got)
	}
	if out, err := run("rollback", "app", "1", "--control", admin, "--token", "s3cret"); err != nil {
		t.Fatalf("rollback: %v\n%s", err, out)
	}

	// The node restarts and serves the deployed version from its own store.
	node.stop()
	_, base, _ = serve()
	if got := fetchText(base+"/", host, ""); got != "deployed v1" {
		t.Fatalf("after a restart: %q", got)
	}
}

// TestServeDeployWasm: verge deploy carries WebAssembly in both forms. A
// JavaScript worker's imported .wasm modules (from a subfolder: artifacts
// are flat) ship in the artifact, and a Go reactor project's build command
// runs before packing, so the node serves what the build produced.
func TestServeDeployWasm(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs go build")
	}
	bin := buildBinary(t)
	sdk, err := filepath.Abs(filepath.Join("..", "..", "sdk", "go"))
	if err != nil {
		t.Fatal(err)
	}
	dir := writeWorker(t, map[string]string{
		"node.toml":       "[listen]\nhttp = \"127.0.0.1:0\"\n[admin]\nlisten = \"127.0.0.1:0\"\ntoken = \"s3cret\"\n",
		"calc/verge.toml": "name = \"calc\"\nmain = \"src/worker.js\"\n",
		"calc/src/worker.js": `import addModule from "../lib/add.wasm";
const { add } = new WebAssembly.Instance(addModule).exports;
export default { fetch() { return new Response("40 + 2 = " + add(40, 2)) } }`,
		"calc/lib/add.wasm": string(wasmtest.Add()),
		"go-app/verge.toml": "name = \"go-app\"\nmain = \"out/app.wasm\"\n" +
			"build = \"GOOS=wasip1 GOARCH=wasm GOWORK=off go build -buildmode=c-shared -o out/app.wasm ./\"\n" +
			"kv_namespaces = [{ binding = \"VISITS\", id = \"visits\" }]\n",
		"go-app/go.mod": "module example.com/app\n\ngo 1.24\n\nrequire github.com/verge-edge/verge/sdk/go v0.0.0\n\n" +
			"replace github.com/verge-edge/verge/sdk/go => " + sdk + "\n",
		"go-app/main.go": strings.Replace(reactorSource, "GREETING", "deployed", 1),
	})
	os.Chmod(dir, 0o755)
	p := startProc(t, bin, 2, "serve", "--config", filepath.Join(dir, "node.toml"), "--hosts", "1")
	base, admin := strings.TrimPrefix(p.lines[0], "Ready on "), strings.TrimPrefix(p.lines[1], "Admin API on ")
	deploy := func(project string) {
		t.Helper()
		out, err := exec.Command(bin, "deploy", filepath.Join(dir, project), "--control", admin, "--token", "s3cret").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Deployed") {
			t.Fatalf("deploy %s: %v\n%s", project, err, out)
		}
	}
	deploy("calc")
	eventually(t, "the JS worker importing wasm", func() bool { return fetchText(base+"/", "calc.verge.localhost", "") == "40 + 2 = 42" })

	if _, err := os.Stat(filepath.Join(dir, "go-app", "out", "app.wasm")); err == nil {
		t.Fatal("app.wasm exists before the deploy built it")
	}
	deploy("go-app")
	eventually(t, "the deployed Go reactor", func() bool {
		return strings.HasPrefix(fetchText(base+"/", "go-app.verge.localhost", ""), "deployed from ")
	})
	if got := fetchText(base+"/", "go-app.verge.localhost", ""); !strings.HasSuffix(got, "visit 2") {
		t.Errorf("second visit: %q", got)
	}

	// A build that fails stops the deploy with the compiler's output.
	os.WriteFile(filepath.Join(dir, "go-app", "main.go"), []byte("package main\nfunc main() { undefined() }\n"), 0o644)
	out, err := exec.Command(bin, "deploy", filepath.Join(dir, "go-app"), "--control", admin, "--token", "s3cret").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "undefined") {
		t.Errorf("deploy of a broken build: %v\n%s", err, out)
	}
}
