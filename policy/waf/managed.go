package waf

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// newManaged returns the matcher of the managed set called name.
func newManaged(name string) (func(*http.Request) bool, error) {
	switch name {
	case "path-traversal":
		return pathTraversal, nil
	case "injection":
		return newInjection().match, nil
	case "bad-bots":
		return badBot, nil
	}
	return nil, fmt.Errorf("unknown managed set %q: give path-traversal, injection or bad-bots", name)
}

// pathTraversal reports a ".." path segment in the path or the query.
func pathTraversal(r *http.Request) bool {
	return hasDotDot(normalize(r.URL.EscapedPath(), false)) ||
		hasDotDot(normalize(r.URL.RawQuery, true))
}

// hasDotDot reports whether s, normalized, has ".." as a path segment:
// after a slash, a query's = & or ;, or the start; and before a slash, &
// or ; (which some servers take as a segment's end), or the end. It also
// reports "..." before a slash, as in "....//", which a filter that
// strips "../" once turns into "../".
func hasDotDot(s string) bool {
	for i := 0; ; i++ {
		j := strings.Index(s[i:], "..")
		if j < 0 {
			return false
		}
		i += j
		before := i == 0 || strings.IndexByte("/=&;", s[i-1]) >= 0
		after := i+2 == len(s) || strings.IndexByte("/&;", s[i+2]) >= 0
		if before && after || i > 0 && s[i-1] == '.' && i+2 < len(s) && s[i+2] == '/' {
			return true
		}
	}
}

// injection recognises SQL injection and cross-site scripting probes.
type injection struct {
	comment    *regexp.Regexp
	signatures []signature
}

// signature is a pattern with the literals, one of which any match
// contains. The regular expression only runs on input that has one:
// most requests have none, and are spared the regexp engine.
type signature struct {
	literals []string
	re       *regexp.Regexp // nil when a literal alone is a match
}

func (s *signature) match(in string) bool {
	for _, l := range s.literals {
		if strings.Contains(in, l) {
			return s.re == nil || s.re.MatchString(in)
		}
	}
	return false
}

// newInjection compiles the signatures. Each is a shape probes take and
// prose rarely does.
func newInjection() *injection {
	sig := func(re string, literals ...string) signature {
		s := signature{literals: literals}
		if re != "" {
			s.re = regexp.MustCompile(re)
		}
		return s
	}
	return &injection{
		comment: regexp.MustCompile(`/\*.*?\*/`),
		signatures: []signature{
			// SQL: a quote that closes a string, then a tautology (' or
			// 'a'='a, " or 1=1) or a comment that cuts the rest of the
			// query off (admin'--); or an attribute's quote closed to add
			// an event handler (" onmouseover=).
			sig(`['"]\s*(?:or|and|\|\||&&)\s*(?:['"][^'"]*['"]|\d+|true|false|null)\s*(?:=|<|>|!=|like\b|is\b)`+
				`|'\s*(?:--|#|/\*)`+
				`|['"]\s*/?\s*on(?:error|load|click|dblclick|focus|blur|toggle|begin|mouse[a-z]+|key[a-z]+|pointer[a-z]+|animation[a-z]+)\s*=`,
				"'", `"`),
			// A numeric tautology: 1 or 1=1.
			sig(`\b(?:or|and)\s+\d+\s*=\s*\d+\b`, "or", "and"),
			sig(`\bunion(?:\s+(?:all|distinct))?\s+select\b`, "union"),
			// A stacked statement: 1; drop table users.
			sig(`;\s*(?:drop|delete|insert|update|alter|create|truncate|exec|execute|shutdown|declare)\s`, ";"),
			// Time-based blind probes and error-based extraction.
			sig(`\b(?:sleep|benchmark|pg_sleep|extractvalue|updatexml|load_file)\s*\(`, "("),
			sig(`\bwaitfor\s+delay\b`, "waitfor"),
			sig(`\binto\s+(?:out|dump)file\b`, "file"),
			sig("", "information_schema", "@@version", "xp_cmdshell"),
			// HTML: a script or embedding element, or any element with an
			// event handler: <img src=x onerror=alert(1)>.
			sig(`<\s*/?\s*(?:script|iframe|frame|frameset|object|embed|applet|meta|base)\b`+
				`|<[a-z!/][^>]*?[\s/"']on[a-z]{3,}\s*=`, "<"),
			sig(`\b(?:java|vb|live)script:\S`, "script:"),
			sig(`\bdata:text/html\b|\bsrcdoc\s*=|\bdocument\s*\.\s*(?:cookie|domain|write)\b`,
				"data:", "srcdoc", "document"),
		},
	}
}

func (m *injection) match(r *http.Request) bool {
	return m.probe(normalize(r.URL.RawQuery, true)) || m.probe(normalize(r.URL.EscapedPath(), false))
}

func (m *injection) probe(s string) bool {
	if s == "" {
		return false
	}
	if strings.Contains(s, "/*") {
		// UNION/**/SELECT: a comment separates words as a space does.
		s = m.comment.ReplaceAllLiteralString(s, " ")
	}
	for i := range m.signatures {
		if m.signatures[i].match(s) {
			return true
		}
	}
	return false
}

// badBot reports a request without a User-Agent, or from a
// vulnerability scanner that names itself in it.
func badBot(r *http.Request) bool {
	ua := strings.ToLower(strings.TrimSpace(r.UserAgent()))
	if ua == "" {
		return true
	}
	for _, name := range [...]string{
		"sqlmap", "nikto", "masscan", "zgrab", "nmap scripting engine", "nuclei", "dirbuster",
		"gobuster", "feroxbuster", "wpscan", "acunetix", "netsparker", "havij", "w3af",
		"fimap", "zmeu", "openvas", "nessus", "commix", "jorgee",
	} {
		if strings.Contains(ua, name) {
			return true
		}
	}
	return false
}

// normalize undoes what attackers do to slip a pattern past a filter: up
// to three layers of percent-encoding (with "+" for a space in a query),
// IIS's %uXXXX, overlong UTF-8 for dots and slashes, backslashes for
// slashes, and case.
func normalize(s string, query bool) string {
	for range 3 {
		d := unescape(s, query)
		if d == s {
			break
		}
		s = d
	}
	if hasOverlongLead(s) {
		// Before ToLower, which would turn these invalid sequences into
		// U+FFFD.
		for _, o := range [...][2]string{
			{"\xc0\xae", "."}, {"\xe0\x80\xae", "."},
			{"\xc0\xaf", "/"}, {"\xe0\x80\xaf", "/"}, {"\xc1\x9c", "\\"},
		} {
			s = strings.ReplaceAll(s, o[0], o[1])
		}
	}
	return strings.ReplaceAll(strings.ToLower(s), `\`, "/")
}

// hasOverlongLead reports whether s has a byte that starts the overlong
// sequences normalize replaces. (Not strings.ContainsAny, which takes
// its set as UTF-8 and would read these bytes as U+FFFD.)
func hasOverlongLead(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == 0xc0 || c == 0xc1 || c == 0xe0 {
			return true
		}
	}
	return false
}

// unescape decodes %XX and %uXXXX where they are well formed and keeps
// anything else as it is: unlike url.PathUnescape it does not give up on
// "100%", which would let one stray percent sign hide the rest.
func unescape(s string, plus bool) string {
	if !strings.Contains(s, "%") && (!plus || !strings.Contains(s, "+")) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+' && plus:
			b.WriteByte(' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
		case c == '%' && i+5 < len(s) && (s[i+1] == 'u' || s[i+1] == 'U') &&
			isHex(s[i+2]) && isHex(s[i+3]) && isHex(s[i+4]) && isHex(s[i+5]):
			r := rune(unhex(s[i+2]))<<12 | rune(unhex(s[i+3]))<<8 | rune(unhex(s[i+4]))<<4 | rune(unhex(s[i+5]))
			b.WriteRune(r) // WriteRune writes U+FFFD for a lone surrogate
			i += 5
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
