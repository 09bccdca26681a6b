package bundle

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/evanw/esbuild/pkg/api"
)

// Message is one error or warning from a build, at a place in a file when
// esbuild knows it.
type Message struct {
	// File is relative to the current directory ("src/index.ts"), or
	// empty when the message is about no file.
	File string
	// Line is 1-based.
	Line int
	// Column is 0-based and counts bytes, as esbuild reports it.
	Column int
	// Text says what is wrong.
	Text string
	// LineText is the text of the line at Line, when known.
	LineText string
	// Notes add context ("Is the package installed? ...").
	Notes []string
	// Warning is set for a warning, which did not stop the build.
	Warning bool
}

// String formats m as esbuild's one-line form, followed by the line and a
// marker under Column, and the notes:
//
//	src/index.ts:3:14: ERROR: Could not resolve "./nope"
//	    import x from "./nope";
//	                  ^
func (m Message) String() string {
	var b strings.Builder
	if m.File != "" {
		fmt.Fprintf(&b, "%s:%d:%d: ", m.File, m.Line, m.Column)
	}
	if m.Warning {
		b.WriteString("WARNING: ")
	} else {
		b.WriteString("ERROR: ")
	}
	b.WriteString(m.Text)
	if m.LineText != "" {
		line, col := excerpt(m.LineText, m.Column)
		b.WriteString("\n    " + line + "\n    " + strings.Repeat(" ", col) + "^")
	}
	for _, n := range m.Notes {
		b.WriteString("\n  note: " + n)
	}
	return b.String()
}

// excerptWidth is how much of a long line (minified code in node_modules)
// a message shows around the column.
const excerptWidth = 100

// excerpt returns the part of a source line to print and the column of the
// marker in it, counting characters, not bytes, with tabs as two spaces
// (as esbuild does).
func excerpt(line string, byteCol int) (string, int) {
	if i := strings.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	byteCol = min(max(byteCol, 0), len(line))
	for byteCol > 0 && byteCol < len(line) && !utf8.RuneStart(line[byteCol]) {
		byteCol--
	}
	before := []rune(strings.ReplaceAll(line[:byteCol], "\t", "  "))
	after := []rune(strings.ReplaceAll(line[byteCol:], "\t", "  "))
	prefix, suffix := "", ""
	if len(before) > excerptWidth/2 {
		before, prefix = before[len(before)-excerptWidth/2:], "..."
	}
	if len(after) > excerptWidth/2 {
		after, suffix = after[:excerptWidth/2], "..."
	}
	return prefix + string(before) + string(after) + suffix, len(prefix) + len(before)
}

// BuildError is a build that failed because of the code it bundles. Its
// message lists every error as esbuild prints them, one per paragraph.
type BuildError struct {
	// Entry is the entry as Options named it.
	Entry string
	// Messages are the errors, at least one.
	Messages []Message
}

// Error lists the messages under a header naming the entry and the count.
func (e *BuildError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "build failed: %s: ", e.Entry)
	if len(e.Messages) == 1 {
		b.WriteString("1 error")
	} else {
		fmt.Fprintf(&b, "%d errors", len(e.Messages))
	}
	for _, m := range e.Messages {
		b.WriteString("\n")
		b.WriteString(m.String())
	}
	return b.String()
}

// misleadingNotes are esbuild's suggestions that do not apply to Verge: a
// worker cannot leave an import external, and bundling for Node.js is not
// an option.
var misleadingNotes = []string{"as external to exclude it", "api.PlatformNode"}

// messages converts esbuild's messages. esbuild names files relative to
// dir (its working directory); messages name them relative to cwd, as a
// compiler's do, so that a terminal can open them.
func messages(msgs []api.Message, dir, cwd string, warning, nodeCompat bool) []Message {
	if len(msgs) == 0 {
		return nil
	}
	out := make([]Message, 0, len(msgs))
	for _, am := range msgs {
		m := Message{Text: am.Text, Warning: warning}
		if l := am.Location; l != nil {
			m.File, m.Line, m.Column, m.LineText = relPath(l, dir, cwd), l.Line, l.Column, l.LineText
		}
		builtin := explainNodeBuiltin(&m, nodeCompat)
		for _, n := range am.Notes {
			if containsAny(n.Text, misleadingNotes) {
				if !builtin && strings.HasPrefix(am.Text, unresolvedPrefix) {
					m.Notes = append(m.Notes, "Is the package installed? Packages resolve from node_modules folders in the importing file's folder and above.")
				}
				continue
			}
			text := n.Text
			if l := n.Location; l != nil {
				text = fmt.Sprintf("%s:%d:%d: %s", relPath(l, dir, cwd), l.Line, l.Column, text)
			}
			m.Notes = append(m.Notes, text)
		}
		out = append(out, m)
	}
	return out
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// relPath rewrites a file path esbuild reports relative to dir so that it
// is relative to cwd (or absolute, when that is shorter to read).
func relPath(l *api.Location, dir, cwd string) string {
	if l.File == "" || (l.Namespace != "" && l.Namespace != "file") {
		return l.File
	}
	abs := l.File
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(dir, abs)
	}
	if rel, err := filepath.Rel(cwd, abs); err == nil && len(rel) < len(abs) {
		return rel
	}
	return abs
}
