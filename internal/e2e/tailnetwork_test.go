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
	"testing"
	"time"
)

// TestTailNetwork: `verge tail --control` streams one worker's events from
// all three PoPs of a network, filtered at the PoPs, each naming its PoP.
func TestTailNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a network")
	}
	n := startNetwork(t)
	os.WriteFile(filepath.Join(n.proj, "index.js"), []byte(`export default { async fetch(req) {
  const p = new URL(req.url).pathname
  console.log('path', p)
  if (p == '/boom') throw new Error('kaboom')
  return new Response('tail ' + p) } }
`), 0o644)
	n.cli("deploy", n.proj, "--control", n.ctl)
	n.awaitAll("deploy", "tail /", time.Now())

	tailCmd := exec.Command(n.bin, "tail", "shop", "--control", n.ctl, "--token", n.token, "--status", "error", "--format", "json")
	stdout, _ := tailCmd.StdoutPipe()
	var stderr syncBuffer
	tailCmd.Stderr = &stderr
	if err := tailCmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		tailCmd.Process.Signal(os.Interrupt)
		tailCmd.Wait()
	})
	lines := make(chan map[string]any)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var e map[string]any
			if json.Unmarshal(sc.Bytes(), &e) == nil {
				lines <- e
			}
		}
	}()
	next := func() map[string]any {
		t.Helper()
		select {
		case e, ok := <-lines:
			if !ok {
				t.Fatalf("verge tail ended:\n%s", stderr.String())
			}
			return e
		case <-time.After(30 * time.Second):
			t.Fatalf("verge tail: no event\n%s", stderr.String())
		}
		return nil
	}
	// Every PoP attaches before any request, so none is missed.
	var attached []string
	for len(attached) < len(n.pops) {
		e := next()
		if e["kind"] != "attached" {
			t.Fatalf("before every PoP attached: %v", e)
		}
		attached = append(attached, fmt.Sprint(e["pop"]))
	}
	for _, p := range n.pops {
		if got := fetchText(p.base+"/ok", shopHost, ""); got != "tail /ok" {
			t.Fatalf("%s: %q", p.name, got)
		}
		fetchText(p.base+"/boom", shopHost, "")
	}
	// status=error: per PoP the 500 and the exception; no 200, no console.
	var got []string
	for len(got) < 2*len(n.pops) {
		e := next()
		if e["worker"] != "shop" {
			t.Errorf("event of another worker: %v", e)
		}
		switch e["kind"] {
		case "request":
			got = append(got, fmt.Sprintf("%v request %v %v %v", e["pop"], e["url"], e["status"], e["outcome"]))
		case "exception":
			got = append(got, fmt.Sprintf("%v exception %v", e["pop"], strings.Contains(fmt.Sprint(e["message"]), "kaboom")))
		default:
			t.Errorf("unexpected %v", e)
		}
	}
	var want []string
	for _, p := range n.pops {
		want = append(want, p.name+" request http://"+shopHost+"/boom 500 exception", p.name+" exception true")
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
