package console_test

import (
	"strings"
	"testing"

	"github.com/verge-edge/verge/webapi/webapitest"
)

func TestConsoleFormatting(t *testing.T) {
	vm := webapitest.New(t)
	vm.Run(t, `
		console.log("hello", 1, true, null, undefined);
		console.info({a: 1, b: "x", c: [1, 2, {d: 3}]});
		console.warn("%s is %d years", "Bob", 42, "extra");
		console.error(new TypeError("bad"));
		const o = {}; o.self = o; console.log(o);
		console.debug(new Map([["k", 1]]), new Set([1]), new Uint8Array([1, 2]));
	`)
	want := []string{
		"log: hello 1 true null undefined",
		`info: { a: 1, b: 'x', c: [ 1, 2, { d: 3 } ] }`,
		"warn: Bob is 42 years extra",
		"error: TypeError: bad",
		"log: { self: [Circular] }",
		"debug: Map(1) { 'k' => 1 } Set(1) { 1 } Uint8Array(2) [ 1, 2 ]",
	}
	if len(vm.Console) != len(want) {
		t.Fatalf("console: %q", vm.Console)
	}
	for i, w := range want {
		if !strings.HasPrefix(vm.Console[i], w) {
			t.Errorf("line %d: got %q, want prefix %q", i, vm.Console[i], w)
		}
	}
}
