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
	wantImports := []importEntry{{"env", "log", kindFunc}, {"env", "twice", kindFunc}, {"math", "half", kindFunc}}
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
	f.Fuzz(func(t *testing.T, b []byte) { parseModule(b) })
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
