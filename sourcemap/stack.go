package sourcemap

import (
	"strconv"
	"strings"
)

// RewriteStack rewrites the frames of stack that point into bundleName so
// that they point at the original sources:
//
//	at fail (worker.js:28:13)  ->  at fail (src/lib.ts:5:11)
//	at worker.js:3             ->  at src/index.ts:1
//
// Only lines that are stack frames ("at ..." after leading blanks) are
// touched, so an error message that mentions a position is left alone, as
// are frames in other files (the runtime's scripts, native functions) and
// positions the map does not cover (esbuild's helpers). Columns are 1-based
// on both sides, as QuickJS prints them; a frame without a column keeps
// none.
func (m *Map) RewriteStack(stack, bundleName string) string {
	if bundleName == "" || !strings.Contains(stack, bundleName+":") {
		return stack
	}
	var b strings.Builder
	b.Grow(len(stack) + len(stack)/4)
	for rest := stack; rest != ""; {
		line := rest
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i+1], rest[i+1:]
		} else {
			rest = ""
		}
		b.WriteString(m.rewriteFrame(line, bundleName))
	}
	return b.String()
}

// rewriteFrame rewrites one line (which may end with "\n") if it is a
// frame in bundleName.
func (m *Map) rewriteFrame(line, bundleName string) string {
	body := strings.TrimRight(line, "\r\n")
	trimmed := strings.TrimLeft(body, " \t")
	if len(trimmed) == len(body) || !strings.HasPrefix(trimmed, "at ") {
		return line
	}
	// The location is either in the last parentheses ("at f (loc)") or
	// all that follows "at ".
	start, end := len(body)-len(trimmed)+len("at "), len(body)
	if strings.HasSuffix(body, ")") {
		if i := strings.LastIndex(body, " ("); i >= start-1 {
			start, end = i+2, len(body)-1
		}
	}
	loc := body[start:end]
	file, ln, col, hasCol, ok := splitLocation(loc)
	if !ok || file != bundleName {
		return line
	}
	c := 0
	if hasCol {
		c = col - 1 // 1-based in the frame, 0-based in the map
	}
	src, origLine, origCol, ok := m.Source(ln, c)
	if !ok {
		return line
	}
	mapped := src + ":" + strconv.Itoa(origLine)
	if hasCol {
		mapped += ":" + strconv.Itoa(origCol+1)
	}
	return body[:start] + mapped + body[end:] + line[len(body):]
}

// splitLocation splits "file:line" or "file:line:col".
func splitLocation(loc string) (file string, line, col int, hasCol, ok bool) {
	i := strings.LastIndexByte(loc, ':')
	if i < 0 {
		return "", 0, 0, false, false
	}
	last, err := strconv.Atoi(loc[i+1:])
	if err != nil || last < 0 {
		return "", 0, 0, false, false
	}
	head := loc[:i]
	if j := strings.LastIndexByte(head, ':'); j >= 0 {
		if l, err := strconv.Atoi(head[j+1:]); err == nil && l >= 0 {
			return head[:j], l, last, true, true
		}
	}
	return head, last, 0, false, true
}
