package deploy

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/verge-edge/verge/bundle"
	"github.com/verge-edge/verge/config"
	"github.com/verge-edge/verge/wasm"
)

// Limits on artifacts. Cloudflare takes 10 MiB compressed on paid plans;
// a Wasm handler with a Go runtime is larger, so Verge allows more.
const (
	MaxArtifact = 64 << 20  // compressed bytes
	maxUnpacked = 256 << 20 // all files together
	maxFiles    = 16
)

// Marker is the file an unpacked artifact carries: its main is already
// built, so a loader uses it as is instead of bundling it again.
const Marker = ".verge-artifact"

// Manifest is the content of Marker.
type Manifest struct {
	Format int    `json:"format"` // 1
	Name   string `json:"name"`
	Main   string `json:"main"` // file name in the artifact
	// SourceMap is Main's source map file, or "" (Wasm).
	SourceMap string `json:"source_map,omitempty"`
	// Wasm maps the WebAssembly modules a JavaScript main imports (by the
	// names the bundle knows them by, such as "lib/add.wasm") to their
	// files in the artifact, which are flat.
	Wasm map[string]string `json:"wasm,omitempty"`
}

// files are the artifact's files named by the manifest, Marker aside, in
// the order they are packed.
func (m *Manifest) files() []string {
	names := []string{config.FileName, m.Main}
	if m.SourceMap != "" {
		names = append(names, m.SourceMap)
	}
	for _, k := range slices.Sorted(maps.Keys(m.Wasm)) {
		names = append(names, m.Wasm[k])
	}
	return names
}

// Pack builds the project at entry (a folder with verge.toml, or a worker
// file) into an artifact. The project's verge.toml is kept except for what
// only applies to the source folder ([dev], [geo], build); main points to
// the built file, which keeps its base name so conventions that read it
// (Vercel's middleware.ts) still hold. A project with a build command
// (build = "... go build -o app.wasm") is built first; ctx bounds that.
func Pack(ctx context.Context, entry string) (name string, artifact []byte, err error) {
	cfg, err := config.LoadEntry(entry)
	if err != nil {
		return "", nil, err
	}
	if cfg.Build != "" {
		if err := wasm.Build(ctx, cfg.Dir, cfg.Build); err != nil {
			return "", nil, fmt.Errorf("deploy: %s: %w", cfg.Name, err)
		}
	}
	base := filepath.Base(cfg.Main)
	man := Manifest{Format: 1, Name: cfg.Name}
	files := map[string][]byte{}
	if strings.HasSuffix(base, ".wasm") {
		code, err := os.ReadFile(cfg.Main)
		if err != nil {
			return "", nil, fmt.Errorf("deploy: %w", err)
		}
		man.Main, files[base] = base, code
	} else {
		res, err := bundle.Build(bundle.Options{Entry: cfg.Main, Sourcemap: true, NodeCompat: cfg.NodeCompat()})
		if err != nil {
			return "", nil, fmt.Errorf("deploy: %s: %w", cfg.Name, err)
		}
		man.Main = strings.TrimSuffix(base, filepath.Ext(base)) + ".js"
		man.SourceMap = man.Main + ".map"
		files[man.Main], files[man.SourceMap] = res.Code, res.SourceMap
		for module, code := range res.Wasm {
			sum := sha256.Sum256(code)
			f := "module-" + hex.EncodeToString(sum[:8]) + ".wasm"
			if man.Wasm == nil {
				man.Wasm = map[string]string{}
			}
			man.Wasm[module], files[f] = f, code
		}
		if len(man.Wasm)+4 > maxFiles {
			return "", nil, fmt.Errorf("deploy: %s imports %d WebAssembly modules, over the limit of %d", cfg.Name, len(man.Wasm), maxFiles-4)
		}
	}
	toml, err := projectConfig(cfg, man.Main)
	if err != nil {
		return "", nil, err
	}
	files[config.FileName] = toml
	if files[Marker], err = json.Marshal(man); err != nil {
		return "", nil, err
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, n := range append([]string{Marker}, man.files()...) {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg}); err != nil {
			return "", nil, err
		}
		if _, err := tw.Write(files[n]); err != nil {
			return "", nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return "", nil, err
	}
	if err := zw.Close(); err != nil {
		return "", nil, err
	}
	if buf.Len() > MaxArtifact {
		return "", nil, fmt.Errorf("deploy: %s: the artifact is %d bytes, over the limit of %d", cfg.Name, buf.Len(), MaxArtifact)
	}
	return cfg.Name, buf.Bytes(), nil
}

// projectConfig is the project's verge.toml for the artifact.
func projectConfig(cfg *config.Config, main string) ([]byte, error) {
	var doc map[string]any
	if _, err := toml.DecodeFile(filepath.Join(cfg.Dir, config.FileName), &doc); err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("deploy: %w", err)
		}
		doc = map[string]any{} // a worker file without verge.toml
	}
	for _, k := range []string{"dev", "geo", "build"} {
		delete(doc, k)
	}
	doc["name"], doc["main"] = cfg.Name, main
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(doc); err != nil {
		return nil, fmt.Errorf("deploy: writing verge.toml: %w", err)
	}
	return buf.Bytes(), nil
}

// Digest names an artifact by its content.
func Digest(artifact []byte) string {
	sum := sha256.Sum256(artifact)
	return hex.EncodeToString(sum[:])
}

// Unpack writes an artifact into dir, which must not exist yet: it is
// made under a temporary name and renamed, so a crash leaves either the
// whole artifact or nothing. Names are flat files only; anything else
// (paths, links, too many or too large files) is refused.
func Unpack(artifact []byte, dir string) (*Manifest, error) {
	if len(artifact) > MaxArtifact {
		return nil, fmt.Errorf("deploy: artifact of %d bytes is over the limit of %d", len(artifact), MaxArtifact)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".unpack-")
	if err != nil {
		return nil, fmt.Errorf("deploy: %w", err)
	}
	defer os.RemoveAll(tmp)
	zr, err := gzip.NewReader(bytes.NewReader(artifact))
	if err != nil {
		return nil, fmt.Errorf("deploy: artifact: %w", err)
	}
	tr := tar.NewReader(zr)
	var total int64
	for n := 0; ; n++ {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("deploy: artifact: %w", err)
		}
		if n >= maxFiles {
			return nil, fmt.Errorf("deploy: artifact: more than %d files", maxFiles)
		}
		if h.Typeflag != tar.TypeReg || h.Name != filepath.Base(h.Name) || h.Name == "." || h.Name == ".." || strings.ContainsAny(h.Name, `/\`) {
			return nil, fmt.Errorf("deploy: artifact: refusing entry %q", h.Name)
		}
		if total += h.Size; h.Size < 0 || total > maxUnpacked {
			return nil, fmt.Errorf("deploy: artifact: over %d bytes unpacked", maxUnpacked)
		}
		f, err := os.OpenFile(filepath.Join(tmp, h.Name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, fmt.Errorf("deploy: artifact: %w", err)
		}
		_, err = io.CopyN(f, tr, h.Size)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("deploy: artifact: %s: %w", h.Name, err)
		}
	}
	man, err := ReadManifest(tmp)
	if err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return nil, fmt.Errorf("deploy: %w", err)
	}
	return man, nil
}

// ReadManifest reads an unpacked artifact's manifest and checks that its
// files are there.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, Marker))
	if err != nil {
		return nil, fmt.Errorf("deploy: artifact: %w", err)
	}
	var man Manifest
	if err := json.Unmarshal(b, &man); err != nil {
		return nil, fmt.Errorf("deploy: artifact manifest: %w", err)
	}
	if man.Format != 1 {
		return nil, fmt.Errorf("deploy: artifact format %d is not supported (want 1)", man.Format)
	}
	for _, f := range man.files() {
		if f == "" || f != filepath.Base(f) || f == "." || f == ".." {
			return nil, fmt.Errorf("deploy: artifact manifest names %q", f)
		}
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return nil, fmt.Errorf("deploy: artifact: %w", err)
		}
	}
	return &man, nil
}
