package timers_test

import (
	"testing"

	"github.com/verge-edge/verge/webapi/webapitest"
)

func TestTimers(t *testing.T) {
	webapitest.RunCases(t, []webapitest.Case{
		{"order", `
			const log = [];
			await new Promise(res => {
				setTimeout(() => log.push("t10"), 10);
				setTimeout(() => { log.push("t0"); queueMicrotask(() => log.push("micro-in-t0")) }, 0);
				queueMicrotask(() => log.push("micro"));
				setTimeout(res, 20);
			});
			return log`, `["micro","t0","micro-in-t0","t10"]`},
		{"args and clear", `
			const log = [];
			const id = setTimeout(() => log.push("cleared"), 1);
			clearTimeout(id);
			await new Promise(res => setTimeout((a, b) => { log.push(a + b); res() }, 2, "x", "y"));
			return log`, `["xy"]`},
		{"interval", `
			let n = 0;
			await new Promise(res => { const id = setInterval(() => { if (++n === 3) { clearInterval(id); res() } }, 1) });
			return n`, `3`},
		{"ids are numbers", `return typeof setTimeout(() => {}, 0)`, `"number"`},
		{"string callback", `let e; try { setTimeout("1+1", 0); await new Promise(r => setTimeout(r, 5)) } catch (x) { e = x } return "ran"`, `"ran"`},
		{"queueMicrotask type", `try { queueMicrotask(1) } catch (e) { return e.name }`, `"TypeError"`},
	})
}

func TestTimerKeepsLoopAlive(t *testing.T) {
	vm := webapitest.New(t)
	if got := vm.Run(t, `await new Promise(r => setTimeout(r, 30)); return "done"`); got != `"done"` {
		t.Fatal(got)
	}
	if got := vm.Run(t, `await new Promise(() => {}); return 1`); got != "NoProgress" {
		t.Fatalf("a promise nothing can settle: %s", got)
	}
}
