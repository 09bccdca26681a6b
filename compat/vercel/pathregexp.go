package vercel

import (
	"fmt"
	"regexp"
	"strings"
)

// This file translates path-to-regexp (v6, the version Next.js uses for
// middleware matchers) into Go regular expressions. Go's RE2 engine has no
// lookahead, so a lookahead at the start of a group's pattern, as in the
// documented '/((?!api|_next/static).*)', is taken out of the regexp and
// checked separately at the position where the group starts.

type ptToken struct {
	literal  string // set for plain text
	isParam  bool
	prefix   string
	suffix   string
	pattern  string
	modifier string // "", "?", "*", "+"
}

type lexItem struct {
	kind  string // MODIFIER ESCAPED_CHAR OPEN CLOSE NAME PATTERN CHAR END
	index int
	value string
}

// lexPath is path-to-regexp's lexer, with its error messages.
func lexPath(s string) ([]lexItem, error) {
	var out []lexItem
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == '*' || c == '+' || c == '?':
			out = append(out, lexItem{"MODIFIER", i, s[i : i+1]})
			i++
		case c == '\\':
			if i+1 >= len(s) {
				return nil, fmt.Errorf("trailing backslash at %d", i)
			}
			out = append(out, lexItem{"ESCAPED_CHAR", i, s[i+1 : i+2]})
			i += 2
		case c == '{':
			out = append(out, lexItem{"OPEN", i, "{"})
			i++
		case c == '}':
			out = append(out, lexItem{"CLOSE", i, "}"})
			i++
		case c == ':':
			j := i + 1
			for j < len(s) && isNameByte(s[j]) {
				j++
			}
			if j == i+1 {
				return nil, fmt.Errorf("missing parameter name at %d", i)
			}
			out = append(out, lexItem{"NAME", i, s[i+1 : j]})
			i = j
		case c == '(':
			count, j := 1, i+1
			var pat strings.Builder
			if j < len(s) && s[j] == '?' {
				return nil, fmt.Errorf("pattern cannot start with \"?\" at %d", j)
			}
			for j < len(s) {
				if s[j] == '\\' && j+1 < len(s) {
					pat.WriteString(s[j : j+2])
					j += 2
					continue
				}
				if s[j] == ')' {
					count--
					if count == 0 {
						j++
						break
					}
				} else if s[j] == '(' {
					count++
					if j+1 >= len(s) || s[j+1] != '?' {
						return nil, fmt.Errorf("capturing groups are not allowed at %d", j)
					}
				}
				pat.WriteByte(s[j])
				j++
			}
			if count != 0 {
				return nil, fmt.Errorf("unbalanced pattern at %d", i)
			}
			if pat.Len() == 0 {
				return nil, fmt.Errorf("missing pattern at %d", i)
			}
			out = append(out, lexItem{"PATTERN", i, pat.String()})
			i = j
		default:
			out = append(out, lexItem{"CHAR", i, s[i : i+1]})
			i++
		}
	}
	return append(out, lexItem{"END", i, ""}), nil
}

func isNameByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_'
}

// defaultPattern is path-to-regexp's default with its default delimiters.
const defaultPattern = `[^\/#\?]+?`

// parsePath is path-to-regexp's parse with default options.
func parsePath(s string) ([]ptToken, error) {
	items, err := lexPath(s)
	if err != nil {
		return nil, err
	}
	var out []ptToken
	i := 0
	path := ""
	try := func(kind string) (string, bool) {
		if i < len(items) && items[i].kind == kind {
			i++
			return items[i-1].value, true
		}
		return "", false
	}
	must := func(kind string) error {
		if _, ok := try(kind); ok {
			return nil
		}
		return fmt.Errorf("unexpected %s at %d, expected %s", items[i].kind, items[i].index, kind)
	}
	text := func() string {
		var b strings.Builder
		for {
			v, ok := try("CHAR")
			if !ok {
				v, ok = try("ESCAPED_CHAR")
			}
			if !ok {
				return b.String()
			}
			b.WriteString(v)
		}
	}
	for i < len(items) {
		char, _ := try("CHAR")
		_, hasName := try("NAME")
		pattern, hasPattern := try("PATTERN")
		if hasName || hasPattern {
			prefix := char
			if prefix != "." && prefix != "/" {
				path += prefix
				prefix = ""
			}
			if path != "" {
				out = append(out, ptToken{literal: path})
				path = ""
			}
			if !hasPattern {
				pattern = defaultPattern
			}
			mod, _ := try("MODIFIER")
			out = append(out, ptToken{isParam: true, prefix: prefix, pattern: pattern, modifier: mod})
			continue
		}
		value := char
		if value == "" {
			value, _ = try("ESCAPED_CHAR")
		}
		if value != "" {
			path += value
			continue
		}
		if path != "" {
			out = append(out, ptToken{literal: path})
			path = ""
		}
		if _, ok := try("OPEN"); ok {
			prefix := text()
			_, hasName := try("NAME")
			pattern, hasPattern := try("PATTERN")
			suffix := text()
			if err := must("CLOSE"); err != nil {
				return nil, err
			}
			if hasName && !hasPattern {
				pattern = defaultPattern
			}
			mod, _ := try("MODIFIER")
			out = append(out, ptToken{isParam: pattern != "", literal: "", prefix: prefix, suffix: suffix, pattern: pattern, modifier: mod})
			continue
		}
		if err := must("END"); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// assertion is a lookahead taken out of a pattern: at the group's start,
// re (anchored) must not match (negative) or must match (positive).
type assertion struct {
	negative bool
	re       *regexp.Regexp
}

func (a assertion) allows(rest string) bool { return a.re.MatchString(rest) != a.negative }

// splitLookaheads removes leading (?!...) and (?=...) from a JS pattern.
func splitLookaheads(pattern string) ([]assertion, string, error) {
	var out []assertion
	for strings.HasPrefix(pattern, "(?!") || strings.HasPrefix(pattern, "(?=") {
		end := groupEnd(pattern)
		if end < 0 {
			return nil, "", fmt.Errorf("unbalanced lookahead in %q", pattern)
		}
		body := pattern[3:end]
		re, err := regexp.Compile(`^(?:` + body + `)`)
		if err != nil {
			return nil, "", fmt.Errorf("lookahead %q: %w", pattern[:end+1], err)
		}
		out = append(out, assertion{negative: pattern[2] == '!', re: re})
		pattern = pattern[end+1:]
	}
	if len(out) > 0 && hasTopLevelAlternation(pattern) {
		// JS binds the lookahead to the first alternative only; keeping that
		// meaning would need a real lookahead engine.
		return nil, "", fmt.Errorf("a lookahead followed by a top-level '|' is not supported; wrap the alternatives in (?:...)")
	}
	if i := findLookaround(pattern); i >= 0 {
		return nil, "", fmt.Errorf("lookaround at offset %d is not supported; only a lookahead at the start of a group is", i)
	}
	return out, pattern, nil
}

// groupEnd returns the index of the ')' closing the group opening at s[0],
// skipping escapes and character classes.
func groupEnd(s string) int {
	depth, inClass := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

func hasTopLevelAlternation(s string) bool {
	depth, inClass := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case inClass:
			inClass = c != ']'
		case c == '[':
			inClass = true
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == '|' && depth == 0:
			return true
		}
	}
	return false
}

func findLookaround(s string) int {
	inClass := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case inClass:
			inClass = c != ']'
		case c == '[':
			inClass = true
		case c == '(' && (strings.HasPrefix(s[i:], "(?!") || strings.HasPrefix(s[i:], "(?=") ||
			strings.HasPrefix(s[i:], "(?<!") || strings.HasPrefix(s[i:], "(?<=")):
			return i
		}
	}
	return -1
}

// part is one rendered piece of the final regexp. Parts with a lookahead
// keep their pieces apart so the matcher can split around them.
type part struct {
	re       string
	look     []assertion
	group    string // capture name marking where the lookahead applies
	prefix   string
	body     string
	suffix   string
	optional bool
}

// renderTokens turns tokens into parts, following tokensToRegexp with
// default options (strict false: an optional trailing delimiter).
func renderTokens(tokens []ptToken) ([]part, error) {
	var parts []part
	n := 0
	for _, tok := range tokens {
		if !tok.isParam {
			if tok.literal != "" {
				parts = append(parts, part{re: regexp.QuoteMeta(tok.literal)})
				continue
			}
			// A group without a pattern: {prefix suffix}modifier.
			parts = append(parts, part{re: `(?:` + regexp.QuoteMeta(tok.prefix+tok.suffix) + `)` + tok.modifier})
			continue
		}
		look, pat, err := splitLookaheads(tok.pattern)
		if err != nil {
			return nil, err
		}
		if _, err := regexp.Compile(pat); err != nil {
			return nil, fmt.Errorf("pattern %q: %w", tok.pattern, err)
		}
		pre, suf := regexp.QuoteMeta(tok.prefix), regexp.QuoteMeta(tok.suffix)
		repeated := tok.modifier == "*" || tok.modifier == "+"
		if len(look) > 0 {
			if repeated {
				return nil, fmt.Errorf("a lookahead in a repeated group (%q%s) is not supported", tok.pattern, tok.modifier)
			}
			name := fmt.Sprintf("la%d", n)
			n++
			parts = append(parts, part{
				re:   `(?:` + pre + `(?P<` + name + `>` + pat + `)` + suf + `)` + tok.modifier,
				look: look, group: name, prefix: pre, body: pat, suffix: suf, optional: tok.modifier == "?",
			})
			continue
		}
		var re string
		switch {
		case (pre != "" || suf != "") && repeated:
			mod := ""
			if tok.modifier == "*" {
				mod = "?"
			}
			re = `(?:` + pre + `((?:` + pat + `)(?:` + suf + pre + `(?:` + pat + `))*)` + suf + `)` + mod
		case pre != "" || suf != "":
			re = `(?:` + pre + `(` + pat + `)` + suf + `)` + tok.modifier
		case repeated:
			re = `((?:` + pat + `)` + tok.modifier + `)`
		default:
			re = `(` + pat + `)` + tok.modifier
		}
		parts = append(parts, part{re: re})
	}
	return append(parts, part{re: `[\/#\?]?`}), nil
}

// maxLookaheads bounds the recursive split structure (and its cost).
const maxLookaheads = 4

// seq matches a whole string against parts. re is the regexp with the
// lookaheads removed, so it accepts a superset; when its preferred match
// breaks a lookahead, split tries the other ways to place the first one.
type seq struct {
	re    *regexp.Regexp
	looks []lookRef
	split *split
}

type lookRef struct {
	group int
	look  []assertion
}

type split struct {
	left    *regexp.Regexp // everything before the lookahead's position
	look    []assertion
	right   *seq // from the lookahead's position to the end
	without *seq // the optional group left out
}

func compileSeq(parts []part) (*seq, error) {
	var b strings.Builder
	b.WriteString("^(?:")
	for _, p := range parts {
		b.WriteString(p.re)
	}
	b.WriteString(")$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, err
	}
	s := &seq{re: re}
	first := -1
	for i, p := range parts {
		if p.look == nil {
			continue
		}
		if first < 0 {
			first = i
		}
		s.looks = append(s.looks, lookRef{group: re.SubexpIndex(p.group), look: p.look})
	}
	if first < 0 {
		return s, nil
	}
	if len(s.looks) > maxLookaheads {
		return nil, fmt.Errorf("more than %d lookahead groups", maxLookaheads)
	}
	p := parts[first]
	var left strings.Builder
	left.WriteString("^(?:")
	for _, q := range parts[:first] {
		left.WriteString(q.re)
	}
	left.WriteString(p.prefix + ")$")
	sp := &split{look: p.look}
	if sp.left, err = regexp.Compile(left.String()); err != nil {
		return nil, err
	}
	rest := append([]part{{re: `(?:` + p.body + `)` + p.suffix}}, parts[first+1:]...)
	if sp.right, err = compileSeq(rest); err != nil {
		return nil, err
	}
	if p.optional {
		without := append(append([]part{}, parts[:first]...), parts[first+1:]...)
		if sp.without, err = compileSeq(without); err != nil {
			return nil, err
		}
	}
	s.split = sp
	return s, nil
}

func (s *seq) match(str string) bool {
	m := s.re.FindStringSubmatchIndex(str)
	if m == nil {
		return false // the lookahead-free superset already refuses
	}
	ok := true
	for _, l := range s.looks {
		if start := m[2*l.group]; start >= 0 && !allows(l.look, str[start:]) {
			ok = false
			break
		}
	}
	if ok || s.split == nil {
		return ok
	}
	return s.split.match(str)
}

// match tries every position for the lookahead group. It is quadratic in
// the worst case but only runs when the preferred match broke a lookahead.
func (sp *split) match(str string) bool {
	if sp.without != nil && sp.without.match(str) {
		return true
	}
	for i := 0; i <= len(str); i++ {
		if allows(sp.look, str[i:]) && sp.left.MatchString(str[:i]) && sp.right.match(str[i:]) {
			return true
		}
	}
	return false
}

func allows(look []assertion, rest string) bool {
	for _, a := range look {
		if !a.allows(rest) {
			return false
		}
	}
	return true
}
