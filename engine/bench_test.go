package engine

import (
	"strings"
	"testing"
)

// BenchmarkOpCall measures one JS -> Go op call and back.
func BenchmarkOpCall(b *testing.B) {
	vm := newVM(b, map[string]Op{"noop": func(c *Call) (Value, error) { return c.VM.Undefined(), nil }})
	fn, err := vm.Eval(`(n) => { const op = __verge_ops.noop; for (let i = 0; i < n; i++) op(i); }`, "b.js")
	if err != nil {
		b.Fatal(err)
	}
	defer fn.Free()
	b.ResetTimer()
	r, err := fn.Call(vm.Undefined(), vm.NewInt(int64(b.N)))
	if err != nil {
		b.Fatal(err)
	}
	r.Free()
}

// BenchmarkBytesRoundTrip moves 1 MiB from JS to Go and back.
func BenchmarkBytesRoundTrip(b *testing.B) {
	vm := newVM(b, map[string]Op{"echo": func(c *Call) (Value, error) {
		v, err := c.View(0)
		if err != nil {
			return Value{}, err
		}
		return c.VM.NewBytes(v), nil
	}})
	fn, err := vm.Eval(`const buf = new Uint8Array(1 << 20); (n) => { for (let i = 0; i < n; i++) __verge_ops.echo(buf); }`, "b.js")
	if err != nil {
		b.Fatal(err)
	}
	defer fn.Free()
	b.SetBytes(2 << 20)
	b.ResetTimer()
	r, err := fn.Call(vm.Undefined(), vm.NewInt(int64(b.N)))
	if err != nil {
		b.Fatal(err)
	}
	r.Free()
}

// BenchmarkNewVMWithPrelude measures creating a VM from precompiled
// bytecode with a prelude of about the size of the Web APIs (~150 KB).
func BenchmarkNewVMWithPrelude(b *testing.B) {
	var sb strings.Builder
	for i := 0; i < 400; i++ {
		sb.WriteString("globalThis.C" + strings.Repeat("x", 3) + string(rune('a'+i%26)) + "_" + itoa(i) + " = class { constructor(a) { this.a = a; } m(x) { return this.a + x * 2 } get g() { return [1,2,3].map(y => y + this.a) } static s() { return 'static' } };\n")
	}
	p, err := NewPrelude(Extension{Name: "big", Scripts: []Script{{"big.js", sb.String()}}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(sb.String())), "prelude-bytes")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		vm, err := New(Options{Prelude: p})
		if err != nil {
			b.Fatal(err)
		}
		vm.Close()
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var d []byte
	for ; i > 0; i /= 10 {
		d = append([]byte{byte('0' + i%10)}, d...)
	}
	return string(d)
}
