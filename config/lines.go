package config

import (
	"sort"
	"strconv"
	"strings"
)

// Key paths are spelled as in error messages: dotted segments, quoted when
// not bare ("vars.\"a.b\""), with [i] for the elements of arrays of tables
// and of inline arrays: "kv_namespaces[1].binding", "routes[0]".

// joinKey appends a segment to a key path.
func joinKey(path, seg string) string {
	if isBare(seg) {
		if path == "" {
			return seg
		}
		return path + "." + seg
	}
	if path == "" {
		return strconv.Quote(seg)
	}
	return path + "." + strconv.Quote(seg)
}

func indexKey(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func isBare(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// parentKey strips the last segment or index of a key path.
func parentKey(path string) (string, bool) {
	cut, inQuote := -1, false
	for i := 0; i < len(path); i++ {
		switch c := path[i]; {
		case inQuote && c == '\\':
			i++
		case c == '"':
			inQuote = !inQuote
		case !inQuote && (c == '.' || c == '['):
			cut = i
		}
	}
	if cut < 0 {
		return "", false
	}
	return path[:cut], true
}

// lineOf finds the line of key, or of the nearest enclosing key that has
// one (a key inside an inline table has the line of the table), or 0.
func lineOf(lines map[string]int, key string) int {
	for {
		if l, ok := lines[key]; ok {
			return l
		}
		var ok bool
		if key, ok = parentKey(key); !ok {
			return 0
		}
	}
}

// keyLines maps each key path defined in a TOML document to the 1-based
// line where it is first defined. It is only run on documents the TOML
// parser accepted, to place error messages, so it is a small scanner that
// knows where keys, strings, arrays and comments are, not a parser. It
// always terminates, whatever its input.
func keyLines(src string) map[string]int {
	s := &lineScanner{src: src, lines: map[string]int{}, counts: map[string]int{}}
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			s.newlines = append(s.newlines, i)
		}
	}
	table := ""
	for {
		s.skipBlank()
		if s.i >= len(s.src) {
			break
		}
		if s.src[s.i] == '[' {
			table = s.header()
		} else {
			s.keyValue(table)
		}
		s.skipLine()
	}
	return s.lines
}

type lineScanner struct {
	src      string
	i        int
	newlines []int          // offsets of '\n'
	lines    map[string]int // key path -> line
	counts   map[string]int // array of tables -> elements seen
}

func (s *lineScanner) line() int {
	return 1 + sort.SearchInts(s.newlines, s.i)
}

func (s *lineScanner) record(path string, line int) {
	if _, ok := s.lines[path]; !ok && path != "" {
		s.lines[path] = line
	}
}

// skipBlank skips spaces, newlines and comments.
func (s *lineScanner) skipBlank() {
	for s.i < len(s.src) {
		switch s.src[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		case '#':
			s.skipLine()
		default:
			return
		}
	}
}

func (s *lineScanner) skipSpace() {
	for s.i < len(s.src) && (s.src[s.i] == ' ' || s.src[s.i] == '\t') {
		s.i++
	}
}

// skipLine moves to the next newline (a trailing comment or rest of line).
func (s *lineScanner) skipLine() {
	for s.i < len(s.src) && s.src[s.i] != '\n' {
		s.i++
	}
}

// header reads [table] or [[array]] and returns the path of the table
// that the following keys belong to.
func (s *lineScanner) header() string {
	line := s.line()
	array := strings.HasPrefix(s.src[s.i:], "[[")
	if array {
		s.i += 2
	} else {
		s.i++
	}
	path := ""
	for _, seg := range s.key() {
		path = joinKey(path, seg)
		s.record(path, line)
	}
	if array {
		n := s.counts[path]
		s.counts[path] = n + 1
		path = indexKey(path, n)
		s.record(path, line)
	}
	return path
}

// keyValue reads key = value within table.
func (s *lineScanner) keyValue(table string) {
	line := s.line()
	segs := s.key()
	if len(segs) == 0 {
		return
	}
	path := table
	for _, seg := range segs {
		path = joinKey(path, seg)
		s.record(path, line)
	}
	s.skipSpace()
	if s.i < len(s.src) && s.src[s.i] == '=' {
		s.i++
		s.skipSpace()
		s.value(path)
	}
}

// key reads a dotted key: bare, "basic" or 'literal' segments.
func (s *lineScanner) key() []string {
	var segs []string
	for {
		s.skipSpace()
		if s.i >= len(s.src) {
			return segs
		}
		start := s.i
		switch s.src[s.i] {
		case '"':
			s.skipString()
			raw := s.src[start:s.i]
			if seg, err := strconv.Unquote(raw); err == nil {
				segs = append(segs, seg)
			} else {
				segs = append(segs, strings.Trim(raw, `"`))
			}
		case '\'':
			s.skipString()
			segs = append(segs, strings.Trim(s.src[start:s.i], "'"))
		default:
			for s.i < len(s.src) && !strings.ContainsRune(" \t\r\n=.[]{},#\"'", rune(s.src[s.i])) {
				s.i++
			}
			if s.i == start {
				return segs
			}
			segs = append(segs, s.src[start:s.i])
		}
		s.skipSpace()
		if s.i < len(s.src) && s.src[s.i] == '.' {
			s.i++
			continue
		}
		return segs
	}
}

// value skips a value, recording the keys of inline tables and the
// elements of arrays.
func (s *lineScanner) value(path string) {
	if s.i >= len(s.src) {
		return
	}
	switch s.src[s.i] {
	case '"', '\'':
		s.skipString()
	case '[':
		s.i++
		for n := 0; ; {
			s.skipBlank()
			if s.i >= len(s.src) {
				return
			}
			switch s.src[s.i] {
			case ']':
				s.i++
				return
			case ',':
				s.i++
				continue
			}
			elem := indexKey(path, n)
			s.record(elem, s.line())
			start := s.i
			s.value(elem)
			if s.i == start {
				s.i++ // not a value: step over it
			}
			n++
		}
	case '{':
		s.i++
		for {
			s.skipBlank()
			if s.i >= len(s.src) {
				return
			}
			switch s.src[s.i] {
			case '}':
				s.i++
				return
			case ',':
				s.i++
				continue
			}
			start := s.i
			s.keyValue(path)
			if s.i == start {
				s.i++
			}
		}
	default:
		// Numbers, booleans, dates (which may hold a space).
		for s.i < len(s.src) && !strings.ContainsRune(",]}\r\n#", rune(s.src[s.i])) {
			s.i++
		}
	}
}

// skipString skips a basic, literal or multi-line string starting at s.i.
func (s *lineScanner) skipString() {
	q := s.src[s.i]
	if strings.HasPrefix(s.src[s.i:], strings.Repeat(string(q), 3)) {
		s.i += 3
		for s.i < len(s.src) {
			if q == '"' && s.src[s.i] == '\\' {
				s.i += 2
				continue
			}
			if strings.HasPrefix(s.src[s.i:], strings.Repeat(string(q), 3)) {
				s.i += 3
				// Up to two more quotes belong to the string.
				for k := 0; k < 2 && s.i < len(s.src) && s.src[s.i] == q; k++ {
					s.i++
				}
				return
			}
			s.i++
		}
		s.i = min(s.i, len(s.src))
		return
	}
	s.i++
	for s.i < len(s.src) && s.src[s.i] != '\n' {
		c := s.src[s.i]
		if q == '"' && c == '\\' {
			s.i += 2
			continue
		}
		s.i++
		if c == q {
			return
		}
	}
	s.i = min(s.i, len(s.src))
}
