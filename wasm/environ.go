package wasm

import (
	"context"
	"fmt"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// A WAGI request's environment reaches the guest through environ_get and
// environ_sizes_get of our own, which read it from the call's context,
// rather than through wazero's ModuleConfig.WithEnv: that clones the whole
// config, key index included, for every variable, so the ~25 CGI variables
// of a request cost ~25 map copies. It was 30% of the host's time on a
// Rust WAGI request (BenchmarkRustWAGI, pprof).

// environ is an environment in WASI's layout: "KEY=VALUE\x00" strings laid
// end to end, and where each starts.
type environ struct {
	buf     []byte
	offsets []uint32
}

// environKey is the context key of a request's *environ.
type environKey struct{}

// newEnviron merges key, value pair lists; a later value of a key replaces
// an earlier one in place, as wazero's WithEnv does. Keys that are empty or
// hold '=' or NUL, and values that hold NUL, cannot be expressed and are
// skipped (Options.Env is validated at Compile; CGI variables come from
// header names, which cannot hold either).
func newEnviron(lists ...[]string) *environ {
	n := 0
	for _, l := range lists {
		n += len(l) / 2
	}
	keys := make([]string, 0, n)
	values := make([]string, 0, n)
	index := make(map[string]int, n)
	for _, l := range lists {
		for i := 0; i+1 < len(l); i += 2 {
			k, v := l[i], l[i+1]
			if k == "" || strings.ContainsAny(k, "=\x00") || strings.IndexByte(v, 0) >= 0 {
				continue
			}
			if j, ok := index[k]; ok {
				values[j] = v
				continue
			}
			index[k] = len(keys)
			keys = append(keys, k)
			values = append(values, v)
		}
	}
	size := 0
	for i := range keys {
		size += len(keys[i]) + len(values[i]) + 2
	}
	e := &environ{buf: make([]byte, 0, size), offsets: make([]uint32, len(keys))}
	for i := range keys {
		e.offsets[i] = uint32(len(e.buf))
		e.buf = append(append(append(append(e.buf, keys[i]...), '='), values[i]...), 0)
	}
	return e
}

// withEnviron returns ctx carrying e for the guest's environ calls.
func withEnviron(ctx context.Context, e *environ) context.Context {
	return context.WithValue(ctx, environKey{}, e)
}

func environFrom(ctx context.Context) *environ {
	e, _ := ctx.Value(environKey{}).(*environ)
	if e == nil {
		return &environ{}
	}
	return e
}

// WASI errno values (wasi_snapshot_preview1).
const (
	errnoSuccess = 0
	errnoFault   = 21
)

// instantiateWASI instantiates WASI preview 1 in rt with the environment
// functions replaced by ones reading the call's context.
func instantiateWASI(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder(wasi_snapshot_preview1.ModuleName)
	wasi_snapshot_preview1.NewFunctionExporter().ExportFunctions(b)
	i32 := api.ValueTypeI32
	b.NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(environSizesGet), []api.ValueType{i32, i32}, []api.ValueType{i32}).
		WithParameterNames("result.environc", "result.environv_len").
		Export("environ_sizes_get")
	b.NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(environGet), []api.ValueType{i32, i32}, []api.ValueType{i32}).
		WithParameterNames("environ", "environ_buf").
		Export("environ_get")
	if _, err := b.Instantiate(ctx); err != nil {
		return fmt.Errorf("wasm: instantiating WASI: %w", err)
	}
	return nil
}

// environSizesGet writes the number of variables and the bytes they need.
func environSizesGet(ctx context.Context, mod api.Module, stack []uint64) {
	e := environFrom(ctx)
	mem := mod.Memory()
	count, size := api.DecodeU32(stack[0]), api.DecodeU32(stack[1])
	if mem == nil || !mem.WriteUint32Le(count, uint32(len(e.offsets))) || !mem.WriteUint32Le(size, uint32(len(e.buf))) {
		stack[0] = errnoFault
		return
	}
	stack[0] = errnoSuccess
}

// environGet writes the variables at buf and a pointer to each at list.
func environGet(ctx context.Context, mod api.Module, stack []uint64) {
	e := environFrom(ctx)
	mem := mod.Memory()
	list, buf := api.DecodeU32(stack[0]), api.DecodeU32(stack[1])
	if mem == nil || uint64(list)+4*uint64(len(e.offsets)) > uint64(mem.Size()) || !mem.Write(buf, e.buf) {
		stack[0] = errnoFault
		return
	}
	for i, off := range e.offsets {
		mem.WriteUint32Le(list+4*uint32(i), buf+off)
	}
	stack[0] = errnoSuccess
}
