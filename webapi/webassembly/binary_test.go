package webassembly

import (
	"math"
	"reflect"
	"testing"

	"github.com/verge-edge/verge/webapi/webassembly/wasmtest"
)

func TestParseModule(t *testing.T) {
	info, err := parseModule(wasmtest.Imports())
	if err != nil {
		t.Fatal(err)
	}
	wantImports := []importEntry{{module: "env", name: "log", kind: kindFunc}, {module: "env", name: "twice", kind: kindFunc}, {module: "math", name: "half", kind: kindFunc}}
	wantExports := []exportEntry{{"run", kindFunc, 3}, {"twice", kindFunc, 4}, {"half", kindFunc, 5}}
	if !reflect.DeepEqual(info.imports, wantImports) || !reflect.DeepEqual(info.exports, wantExports) || info.hasMemory {
		t.Errorf("got %+v", info)
	}
	info, err = parseModule(wasmtest.Memory(3, 9))
	if err != nil || !info.hasMemory || info.memMin != 3 || info.exports[0] != (exportEntry{"mem", kindMemory, 0}) {
		t.Errorf("memory module: %+v, %v", info, err)
	}
	for _, bad := range [][]byte{nil, []byte("\x00asm"), []byte("\x00asm\x01\x00\x00\x00\x07\x05\x01"), []byte("\x00asm\x01\x00\x00\x00\x02\x02\x01\x00")} {
		if _, err := parseModule(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// FuzzParseModule: the section reader never panics, whatever the bytes.
func FuzzParseModule(f *testing.F) {
	for _, m := range [][]byte{wasmtest.Add(), wasmtest.Numbers(), wasmtest.Memory(1, 2), wasmtest.Imports(), wasmtest.ImportsMemory()} {
		f.Add(m)
	}
	f.Add(wasmtest.Start())
	f.Fuzz(func(t *testing.T, b []byte) {
		if info, err := parseModule(b); err == nil && info.hasStart {
			withoutStart(b, &info)
		}
	})
}

// TestWithoutStart: the start section becomes an export, under a name no
// other export has, and the rest of the module is unchanged.
func TestWithoutStart(t *testing.T) {
	var b wasmtest.Builder
	f := b.Func(nil, nil, nil)
	b.Export("verge:start", wasmtest.KindFunc, f)
	b.Export("g", wasmtest.KindFunc, b.Func(nil, nil, nil))
	b.Start(f)
	code := b.Bytes()
	info, err := parseModule(code)
	if err != nil || !info.hasStart || info.start != 0 {
		t.Fatalf("%+v, %v", info, err)
	}
	out := withoutStart(code, &info)
	if info.startExport != "verge:start2" {
		t.Errorf("startExport = %q", info.startExport)
	}
	got, err := parseModule(out)
	want := []exportEntry{{"verge:start", kindFunc, 0}, {"g", kindFunc, 1}, {"verge:start2", kindFunc, 0}}
	if err != nil || got.hasStart || !reflect.DeepEqual(got.exports, want) {
		t.Errorf("rewritten: %+v, %v", got, err)
	}
	// Without an export section, one is added.
	code = wasmtest.Start()
	info, _ = parseModule(code)
	got, err = parseModule(withoutStart(code, &info))
	if err != nil || got.hasStart || !reflect.DeepEqual(got.exports, []exportEntry{{"verge:start", kindFunc, 1}}) || len(got.imports) != 1 {
		t.Errorf("rewritten: %+v, %v", got, err)
	}
}

func TestToUint32(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want uint32
	}{
		{0, 0}, {1.9, 1}, {-1, math.MaxUint32}, {-1.9, math.MaxUint32}, {1 << 32, 0}, {1<<32 + 5, 5},
		{-(1 << 31), 1 << 31}, {math.NaN(), 0}, {math.Inf(1), 0}, {math.Inf(-1), 0}, {1e300, 0},
	} {
		if got := toUint32(c.in); got != c.want {
			t.Errorf("toUint32(%v) = %d, want %d", c.in, got, c.want)
		}
	}
}
