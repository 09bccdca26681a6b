package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// proc is a verge process of the network test.
type proc struct {
	t      testing.TB
	args   []string
	cmd    *exec.Cmd
	stderr *syncBuffer
	lines  []string // the first lines of stdout
}

// startProc runs bin with args and waits for n lines on stdout.
func startProc(t testing.TB, bin string, n int, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, args: args}
	p.start(bin, n)
	t.Cleanup(p.stop)
	return p
}

func (p *proc) start(bin string, n int) {
	p.t.Helper()
	p.cmd = exec.Command(bin, p.args...)
	p.stderr = &syncBuffer{}
	p.cmd.Stderr = p.stderr
	stdout, _ := p.cmd.StdoutPipe()
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	rd := bufio.NewReader(stdout)
	p.lines = nil
	for range n {
		line, err := rd.ReadString('\n')
		if err != nil {
			p.t.Fatalf("verge %s: %v\n%s", strings.Join(p.args, " "), err, p.stderr.String())
		}
		p.lines = append(p.lines, strings.TrimSpace(line))
	}
	go io.Copy(io.Discard, rd)
}

func (p *proc) stop() {
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
}

func (p *proc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
}

// field returns the last word of stdout line i.
func (p *proc) field(i int) string {
	f := strings.Fields(p.lines[i])
	return f[len(f)-1]
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// fetchText GETs url with a Host header and returns the body of a 200, or
// a description of what happened instead.
func fetchText(url, host, versionKey string) string {
	req, _ := http.NewRequest("GET", url, nil)
	req.Host = host
	if versionKey != "" {
		req.Header.Set("Verge-Version-Key", versionKey)
	}
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return "error: " + err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Sprintf("status %d: %s", resp.StatusCode, b)
	}
	return string(b)
}

// network is a hub and PoPs as processes, and a worker project to deploy.
type network struct {
	tb               testing.TB
	bin, root, proj  string
	ctl, token, seed string
	hub              *proc
	pops             []*popProc
}

type popProc struct {
	*proc
	name, base string
}

// startNetwork runs `verge control` and three `verge pop`s on 127.0.0.x.
func startNetwork(tb testing.TB) *network {
	n := &network{tb: tb, bin: buildBinary(tb), root: tb.TempDir()}
	os.Chmod(n.root, 0o755)
	ctlPort, leafPort := freePort(tb), freePort(tb)
	n.hub = startProc(tb, n.bin, 2, "control", "--data", filepath.Join(n.root, "control"),
		"--listen", fmt.Sprintf("127.0.0.1:%d", ctlPort), "--leaf-listen", fmt.Sprintf("127.0.0.1:%d", leafPort))
	n.ctl = strings.TrimPrefix(n.hub.lines[0], "Control API on ")
	leafURL := n.hub.field(1)
	tokenB, err := os.ReadFile(filepath.Join(n.root, "control", "root.token"))
	if err != nil {
		tb.Fatal(err)
	}
	n.token = strings.TrimSpace(string(tokenB))
	n.seed = filepath.Join(n.root, "control", "pop.creds")
	for i, name := range []string{"gru", "fra", "sin"} {
		p := startProc(tb, n.bin, 1, "pop", "--name", name, "--location", fmt.Sprintf("%d,%d", 10*i, 20*i), "--hub", leafURL,
			"--credentials", n.seed, "--data", filepath.Join(n.root, name), "--listen", fmt.Sprintf("127.0.0.%d:0", i+2), "--hosts", "1")
		n.pops = append(n.pops, &popProc{proc: p, name: name, base: p.field(0)})
	}
	// The worker reads a KV value; each deploy changes its version tag.
	n.proj = filepath.Join(n.root, "shop")
	os.MkdirAll(n.proj, 0o755)
	os.WriteFile(filepath.Join(n.proj, "verge.toml"), []byte("name = \"shop\"\nmain = \"index.js\"\n[[kv_namespaces]]\nbinding = \"KV\"\nid = \"shopkv\"\n"), 0o644)
	return n
}

func (n *network) setVersion(tag string) {
	src := "export default { async fetch(req, env) {\n" +
		"  if (new URL(req.url).pathname == '/secret') return new Response(env.API_KEY ?? 'no secret')\n" +
		"  return new Response('" + tag + " ' + ((await env.KV.get('greeting')) ?? 'none')) } }\n"
	os.WriteFile(filepath.Join(n.proj, "index.js"), []byte(src), 0o644)
}

// cli runs a verge command with the root token.
func (n *network) cli(args ...string) string {
	n.tb.Helper()
	out, err := exec.Command(n.bin, append(args, "--token", n.token)...).CombinedOutput()
	if err != nil {
		n.tb.Fatalf("verge %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

const shopHost = "shop.verge.localhost"

// awaitAll waits until every PoP answers want and returns how long that
// took from start.
func (n *network) awaitAll(what, want string, start time.Time) time.Duration {
	n.tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for _, p := range n.pops {
		for {
			got := fetchText(p.base+"/", shopHost, "")
			if got == want {
				break
			}
			if time.Now().After(deadline) {
				n.tb.Fatalf("%s: PoP %s answers %q, want %q\n%s", what, p.name, got, want, p.stderr.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return time.Since(start)
}

// TestNetwork runs a hub and three PoPs as separate processes on
// 127.0.0.x: deploys reach every PoP, KV writes reach every PoP, a 10%
// rollout holds and is sticky, rollback and delete apply everywhere, a
// PoP killed during a deploy converges after its restart, PoPs keep
// serving while the hub is down and converge when it returns.
func TestNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a hub and three PoPs")
	}
	n := startNetwork(t)
	bin, ctl, token, hub, root, proj, pops := n.bin, n.ctl, n.token, n.hub, n.root, n.proj, n.pops
	setVersion, cli := n.setVersion, n.cli
	const host = shopHost
	converge := func(what, want string, start time.Time) {
		t.Helper()
		t.Logf("%s: all PoPs converged in %v", what, n.awaitAll(what, want, start).Round(time.Millisecond))
	}

	setVersion("v1")
	start := time.Now()
	if out := cli("deploy", proj, "--control", ctl); !strings.Contains(out, "Deployed shop version 1") {
		t.Fatalf("deploy: %s", out)
	}
	converge("deploy v1", "v1 none", start)

	cli("kv", "namespace", "create", "shopkv", "--admin", ctl)
	if out := cli("kv", "namespace", "list", "--admin", ctl); out != "shopkv\n" {
		t.Errorf("namespace list: %q", out)
	}
	start = time.Now()
	cli("kv", "key", "put", "greeting", "hello", "--admin", ctl, "--namespace-id", "shopkv")
	converge("KV put", "v1 hello", start)

	// A 10% rollout: about 10% of client keys get v2, each key always the
	// same version, on every PoP.
	setVersion("v2")
	cli("deploy", proj, "--control", ctl, "--percent", "10")
	eventually(t, "v2 served somewhere", func() bool {
		for k := range 100 {
			if fetchText(pops[0].base+"/", host, fmt.Sprint(k)) == "v2 hello" {
				return true
			}
		}
		return false
	})
	time.Sleep(500 * time.Millisecond) // let the other PoPs apply it too
	v2 := 0
	const keys = 400
	for k := range keys {
		key := fmt.Sprint("client-", k)
		got := fetchText(pops[0].base+"/", host, key)
		if got == "v2 hello" {
			v2++
		} else if got != "v1 hello" {
			t.Fatalf("key %s: %q", key, got)
		}
		if k%20 == 0 {
			for _, p := range pops {
				if again := fetchText(p.base+"/", host, key); again != got {
					t.Errorf("key %s: %q at %s, %q at %s: not sticky", key, got, pops[0].name, again, p.name)
				}
			}
		}
	}
	if share := float64(v2) / keys; share < 0.05 || share > 0.15 {
		t.Errorf("v2 got %.1f%% of %d clients, want about 10%%", share*100, keys)
	}
	t.Logf("rollout 10%%: v2 got %d of %d clients", v2, keys)
	if out := cli("versions", "shop", "--control", ctl); !strings.Contains(out, "10%") || !strings.Contains(out, "90%") {
		t.Errorf("versions:\n%s", out)
	}

	start = time.Now()
	cli("rollback", "shop", "--control", ctl)
	converge("rollback", "v1 hello", start)
	// Every key is back on v1.
	for k := range 50 {
		if got := fetchText(pops[1].base+"/", host, fmt.Sprint("client-", k)); got != "v1 hello" {
			t.Fatalf("after rollback, key %d: %q", k, got)
		}
	}

	// A PoP killed with SIGKILL during a deploy converges after restart.
	setVersion("v3")
	pops[1].kill()
	start = time.Now()
	cli("deploy", proj, "--control", ctl)
	pops[1].start(bin, 1)
	pops[1].base = pops[1].field(0)
	converge("deploy v3 with a PoP restarted", "v3 hello", start)

	// A secret set at the control plane reaches the worker on every PoP,
	// sealed in transit and at rest.
	secret := exec.Command(bin, "secret", "put", "API_KEY", "--name", "shop", "--admin", ctl, "--token", token)
	secret.Stdin = strings.NewReader("s3cr3t-value\n")
	if out, err := secret.CombinedOutput(); err != nil {
		t.Fatalf("secret put: %v\n%s", err, out)
	}
	for _, p := range pops {
		eventually(t, "the secret at "+p.name, func() bool { return fetchText(p.base+"/secret", host, "") == "s3cr3t-value" })
	}
	if out := cli("secret", "list", "--name", "shop", "--admin", ctl); !strings.Contains(out, "API_KEY") || strings.Contains(out, "s3cr3t") {
		t.Errorf("secret list: %s", out)
	}
	for _, dir := range []string{filepath.Join(root, "control"), filepath.Join(root, "gru")} {
		if out, _ := exec.Command("grep", "-r", "-l", "s3cr3t-value", dir).Output(); len(out) > 0 {
			t.Errorf("the secret is in plain text in %s", out)
		}
	}

	// verge pops lists the three, up, serving v3.
	eventually(t, "verge pops shows every PoP serving v3", func() bool {
		out := cli("pops", "--control", ctl)
		return strings.Count(out, " up ") == 3 && strings.Count(out, "shop [v3 100%]") == 3
	})

	// The hub goes away: PoPs keep serving, a deploy fails clearly.
	hub.stop()
	for _, p := range pops {
		if got := fetchText(p.base+"/", host, ""); got != "v3 hello" {
			t.Fatalf("hub down: %s answers %q", p.name, got)
		}
	}
	// A PoP restarted while the hub is down serves from its local store.
	pops[2].stop()
	pops[2].start(bin, 1)
	pops[2].base = pops[2].field(0)
	if got := fetchText(pops[2].base+"/", host, ""); got != "v3 hello" {
		t.Fatalf("PoP restarted without the hub answers %q\n%s", got, pops[2].stderr.String())
	}
	if out, err := exec.Command(bin, "deploy", proj, "--control", ctl, "--token", token).CombinedOutput(); err == nil {
		t.Fatalf("deploy with the control plane down worked: %s", out)
	}

	// The hub returns: a deploy and a KV write reach every PoP.
	hub.start(bin, 2)
	setVersion("v4")
	start = time.Now()
	cli("deploy", proj, "--control", ctl)
	cli("kv", "key", "put", "greeting", "again", "--admin", ctl, "--namespace-id", "shopkv")
	converge("deploy v4 and KV after the hub returned", "v4 again", start)

	start = time.Now()
	cli("delete", "shop", "--control", ctl)
	for _, p := range pops {
		for !strings.HasPrefix(fetchText(p.base+"/", host, ""), "status 404") {
			if time.Since(start) > 30*time.Second {
				t.Fatalf("delete: %s still serves shop", p.name)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	t.Logf("delete: all PoPs stopped serving in %v", time.Since(start).Round(time.Millisecond))
}

// BenchmarkPropagation measures, on a hub and three PoP processes, the
// time from starting `verge deploy` to every PoP serving the new version,
// and from a KV write (control API) to every PoP reading it. Run with
// go test -run '^$' -bench Propagation -benchtime 20x ./internal/e2e
func BenchmarkPropagation(b *testing.B) {
	n := startNetwork(b)
	n.setVersion("v0")
	n.cli("deploy", n.proj, "--control", n.ctl)
	n.awaitAll("first deploy", "v0 none", time.Now())
	var deploys, puts []time.Duration
	for i := range b.N {
		tag := fmt.Sprintf("v%d", i+1)
		n.setVersion(tag)
		start := time.Now()
		n.cli("deploy", n.proj, "--control", n.ctl)
		deploys = append(deploys, n.awaitAll("deploy", tag+" none", start))
	}
	last := fmt.Sprintf("v%d", b.N)
	for i := range b.N {
		value := fmt.Sprintf("value-%d", i)
		req, _ := http.NewRequest("PUT", n.ctl+"/kv/namespaces/shopkv/values/greeting", strings.NewReader(value))
		req.Header.Set("Authorization", "Bearer "+n.token)
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("KV put: %v %v", resp, err)
		}
		resp.Body.Close()
		puts = append(puts, n.awaitAll("KV put", last+" "+value, start))
	}
	b.ReportMetric(float64(percentile(deploys, 50).Milliseconds()), "deploy-p50-ms")
	b.ReportMetric(float64(percentile(deploys, 99).Milliseconds()), "deploy-max-ms")
	b.ReportMetric(float64(percentile(puts, 50).Microseconds())/1000, "kv-p50-ms")
	b.ReportMetric(float64(percentile(puts, 99).Microseconds())/1000, "kv-max-ms")
	b.ReportMetric(0, "ns/op")
}

func percentile(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}
