package e2e

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// buildReactor compiles the Go SDK guest in testdata/wasm/reactor to a
// WASI reactor at out.
func buildReactor(t *testing.T, out string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, ".")
	cmd.Dir = filepath.Join("testdata", "wasm", "reactor")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the reactor guest: %v\n%s", err, b)
	}
}

// writeCityDB writes a City database of cities by CIDR and returns its
// path.
func writeCityDB(t *testing.T, cities map[string][2]string) string {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "GeoLite2-City", RecordSize: 28})
	if err != nil {
		t.Fatal(err)
	}
	for cidr, c := range cities {
		_, n, _ := net.ParseCIDR(cidr)
		if err := tree.Insert(n, mmdbtype.Map{
			"country": mmdbtype.Map{"iso_code": mmdbtype.String(c[0])},
			"city":    mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String(c[1])}},
		}); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "city.mmdb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := tree.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestWasmReactorServe runs `verge serve` (the real binary) on a Go
// reactor written with sdk/go: the module is detected as a reactor, reads
// the client's location from the node's geo database, and uses the node's
// KV through its [[kv_namespaces]] binding, the same store `verge kv` and
// JavaScript workers use.
func TestWasmReactorServe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	db := writeCityDB(t, map[string][2]string{"181.0.0.0/12": {"AR", "Buenos Aires"}, "2.16.0.0/13": {"DE", "Berlin"}})
	dir := writeWorker(t, map[string]string{
		"node.toml": "colo = \"EZE\"\nprojects = [\"app\"]\n[listen]\nhttp = \"127.0.0.1:0\"\n" +
			"[admin]\nlisten = \"127.0.0.1:0\"\ntoken = \"s3cret\"\n" +
			"[geo]\ndb = [\"" + db + "\"]\ntrusted_proxies = [\"127.0.0.0/8\"]\n",
		"app/verge.toml": "name = \"app\"\nmain = \"app.wasm\"\nkv_namespaces = [{ binding = \"SETTINGS\", id = \"settings\" }]\n" +
			"[vars]\nGREETING = \"hola\"\n",
	})
	buildReactor(t, filepath.Join(dir, "app", "app.wasm"))
	base, adminURL := serveNode(t, bin, dir)
	from := func(ip string) map[string]string { return map[string]string{"X-Forwarded-For": ip} }

	r := do(t, "GET", base+"/geo", nil, from("181.1.2.3"))
	var g struct {
		Geo    map[string]any
		Remote string
	}
	if err := json.Unmarshal([]byte(r.body), &g); err != nil {
		t.Fatalf("%d %q: %v", r.status, r.body, err)
	}
	if g.Geo["Country"] != "AR" || g.Geo["City"] != "Buenos Aires" || g.Geo["Colo"] != "EZE" || g.Remote != "181.1.2.3:0" {
		t.Errorf("geo %v from %s", g.Geo, g.Remote)
	}

	// KV and geo together: a counter per country, kept across requests.
	for _, c := range []struct{ ip, want string }{
		{"181.1.2.3", "hola AR visit 1"},
		{"181.9.9.9", "hola AR visit 2"},
		{"2.17.0.1", "hola DE visit 1"},
	} {
		if r := do(t, "GET", base+"/visits", nil, from(c.ip)); r.status != 200 || r.body != c.want {
			t.Errorf("visit from %s: %d %q, want %q", c.ip, r.status, r.body, c.want)
		}
	}

	if r := do(t, "PUT", base+"/kv/greeting", strings.NewReader("from the reactor"), nil); r.status != 204 {
		t.Fatalf("put: %d %q", r.status, r.body)
	}
	kv := func(args ...string) (string, error) {
		c := exec.Command(bin, append([]string{"kv", "--admin", adminURL, "--token", "s3cret", "--namespace-id", "settings", "key"}, args...)...)
		out, err := c.CombinedOutput()
		return string(out), err
	}
	if out, err := kv("get", "greeting"); err != nil || out != "from the reactor" {
		t.Errorf("verge kv read %q, %v", out, err)
	}
	if out, err := kv("put", "from-cli", "written by verge kv"); err != nil {
		t.Fatalf("verge kv put: %v %s", err, out)
	}
	if r := get(t, base+"/kv/from-cli"); r.status != 200 || r.body != "written by verge kv" {
		t.Errorf("the reactor read %d %q", r.status, r.body)
	}
	if r := get(t, base+"/kv?prefix=visits:"); r.body != "visits:AR\nvisits:DE\n" {
		t.Errorf("list: %d %q", r.status, r.body)
	}
	if r := do(t, "DELETE", base+"/kv/greeting", nil, nil); r.status != 204 {
		t.Errorf("delete: %d %q", r.status, r.body)
	}
	if r := get(t, base+"/kv/greeting"); r.status != 404 {
		t.Errorf("after delete: %d %q", r.status, r.body)
	}

	// Only bound namespaces are reachable, and by binding name: the id is
	// not a binding.
	if r := get(t, base+"/kv/from-cli?binding=settings"); r.status != 404 {
		t.Errorf("by namespace id: %d %q", r.status, r.body)
	}
	if r := do(t, "PUT", base+"/kv/x?binding=OTHER", strings.NewReader("v"), nil); r.status != 500 || !strings.Contains(r.body, "not in verge.toml's [[kv_namespaces]]") {
		t.Errorf("unbound put: %d %q", r.status, r.body)
	}
}
