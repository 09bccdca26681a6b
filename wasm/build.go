package wasm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// maxBuildOutput bounds the output of a build command kept for its error:
// the end, where compilers put the summary, is what matters.
const maxBuildOutput = 64 << 10

// Build runs a project's build command (verge.toml's build, such as
// "GOOS=wasip1 GOARCH=wasm go build -o app.wasm ./") with sh -c in dir,
// the project's folder, so that its main is up to date before it is
// loaded. The command inherits the environment. A failure is an error
// holding the command and the end of its output (stdout and stderr
// together); ctx bounds the run.
func Build(ctx context.Context, dir, command string) error {
	var out tailBuffer
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &out, &out
	// A compiler's children may keep the output pipe open after sh is
	// killed; do not wait for them forever.
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if err == nil {
		return nil
	}
	msg := strings.TrimRight(out.String(), "\n")
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (%w)", err, context.Cause(ctx))
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) && ctx.Err() == nil {
		err = fmt.Errorf("exit status %d", exit.ExitCode())
	}
	if msg == "" {
		return fmt.Errorf("build %q in %s failed: %w", command, dir, err)
	}
	return fmt.Errorf("build %q in %s failed: %w:\n%s", command, dir, err, msg)
}

// tailBuffer keeps the last maxBuildOutput bytes written to it.
type tailBuffer struct {
	buf     bytes.Buffer
	dropped bool
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf.Write(p)
	if extra := t.buf.Len() - maxBuildOutput; extra > 0 {
		t.buf.Next(extra)
		t.dropped = true
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	if t.dropped {
		return "[earlier output dropped]\n" + t.buf.String()
	}
	return t.buf.String()
}
