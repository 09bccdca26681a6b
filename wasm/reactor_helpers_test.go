package wasm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// reactorGuests are the packages of the testdata/reactor module, built as
// WASI reactors into reactor-<name>. The module imports the Go SDK through
// a replace directive, so no go.work or network is needed.
var reactorGuests = []string{"hello", "app"}

// buildReactorGuests builds the reactor guests into dir. c-shared builds
// take one main package each, so they run side by side.
func buildReactorGuests(dir string) error {
	var wg sync.WaitGroup
	errs := make([]error, len(reactorGuests))
	for i, g := range reactorGuests {
		wg.Go(func() {
			cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", filepath.Join(dir, "reactor-"+g), "./"+g)
			cmd.Dir = filepath.Join("testdata", "reactor")
			cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0", "GOWORK=off")
			if out, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("building reactor guest %s: %v\n%s", g, err, out)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// compileReactor compiles a reactor test guest, closing it at the end of
// the test.
func compileReactor(tb testing.TB, name string, opts Options) *Reactor {
	tb.Helper()
	if opts.CacheDir == "" {
		opts.CacheDir = cacheDir
	}
	x, err := CompileReactor(context.Background(), guest(tb, "reactor-"+name), opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := x.Close(context.Background()); err != nil {
			tb.Error(err)
		}
	})
	return x
}
