// Package webapitest runs JavaScript snippets in a real VM with a Web API
// prelude, for the Web API packages' tests.
package webapitest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/verge-edge/verge/engine"
	"github.com/verge-edge/verge/webapi/bootstrap"
	"github.com/verge-edge/verge/webapi/console"
	"github.com/verge-edge/verge/webapi/encoding"
	"github.com/verge-edge/verge/webapi/timers"
)

// Base returns the extensions every test VM has: bootstrap, console,
// timers and encoding.
func Base() []engine.Extension {
	return []engine.Extension{bootstrap.Start(), console.Extension(), timers.Extension(), encoding.Extension()}
}

// VM is a test VM with its console output.
type VM struct {
	*engine.VM
	mu      sync.Mutex
	Console []string // "level: message"
	Errors  []error  // uncaught errors from timers and jobs
}

// New creates a VM whose prelude is Base, then exts, then finish.js.
func New(t testing.TB, exts ...engine.Extension) *VM {
	t.Helper()
	all := append(Base(), exts...)
	all = append(all, bootstrap.Finish())
	p, err := engine.NewPrelude(all...)
	if err != nil {
		t.Fatalf("prelude: %v", err)
	}
	vm, err := engine.New(engine.Options{Prelude: p, MemoryLimit: 256 << 20})
	if err != nil {
		t.Fatalf("vm: %v", err)
	}
	tv := &VM{VM: vm}
	console.SetSink(vm, func(level, msg string) {
		tv.mu.Lock()
		tv.Console = append(tv.Console, level+": "+msg)
		tv.mu.Unlock()
	})
	vm.OnError = func(err error) { tv.Errors = append(tv.Errors, err) }
	t.Cleanup(vm.Close)
	return tv
}

// Run evaluates js as the body of an async function and returns
// JSON.stringify of what it returns, or "Throws: Name: message" when it
// throws. The event loop runs until the function settles (5 s at most).
func (vm *VM) Run(t testing.TB, js string) string {
	t.Helper()
	src := "(async () => {\n" + js + "\n})().then(r => JSON.stringify(r), e => 'Throws: ' + (e && e.name !== undefined ? e.name + ': ' + e.message : String(e)))"
	p, err := vm.Eval(src, "test.js")
	if err != nil {
		t.Fatalf("eval: %v", err)
	}
	defer p.Free()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = vm.RunUntil(ctx, func() bool { return p.PromiseState() != engine.PromisePending })
	if err != nil {
		if errors.Is(err, engine.ErrNoProgress) {
			return "NoProgress"
		}
		t.Fatalf("run: %v", err)
	}
	r := p.PromiseResult()
	defer r.Free()
	if r.IsUndefined() {
		return "undefined"
	}
	s, err := r.String()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Run is New followed by VM.Run, for one-off snippets.
func Run(t testing.TB, js string, exts ...engine.Extension) string {
	t.Helper()
	return New(t, exts...).Run(t, js)
}

// Case is one table-driven snippet: its name, the JavaScript, and the
// expected Run result. (An array, so that tables can be written without
// field keys.)
type Case [3]string

// RunCases runs each case in one shared VM (state persists between cases,
// as it does between requests).
func RunCases(t *testing.T, cases []Case, exts ...engine.Extension) {
	t.Helper()
	vm := New(t, exts...)
	for _, c := range cases {
		t.Run(c[0], func(t *testing.T) {
			if got := vm.Run(t, c[1]); got != c[2] {
				t.Errorf("got  %s\nwant %s", got, c[2])
			}
		})
	}
}
