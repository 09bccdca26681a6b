package sourcemap

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Map is a parsed source map. It is immutable and safe for concurrent use.
type Map struct {
	sources  []string
	mappings string
	// checkpoints[k] is where generated line k*checkpointEvery+1 starts in
	// mappings, with the decoder state (which is relative across lines)
	// there.
	checkpoints []lineStart
	nlines      int // generated lines in mappings
}

// checkpointEvery is how many generated lines share one checkpoint. A
// lookup decodes up to that many lines, which costs microseconds; the index
// costs 20 bytes per checkpoint, so even a map of nothing but line breaks
// (1 byte a line) takes less memory indexed than as text.
const checkpointEvery = 16

// lineStart is the decoder state at the start of one generated line.
type lineStart struct {
	off                 int32 // byte offset in Map.mappings
	src, line, col, nam int32 // running values of the relative fields
}

// segment is one decoded mapping: a generated column and where it came
// from. src is -1 for a segment that maps to no source.
type segment struct {
	genCol, src, line, col int32
}

// maxMapSize bounds what Parse accepts. Maps are a few times the size of
// their bundle, and workers' bundles are capped at 10 MiB by default.
const maxMapSize = 64 << 20

// Parse reads a version 3 source map. Index maps ("sections") are not
// supported: esbuild does not produce them.
func Parse(mapJSON []byte) (*Map, error) {
	if len(mapJSON) > maxMapSize {
		return nil, fmt.Errorf("sourcemap: map is %d bytes, more than the %d this package reads", len(mapJSON), maxMapSize)
	}
	var raw struct {
		Version    int               `json:"version"`
		SourceRoot string            `json:"sourceRoot"`
		Sources    []*string         `json:"sources"`
		Mappings   string            `json:"mappings"`
		Sections   []json.RawMessage `json:"sections"`
	}
	if err := json.Unmarshal(mapJSON, &raw); err != nil {
		return nil, fmt.Errorf("sourcemap: %w", err)
	}
	if raw.Version != 3 {
		return nil, fmt.Errorf("sourcemap: version %d, want 3", raw.Version)
	}
	if raw.Sections != nil {
		return nil, errors.New("sourcemap: index maps (sections) are not supported")
	}
	// sourcesContent is not kept: stack traces need file names and
	// positions only, and the sources can be most of a map's size.
	m := &Map{mappings: raw.Mappings, sources: make([]string, len(raw.Sources))}
	for i, s := range raw.Sources {
		if s == nil {
			continue
		}
		m.sources[i] = *s
		if raw.SourceRoot != "" {
			m.sources[i] = strings.TrimSuffix(raw.SourceRoot, "/") + "/" + *s
		}
	}
	if err := m.index(); err != nil {
		return nil, fmt.Errorf("sourcemap: mappings: %w", err)
	}
	return m, nil
}

// index decodes all mappings once, to validate them and to record where
// each generated line starts.
func (m *Map) index() error {
	var st lineStart
	m.nlines = strings.Count(m.mappings, ";") + 1
	m.checkpoints = append(make([]lineStart, 0, m.nlines/checkpointEvery+1), st)
	s := m.mappings
	line := 1
	var col int32 // generated column, relative within a line
	for i := 0; i < len(s); {
		switch s[i] {
		case ';':
			i++
			line++
			col = 0
			if (line-1)%checkpointEvery == 0 {
				st.off = int32(i)
				m.checkpoints = append(m.checkpoints, st)
			}
			continue
		case ',':
			i++
			continue
		}
		var seg segment
		n, err := decodeSegment(s[i:], &st, &seg, col)
		if err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		col = seg.genCol
		if seg.src >= int32(len(m.sources)) {
			return fmt.Errorf("line %d: source index %d out of range (%d sources)", line, seg.src, len(m.sources))
		}
		i += n
	}
	return nil
}

// decodeSegment decodes the segment at the start of s, updating the running
// state st and filling seg (genCol is relative to prevCol). It returns the
// bytes consumed.
func decodeSegment(s string, st *lineStart, seg *segment, prevCol int32) (int, error) {
	var f [5]int32
	n, i := 0, 0
	for i < len(s) && s[i] != ',' && s[i] != ';' {
		if n == len(f) {
			return 0, errors.New("segment has more than 5 fields")
		}
		v, w, err := vlq(s[i:])
		if err != nil {
			return 0, err
		}
		f[n] = v
		n++
		i += w
	}
	switch n {
	case 1:
		seg.src = -1
	case 4, 5:
		st.src += f[1]
		st.line += f[2]
		st.col += f[3]
		if n == 5 {
			st.nam += f[4]
		}
		if st.src < 0 || st.line < 0 || st.col < 0 || st.nam < 0 {
			return 0, errors.New("negative source index, line or column")
		}
		seg.src, seg.line, seg.col = st.src, st.line, st.col
	default:
		return 0, fmt.Errorf("segment has %d fields, want 1, 4 or 5", n)
	}
	seg.genCol = prevCol + f[0]
	if seg.genCol < 0 {
		return 0, errors.New("negative generated column")
	}
	return i, nil
}

// vlq decodes one base64 VLQ value at the start of s and returns it and
// its width.
func vlq(s string) (int32, int, error) {
	var v uint32
	for i, shift := 0, uint(0); i < len(s); i, shift = i+1, shift+5 {
		d := base64Values[s[i]]
		if d < 0 {
			return 0, 0, fmt.Errorf("bad base64 character %q", s[i])
		}
		if shift > 30 || (shift == 30 && d&31 > 3) {
			return 0, 0, errors.New("value does not fit in 32 bits")
		}
		v |= uint32(d&31) << shift
		if d&32 == 0 {
			x := int32(v >> 1)
			if v&1 == 1 {
				x = -x
			}
			return x, i + 1, nil
		}
	}
	return 0, 0, errors.New("value is cut off")
}

// base64Values maps a byte to its base64 digit, or -1.
var base64Values = func() (t [256]int8) {
	const digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(digits); i++ {
		t[digits[i]] = int8(i)
	}
	return t
}()

// segments decodes generated line (1-based), from the checkpoint before
// it. Parse validated the mappings.
func (m *Map) segments(line int) []segment {
	if line < 1 || line > m.nlines {
		return nil
	}
	st := m.checkpoints[(line-1)/checkpointEvery]
	s := m.mappings[st.off:]
	var segs []segment
	var col int32
	for i, skip := 0, (line-1)%checkpointEvery; i < len(s); {
		switch s[i] {
		case ';':
			if skip == 0 {
				return segs
			}
			skip--
			col = 0
			i++
			continue
		case ',':
			i++
			continue
		}
		var seg segment
		n, err := decodeSegment(s[i:], &st, &seg, col)
		if err != nil {
			return nil // not reached: Parse checked every segment
		}
		col = seg.genCol
		if skip == 0 {
			segs = append(segs, seg)
		}
		i += n
	}
	return segs
}

// Source maps a position in the bundle, a 1-based line and 0-based column,
// to the original file, 1-based line and 0-based column. It uses the
// mapping that starts at or before col on that line, or the line's first
// mapping when col is before all of them; ok is false when the line has no
// mapping to a source.
func (m *Map) Source(line, col int) (file string, origLine, origCol int, ok bool) {
	segs := m.segments(line)
	best := -1
	for i, s := range segs {
		if int(s.genCol) <= col && (best < 0 || s.genCol >= segs[best].genCol) {
			best = i
		}
	}
	if best < 0 && len(segs) > 0 {
		best = 0
		for i, s := range segs {
			if s.genCol < segs[best].genCol {
				best = i
			}
		}
	}
	if best < 0 || segs[best].src < 0 {
		return "", 0, 0, false
	}
	s := segs[best]
	return m.sources[s.src], int(s.line) + 1, int(s.col), true
}
