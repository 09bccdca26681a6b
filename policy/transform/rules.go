package transform

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// matcher is a compiled from pattern.
type matcher struct {
	re        *regexp.Regexp
	withQuery bool // from contains \?: match "path?query"
}

func compileMatcher(from string) (matcher, error) {
	if from == "" {
		return matcher{}, errors.New("empty")
	}
	re, err := regexp.Compile(from)
	if err != nil {
		return matcher{}, err
	}
	return matcher{re: re, withQuery: strings.Contains(from, `\?`)}, nil
}

// match returns the expansion of to against u, or ok false. The path is
// the escaped one, so captures go back into a URL as they came.
func (m matcher) match(u *url.URL, to string) (string, bool) {
	subject := u.EscapedPath()
	if m.withQuery {
		subject += "?" + u.RawQuery
	}
	idx := m.re.FindStringSubmatchIndex(subject)
	if idx == nil {
		return "", false
	}
	return string(m.re.ExpandString(nil, to, subject, idx)), true
}

// checkRefs checks that every $reference in to names a group of re, using
// regexp.Expand's syntax. Expand quietly expands an unknown reference, or
// a bare "$", to nothing or to "$"; a typo would then send traffic
// somewhere unexpected instead of failing at load.
func checkRefs(to string, re *regexp.Regexp) error {
	for {
		_, after, ok := strings.Cut(to, "$")
		if !ok {
			return nil
		}
		to = after
		if strings.HasPrefix(to, "$") {
			to = to[1:]
			continue
		}
		name, rest, ok := refName(to)
		if !ok {
			return errors.New(`"$" must start a reference such as $1 or ${name} (write $$ for a dollar sign)`)
		}
		to = rest
		if n, err := strconv.Atoi(name); err == nil {
			if n > re.NumSubexp() {
				return fmt.Errorf("$%s: from has only %d groups", name, re.NumSubexp())
			}
			continue
		}
		if re.SubexpIndex(name) < 0 {
			return fmt.Errorf("$%s: from has no group named %q", name, name)
		}
	}
}

// refName parses the reference after a "$" as regexp.Expand does: the
// longest run of letters, digits and underscores, optionally in braces.
func refName(s string) (name, rest string, ok bool) {
	brace := strings.HasPrefix(s, "{")
	if brace {
		s = s[1:]
	}
	i := 0
	for i < len(s) && (s[i] == '_' || 'a' <= s[i] && s[i] <= 'z' || 'A' <= s[i] && s[i] <= 'Z' || '0' <= s[i] && s[i] <= '9') {
		i++
	}
	if i == 0 {
		return "", "", false
	}
	name, s = s[:i], s[i:]
	if brace {
		if !strings.HasPrefix(s, "}") {
			return "", "", false
		}
		s = s[1:]
	}
	return name, s, true
}

// oneLeadingSlash collapses the leading slashes (and backslashes, which
// browsers treat alike) of a path to one, so that "/$1" with a capture
// "/evil.example" cannot become the protocol-relative "//evil.example".
func oneLeadingSlash(p string) string {
	i := 0
	for i < len(p) && (p[i] == '/' || p[i] == '\\') {
		i++
	}
	if i <= 1 {
		return p
	}
	return "/" + p[i:]
}

// rewrite is a compiled Rewrite.
type rewrite struct {
	m  matcher
	to string
}

func compileRewrite(rw Rewrite) (rewrite, error) {
	m, err := compileMatcher(rw.From)
	if err != nil {
		return rewrite{}, fmt.Errorf("from: %w", err)
	}
	switch {
	case !strings.HasPrefix(rw.To, "/") || strings.HasPrefix(rw.To, "//"):
		return rewrite{}, fmt.Errorf("to: %q must be a path starting with a single /", rw.To)
	case strings.Contains(rw.To, "#"):
		return rewrite{}, fmt.Errorf("to: %q has a fragment, which is never sent to a server", rw.To)
	}
	if err := checkRefs(rw.To, m.re); err != nil {
		return rewrite{}, fmt.Errorf("to: %w", err)
	}
	return rewrite{m: m, to: rw.To}, nil
}

// apply returns u rewritten, or nil when the rule does not match.
func (rw *rewrite) apply(u *url.URL) (*url.URL, error) {
	out, ok := rw.m.match(u, rw.to)
	if !ok {
		return nil, nil
	}
	rawPath, query, hasQuery := strings.Cut(oneLeadingSlash(out), "?")
	if !rw.m.withQuery && u.RawQuery != "" {
		// from looked at the path only: the query is the client's, kept
		// after any that to adds.
		if hasQuery && query != "" {
			query += "&" + u.RawQuery
		} else {
			query = u.RawQuery
		}
	}
	p, err := url.PathUnescape(rawPath)
	if err != nil {
		return nil, fmt.Errorf("rewritten path %q: %w", rawPath, err)
	}
	// A capture could hold "..", or "%2e%2e", and climb out of the prefix
	// the rewrite puts it under once the origin resolves the path.
	for seg := range strings.SplitSeq(p, "/") {
		if seg == ".." {
			return nil, fmt.Errorf("rewritten path %q has a \"..\" segment", rawPath)
		}
	}
	nu := *u
	nu.Path, nu.RawPath = p, rawPath
	nu.RawQuery, nu.ForceQuery = query, false
	return &nu, nil
}

// redirect is a compiled Redirect.
type redirect struct {
	m             matcher
	to            string
	absolute      bool
	status        int
	preserveQuery bool
}

func compileRedirect(rd Redirect) (redirect, error) {
	m, err := compileMatcher(rd.From)
	if err != nil {
		return redirect{}, fmt.Errorf("from: %w", err)
	}
	r := redirect{m: m, to: rd.To, status: rd.Status, preserveQuery: rd.PreserveQuery}
	switch r.status {
	case 0:
		r.status = 301
	case 301, 302, 303, 307, 308:
	default:
		return redirect{}, fmt.Errorf("status: %d is not one of 301, 302, 303, 307, 308", rd.Status)
	}
	if r.absolute, err = checkTarget(rd.To); err != nil {
		return redirect{}, fmt.Errorf("to: %w", err)
	}
	if err := checkRefs(rd.To, m.re); err != nil {
		return redirect{}, fmt.Errorf("to: %w", err)
	}
	return r, nil
}

// checkTarget checks a redirect's to: a path, or an absolute http(s) URL
// whose scheme and host are fixed text.
func checkTarget(to string) (absolute bool, err error) {
	if strings.HasPrefix(to, "/") {
		if strings.HasPrefix(to, "//") || strings.HasPrefix(to, `/\`) {
			return false, fmt.Errorf("%q is protocol-relative; write the scheme", to)
		}
		return false, nil
	}
	lower := strings.ToLower(to)
	if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
		return false, fmt.Errorf("%q must be a path starting with / or an absolute http or https URL", to)
	}
	schemeEnd := strings.Index(to, "://") + len("://")
	end := len(to)
	if i := strings.IndexAny(to[schemeEnd:], "/?#"); i >= 0 {
		end = schemeEnd + i
	}
	authority := to[schemeEnd:end]
	if strings.Contains(authority, "$") {
		// A capture in the host would let a request pick where the
		// client is sent: an open redirect.
		return false, fmt.Errorf("%q: captures cannot be used in the host", to)
	}
	u, err := url.Parse(to[:end])
	if err != nil || u.Host == "" || u.User != nil {
		return false, fmt.Errorf("%q does not have a valid host", to)
	}
	return true, nil
}

// target returns where u is redirected, or ok false when the rule does not
// match.
func (rd *redirect) target(u *url.URL) (string, bool) {
	out, ok := rd.m.match(u, rd.to)
	if !ok {
		return "", false
	}
	if !rd.absolute {
		out = oneLeadingSlash(out)
	}
	if rd.preserveQuery && u.RawQuery != "" {
		base, frag, hasFrag := strings.Cut(out, "#")
		sep := "?"
		if strings.Contains(base, "?") {
			sep = "&"
		}
		out = base + sep + u.RawQuery
		if hasFrag {
			out += "#" + frag
		}
	}
	return out, true
}
