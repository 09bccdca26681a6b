package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"
)

// WasmGlobal is the global function a bundle calls for each WebAssembly
// module it imports: __verge_wasm(name, sha256) returns the module's
// WebAssembly.Module (package webapi/webassembly defines it).
const WasmGlobal = "__verge_wasm"

// wasmModules is the esbuild plugin for `import mod from "./add.wasm"` (and
// wrangler's "./add.wasm?module"), which gives a WebAssembly.Module as on
// Cloudflare. The bytes are not inlined into the script: they ship beside
// it (Result.Wasm) so that the runtime compiles each module once per worker
// version instead of every VM decoding it from the script. The import
// becomes a call of WasmGlobal with the module's name and content hash;
// the hash puts the module's content into the code, so a changed .wasm
// file is a changed bundle and a new worker version.
type wasmModules struct {
	dir   string // names are relative to it
	mu    sync.Mutex
	files map[string][]byte
}

func (w *wasmModules) plugin() api.Plugin {
	return api.Plugin{
		Name: "verge-wasm",
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: `\.wasm\?module$`}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
				p := strings.TrimSuffix(a.Path, "?module")
				if !filepath.IsAbs(p) {
					p = filepath.Join(a.ResolveDir, p)
				}
				return api.OnResolveResult{Path: p, Namespace: "file"}, nil
			})
			b.OnLoad(api.OnLoadOptions{Filter: `\.wasm$`, Namespace: "file"}, w.load)
		},
	}
}

func (w *wasmModules) load(a api.OnLoadArgs) (api.OnLoadResult, error) {
	code, err := os.ReadFile(a.Path)
	if err != nil {
		return api.OnLoadResult{}, err
	}
	if len(code) < 4 || string(code[:4]) != "\x00asm" {
		return api.OnLoadResult{}, fmt.Errorf("%s is not a WebAssembly module", a.Path)
	}
	name, err := filepath.Rel(w.dir, a.Path)
	if err != nil {
		name = a.Path
	}
	name = filepath.ToSlash(name)
	w.mu.Lock()
	w.files[name] = code
	w.mu.Unlock()
	sum := sha256.Sum256(code)
	quoted, err := json.Marshal(name)
	if err != nil {
		return api.OnLoadResult{}, err
	}
	js := fmt.Sprintf("export default %s(%s, %q);\n", WasmGlobal, quoted, hex.EncodeToString(sum[:]))
	return api.OnLoadResult{Contents: &js, Loader: api.LoaderJS}, nil
}

// result returns the modules the build imported, or nil for none.
func (w *wasmModules) result() map[string][]byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.files) == 0 {
		return nil
	}
	return maps.Clone(w.files)
}
