package e2e

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeBinary builds the verge binary and runs `verge serve` on the
// hello example: the real CLI, real isolate-host child processes (running
// as nobody when the test runs as root), real HTTP. Killing a host shows
// the supervisor at work through the binary too.
func TestServeBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
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
