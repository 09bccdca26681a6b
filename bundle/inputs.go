package bundle

import (
	"encoding/json"
	"path/filepath"
)

// inputs lists the absolute paths of the files esbuild read, from its
// metafile.
func inputs(metafile, dir string) []string {
	var m struct {
		Inputs map[string]json.RawMessage `json:"inputs"`
	}
	if json.Unmarshal([]byte(metafile), &m) != nil {
		return nil
	}
	out := make([]string, 0, len(m.Inputs))
	for p := range m.Inputs {
		if p == "<stdin>" {
			continue
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		out = append(out, filepath.Clean(p))
	}
	return out
}
