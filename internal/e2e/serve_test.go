package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildBinary builds cmd/verge into a folder the unprivileged host user
// can execute from.
func buildBinary(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "verge-e2e-bin-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755) // hosts run as nobody and must be able to exec it
	bin := filepath.Join(dir, "verge")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/verge").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// serveNode runs `verge serve --config dir/node.toml` (whose node.toml has
// an [admin] listener) and returns its client and admin base URLs.
func serveNode(t *testing.T, bin, dir string) (base, adminURL string) {
	t.Helper()
	os.Chmod(dir, 0o755) // hosts run as nobody and read the projects
	cmd := exec.Command(bin, "serve", "--config", filepath.Join(dir, "node.toml"), "--hosts", "1")
	stdout, _ := cmd.StdoutPipe()
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	rd := bufio.NewReader(stdout)
	ready, _ := rd.ReadString('\n')
	admin, _ := rd.ReadString('\n')
	if !strings.HasPrefix(ready, "Ready on ") || !strings.HasPrefix(admin, "Admin API on ") {
		t.Fatalf("output %q %q\n%s", ready, admin, stderr.String())
	}
	return strings.TrimSpace(strings.TrimPrefix(ready, "Ready on ")), strings.TrimSpace(strings.TrimPrefix(admin, "Admin API on "))
}

// TestServeBinary builds the verge binary and runs `verge serve` on the
// hello example: the real CLI, real isolate-host child processes (running
// as nobody when the test runs as root), real HTTP. Killing a host shows
// the supervisor at work through the binary too.
func TestServeBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	cmd := exec.Command(bin, "serve", "../../examples/hello", "--listen", "127.0.0.1:0", "--hosts", "2")
	stdout, _ := cmd.StdoutPipe()
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("verge serve exited with %v\n%s", err, stderr.String())
			}
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Error("verge serve did not stop on SIGTERM")
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "Ready on http://") {
		t.Fatalf("first line %q (%v)\n%s", line, err, stderr.String())
	}
	base := strings.TrimSpace(strings.TrimPrefix(line, "Ready on "))
	r := get(t, base+"/")
	if r.status != 200 || !strings.Contains(r.body, "Hello") {
		t.Fatalf("%d %q", r.status, r.body)
	}

	// Two isolate-host children; kill them both: the supervisor restarts
	// them and the worker serves again.
	out, _ := exec.Command("pgrep", "-f", bin+" isolate-host").Output()
	pids := strings.Fields(string(out))
	if len(pids) != 2 {
		t.Fatalf("isolate hosts: %q", out)
	}
	for _, p := range pids {
		exec.Command("kill", "-9", p).Run()
	}
	eventually(t, "the worker served again after its hosts were killed", func() bool {
		return get(t, base+"/").status == 200
	})
}

// TestKVCommands drives `verge kv` against a `verge serve` node: values
// written from the CLI are read by a worker, and back.
func TestKVCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := writeWorker(t, map[string]string{
		"node.toml":      "projects = [\"app\"]\n[listen]\nhttp = \"127.0.0.1:0\"\n[admin]\nlisten = \"127.0.0.1:0\"\ntoken = \"s3cret\"\n",
		"app/verge.toml": "name = \"app\"\nmain = \"worker.js\"\nkv_namespaces = [{ binding = \"KV\", id = \"cfg\" }]\n",
		"app/worker.js": `export default { async fetch(req, env) {
			const url = new URL(req.url);
			if (req.method === "PUT") { await env.KV.put(url.pathname.slice(1), await req.text()); return new Response("stored"); }
			return new Response(await env.KV.get(url.pathname.slice(1)) ?? "none");
		} }`,
		"bulk.json": `[{"key": "b1", "value": "one"}, {"key": "b2", "value": "dHdv", "base64": true, "metadata": {"n": 2}}]`,
	})
	base, adminURL := serveNode(t, bin, dir)
	kv := func(stdin string, args ...string) (string, error) {
		c := exec.Command(bin, append([]string{"kv", "--admin", adminURL, "--token", "s3cret", "--namespace-id", "cfg"}, args...)...)
		c.Stdin = strings.NewReader(stdin)
		out, err := c.CombinedOutput()
		return string(out), err
	}
	if out, err := kv("", "key", "put", "greeting", "hola", "--metadata", `{"lang":"es"}`); err != nil {
		t.Fatalf("put: %v %s", err, out)
	}
	if r := get(t, base+"/greeting"); r.body != "hola" {
		t.Errorf("the worker read %q", r.body)
	}
	if r := do(t, "PUT", base+"/fromworker", strings.NewReader("written by the worker"), nil); r.body != "stored" {
		t.Fatalf("worker put: %q", r.body)
	}
	if out, err := kv("", "key", "get", "fromworker"); err != nil || out != "written by the worker" {
		t.Errorf("get: %q %v", out, err)
	}
	if out, err := kv("", "bulk", "put", filepath.Join(dir, "bulk.json")); err != nil || !strings.Contains(out, "Wrote 2 keys") {
		t.Errorf("bulk: %q %v", out, err)
	}
	if r := get(t, base+"/b2"); r.body != "two" {
		t.Errorf("the worker read the base64 bulk value as %q", r.body)
	}
	out, err := kv("", "key", "list")
	if err != nil || !strings.Contains(out, `"name": "b2"`) || !strings.Contains(out, `"metadata": {`) || strings.Index(out, "b1") > strings.Index(out, "greeting") {
		t.Errorf("list: %v\n%s", err, out)
	}
	if out, err := kv("", "key", "delete", "greeting"); err != nil {
		t.Errorf("delete: %v %s", err, out)
	}
	if out, err := kv("", "key", "get", "greeting"); err == nil || !strings.Contains(out, "key not found") {
		t.Errorf("get after delete: %q %v", out, err)
	}
	if out, err := kv("", "key", "put", "k", "v", "--ttl", "5"); err == nil || !strings.Contains(out, "ttl") {
		t.Errorf("a TTL under 60 s: %q %v", out, err)
	}
	c := exec.Command(bin, "kv", "--admin", adminURL, "--namespace-id", "cfg", "key", "get", "b1")
	if out, err := c.CombinedOutput(); err == nil || !strings.Contains(string(out), "admin token required") {
		t.Errorf("without the token: %q %v", out, err)
	}
}

// TestSecretCommands: `verge secret put` reaches the worker's env after the
// node reloads, `list` shows names only, and the value is not on disk in
// the clear.
func TestSecretCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := writeWorker(t, map[string]string{
		"node.toml":      "projects = [\"app\"]\n[listen]\nhttp = \"127.0.0.1:0\"\n[admin]\nlisten = \"127.0.0.1:0\"\n",
		"app/verge.toml": "name = \"app\"\nmain = \"worker.js\"\n[vars]\nPLAIN = \"p\"\n",
		"app/worker.js":  "export default { fetch(req, env) { return new Response((env.API_TOKEN ?? 'unset') + ' ' + env.PLAIN) } }",
	})
	base, adminURL := serveNode(t, bin, dir)
	secret := func(stdin string, args ...string) (string, error) {
		c := exec.Command(bin, append([]string{"secret", "--admin", adminURL, "--name", "app"}, args...)...)
		c.Stdin = strings.NewReader(stdin)
		out, err := c.CombinedOutput()
		return string(out), err
	}
	if r := get(t, base+"/"); r.body != "unset p" {
		t.Fatalf("before: %q", r.body)
	}
	if out, err := secret("tok-123\n", "put", "API_TOKEN"); err != nil || !strings.Contains(out, "Secret API_TOKEN set for app") {
		t.Fatalf("put: %q %v", out, err)
	}
	if r := get(t, base+"/"); r.body != "tok-123 p" {
		t.Errorf("the worker sees %q", r.body)
	}
	if out, err := secret("", "list"); err != nil || out != "API_TOKEN\n" {
		t.Errorf("list: %q %v", out, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, ".verge", "secrets", "app.json"))
	if err != nil || strings.Contains(string(b), "tok-123") {
		t.Errorf("at rest: %v, plaintext present: %v", err, strings.Contains(string(b), "tok-123"))
	}
	if out, err := secret("x", "put", "PLAIN"); err == nil || !strings.Contains(out, "both a var and a secret") {
		t.Errorf("a secret named like a var: %q %v", out, err)
	}
	if out, err := secret("", "delete", "PLAIN"); err != nil {
		t.Errorf("delete PLAIN: %q %v", out, err)
	}
	if out, err := secret("", "delete", "API_TOKEN"); err != nil {
		t.Errorf("delete: %q %v", out, err)
	}
	if r := get(t, base+"/"); r.body != "unset p" {
		t.Errorf("after delete: %q", r.body)
	}
}

// TestTailCommand: `verge tail` streams a worker's requests, console lines
// and exceptions from a node, filtered by worker and status.
func TestTailCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := writeWorker(t, map[string]string{
		"node.toml":      "projects = [\"app\", \"other\"]\n[listen]\nhttp = \"127.0.0.1:0\"\n[admin]\nlisten = \"127.0.0.1:0\"\n",
		"app/verge.toml": "name = \"app\"\nmain = \"worker.js\"\nroutes = [\"app.test/*\"]\n",
		"app/worker.js": `export default { fetch(req) {
			const path = new URL(req.url).pathname;
			console.log("handling", path);
			if (path === "/boom") throw new Error("kaboom");
			return new Response("ok");
		} }`,
		"other/verge.toml": "name = \"other\"\nmain = \"worker.js\"\nroutes = [\"other.test/*\"]\n",
		"other/worker.js":  "export default { fetch() { return new Response('other') } }",
	})
	base, adminURL := serveNode(t, bin, dir)

	tailCmd := exec.Command(bin, "tail", "app", "--admin", adminURL, "--format", "json")
	tailOut, _ := tailCmd.StdoutPipe()
	tailErr, _ := tailCmd.StderrPipe()
	if err := tailCmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		tailCmd.Process.Signal(os.Interrupt)
		tailCmd.Wait()
	})
	if line, _ := bufio.NewReader(tailErr).ReadString('\n'); !strings.HasPrefix(line, "Connected") {
		t.Fatalf("tail said %q", line)
	}
	do(t, "GET", base+"/hello", nil, map[string]string{"Host": "app.test"}) // Host set through the header map
	get(t, base+"/")                                                        // no route for 127.0.0.1: not app
	do(t, "GET", base+"/x", nil, map[string]string{"Host": "other.test"})
	do(t, "GET", base+"/boom", nil, map[string]string{"Host": "app.test"})

	events := bufio.NewScanner(tailOut)
	var got []map[string]any
	for len(got) < 5 && events.Scan() {
		var e map[string]any
		if err := json.Unmarshal(events.Bytes(), &e); err != nil {
			t.Fatalf("%q: %v", events.Text(), err)
		}
		got = append(got, e)
	}
	var summary []string
	for _, e := range got {
		if e["worker"] != "app" {
			t.Errorf("an event of another worker: %v", e)
		}
		switch e["kind"] {
		case "request":
			summary = append(summary, fmt.Sprintf("request %v %v %v", e["url"], e["status"], e["outcome"]))
		case "console":
			summary = append(summary, fmt.Sprintf("console %v", e["message"]))
		case "exception":
			summary = append(summary, "exception "+fmt.Sprint(strings.Contains(fmt.Sprint(e["message"]), "kaboom")))
		}
	}
	want := []string{"console handling /hello", "request http://app.test/hello 200 ok", "console handling /boom",
		"exception true", "request http://app.test/boom 500 exception"}
	slices.Sort(summary)
	slices.Sort(want)
	if strings.Join(summary, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(summary, "\n"), strings.Join(want, "\n"))
	}
}
