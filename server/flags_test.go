package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFlagsBinding: a worker reads the route's flags and experiment
// variants through env.FLAGS, per request (targeting by country), and a
// flag changed in node.toml applies after a reload without touching the
// worker.
func TestFlagsBinding(t *testing.T) {
	db := writeCityDB(t)
	nodeToml := func(def string) string {
		return `projects = ["app"]
[listen]
http = "127.0.0.1:0"
[geo]
db = ["` + db + `"]
trusted_proxies = ["127.0.0.0/8"]

[[routes]]
pattern = "app.test/*"
worker = "app"
[[routes.experiments]]
name = "hero"
sticky = "ip"
[[routes.experiments.variants]]
name = "b"
weight = 1
[[routes.flags]]
name = "new_search"
default = ` + def + `
[[routes.flags.rules]]
countries = ["AR"]
value = true
`
	}
	n := startNode(t, map[string]string{
		"node.toml":      nodeToml("false"),
		"app/verge.toml": "name = \"app\"\nmain = \"worker.js\"\n[flags]\nbinding = \"FLAGS\"\n",
		"app/worker.js": `export default { fetch(req, env) {
			const search = env.FLAGS.get("new_search", req);
			const missing = env.FLAGS.get("nope", req, "fallback");
			let misuse = "";
			try { env.FLAGS.get("new_search"); } catch (e) { misuse = e.constructor.name; }
			return new Response([search, env.FLAGS.variant("hero", req), missing, JSON.stringify(env.FLAGS.all(req)), misuse].join(" "));
		} }`,
	})
	get := func(ip string) string {
		return n.do("GET", n.http+"/", map[string]string{"Host": "app.test", "X-Forwarded-For": ip}).body
	}
	if got, want := get(clientAR), `true b fallback {"new_search":true} TypeError`; got != want {
		t.Errorf("AR client: %q, want %q", got, want)
	}
	if got, want := get(clientDE), `false b fallback {"new_search":false} TypeError`; got != want {
		t.Errorf("DE client: %q, want %q", got, want)
	}
	// The flag's default changes in node.toml; a reload applies it and
	// the worker is the same version.
	if err := os.WriteFile(filepath.Join(n.dir, "node.toml"), []byte(nodeToml("true")), 0o644); err != nil {
		t.Fatal(err)
	}
	before := n.srv.state.Load().projects[0].spec.ID
	if err := n.srv.Reload(); err != nil {
		t.Fatal(err)
	}
	if after := n.srv.state.Load().projects[0].spec.ID; after != before {
		t.Errorf("the worker was reloaded as a new version: %s -> %s", before, after)
	}
	if got := get(clientDE); !strings.HasPrefix(got, "true b") {
		t.Errorf("DE client after the flag changed: %q", got)
	}
}
