// Package sourcemap maps stack traces of a bundle back to the original
// source files, so an uncaught exception points at the line the developer
// wrote. It must not read files: the map carries what it needs.
package sourcemap

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/go-sourcemap/sourcemap"
)

// Map is a parsed source map.
type Map struct{ c *sourcemap.Consumer }

// Parse reads a source map (version 3 JSON).
func Parse(mapJSON []byte) (*Map, error) {
	c, err := sourcemap.Parse("", mapJSON)
	if err != nil {
		return nil, fmt.Errorf("sourcemap: %w", err)
	}
	return &Map{c}, nil
}

// Source maps a 1-based line and 0-based column of the bundle to the
// original file, line (1-based) and column.
func (m *Map) Source(line, col int) (file string, origLine, origCol int, ok bool) {
	file, _, origLine, origCol, ok = m.c.Source(line, col)
	return
}

// frame matches "file:line" or "file:line:col" inside a stack frame
// ("    at f (worker.js:12:5)" or "    at worker.js:3").
var frame = regexp.MustCompile(`([^\s()]+?):(\d+)(?::(\d+))?`)

// RewriteStack replaces every bundleName:line[:col] position in stack with
// the original position. Positions in other files (the runtime's own
// scripts) are left as they are.
func (m *Map) RewriteStack(stack, bundleName string) string {
	return frame.ReplaceAllStringFunc(stack, func(s string) string {
		g := frame.FindStringSubmatch(s)
		if g[1] != bundleName {
			return s
		}
		line, _ := strconv.Atoi(g[2])
		col := 0
		if g[3] != "" {
			// QuickJS columns are 1-based; source maps use 0-based.
			c, _ := strconv.Atoi(g[3])
			col = max(c-1, 0)
		}
		file, l, c, ok := m.Source(line, col)
		if !ok {
			// Without a column, QuickJS positions the frame at the line;
			// map the first mapped column of that line instead.
			for col = 0; col < 200 && !ok; col += 2 {
				file, l, c, ok = m.Source(line, col)
			}
			if !ok {
				return s
			}
		}
		return fmt.Sprintf("%s:%d:%d", file, l, c+1)
	})
}
