package vercel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// Matcher decides whether middleware runs for a request, from the
// middleware's exported config.matcher. The zero value and nil match every
// request, as a middleware without a matcher does.
type Matcher struct {
	rules []rule
}

type rule struct {
	source  string
	path    *seq
	has     []condition
	missing []condition
}

// Condition types of has and missing.
const (
	CondHeader = "header"
	CondCookie = "cookie"
	CondQuery  = "query"
	CondHost   = "host"
)

type condition struct {
	typ, key string
	value    *regexp.Regexp // nil: the item only has to be present
}

// MatcherSource is one object form of a matcher entry.
type MatcherSource struct {
	Source  string          `json:"source"`
	Has     []RouteHas      `json:"has,omitempty"`
	Missing []RouteHas      `json:"missing,omitempty"`
	Locale  json.RawMessage `json:"locale,omitempty"`
}

// RouteHas is one has/missing condition.
type RouteHas struct {
	Type  string `json:"type"`
	Key   string `json:"key,omitempty"`
	Value string `json:"value,omitempty"`
}

// CompileMatcher compiles a middleware's config. cfg is the exported config
// object ({"matcher": ...}; other keys such as runtime are ignored) or the
// matcher value alone: a string, an array of strings, or an array of
// {source, has, missing, locale} objects (mixing is allowed, as in Next.js).
// An empty cfg, null, or a config without matcher matches everything.
// Errors name the offending entry.
func CompileMatcher(cfg json.RawMessage) (*Matcher, error) {
	cfg = bytes.TrimSpace(cfg)
	if len(cfg) == 0 || string(cfg) == "null" {
		return &Matcher{}, nil
	}
	var value json.RawMessage = cfg
	if cfg[0] == '{' {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(cfg, &obj); err != nil {
			return nil, fmt.Errorf("vercel: config: %w", err)
		}
		m, ok := obj["matcher"]
		if !ok {
			if _, isSource := obj["source"]; !isSource {
				return &Matcher{}, nil
			}
			m = cfg // a single matcher object
		}
		value = bytes.TrimSpace(m)
	}
	var entries []json.RawMessage
	if len(value) > 0 && value[0] == '[' {
		if err := json.Unmarshal(value, &entries); err != nil {
			return nil, fmt.Errorf("vercel: config.matcher: %w", err)
		}
		if len(entries) == 0 {
			return nil, fmt.Errorf("vercel: config.matcher: empty array")
		}
	} else {
		entries = []json.RawMessage{value}
	}
	m := &Matcher{}
	for i, raw := range entries {
		r, err := compileEntry(raw)
		if err != nil {
			return nil, fmt.Errorf("vercel: config.matcher[%d]: %w", i, err)
		}
		m.rules = append(m.rules, r)
	}
	return m, nil
}

func compileEntry(raw json.RawMessage) (rule, error) {
	var src MatcherSource
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) > 0 && raw[0] == '"':
		if err := json.Unmarshal(raw, &src.Source); err != nil {
			return rule{}, err
		}
	case len(raw) > 0 && raw[0] == '{':
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields() // Next.js refuses unknown keys too
		if err := dec.Decode(&src); err != nil {
			return rule{}, err
		}
		if len(src.Locale) > 0 && string(src.Locale) != "false" {
			return rule{}, fmt.Errorf("locale must be false or absent, got %s", src.Locale)
		}
	default:
		return rule{}, fmt.Errorf("must be a string or an object with source, got %s", raw)
	}
	if !strings.HasPrefix(src.Source, "/") {
		return rule{}, fmt.Errorf("source %q must start with /", src.Source)
	}
	tokens, err := parsePath(src.Source)
	if err != nil {
		return rule{}, fmt.Errorf("source %q: %w", src.Source, err)
	}
	parts, err := renderTokens(tokens)
	if err != nil {
		return rule{}, fmt.Errorf("source %q: %w", src.Source, err)
	}
	path, err := compileSeq(parts)
	if err != nil {
		return rule{}, fmt.Errorf("source %q: %w", src.Source, err)
	}
	r := rule{source: src.Source, path: path}
	if r.has, err = compileConditions("has", src.Has); err != nil {
		return rule{}, err
	}
	if r.missing, err = compileConditions("missing", src.Missing); err != nil {
		return rule{}, err
	}
	return r, nil
}

func compileConditions(field string, items []RouteHas) ([]condition, error) {
	var out []condition
	for i, h := range items {
		c := condition{typ: h.Type, key: h.Key}
		switch h.Type {
		case CondHeader, CondCookie, CondQuery:
			if h.Key == "" {
				return nil, fmt.Errorf("%s[%d]: %s condition needs a key", field, i, h.Type)
			}
		case CondHost:
		default:
			return nil, fmt.Errorf("%s[%d]: type %q is not header, cookie, query or host", field, i, h.Type)
		}
		if h.Value != "" {
			// Next.js builds new RegExp(`^${value}$`) and we keep that text,
			// including how '|' binds to the anchors.
			re, err := regexp.Compile("^" + h.Value + "$")
			if err != nil {
				return nil, fmt.Errorf("%s[%d]: value %q: %w", field, i, h.Value, err)
			}
			c.value = re
		}
		out = append(out, c)
	}
	return out, nil
}

// Match reports whether middleware should run for r: its escaped path
// matches a source and that entry's has/missing conditions hold.
func (m *Matcher) Match(r *http.Request) bool {
	if m == nil || len(m.rules) == 0 {
		return true
	}
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	for _, ru := range m.rules {
		if !ru.path.match(path) {
			continue
		}
		if conditionsHold(r, ru.has, ru.missing) {
			return true
		}
	}
	return false
}

// MatchPath reports whether path matches any source, ignoring has and
// missing conditions.
func (m *Matcher) MatchPath(path string) bool {
	if m == nil || len(m.rules) == 0 {
		return true
	}
	for _, ru := range m.rules {
		if ru.path.match(path) {
			return true
		}
	}
	return false
}

func conditionsHold(r *http.Request, has, missing []condition) bool {
	for _, c := range has {
		if !c.holds(r) {
			return false
		}
	}
	for _, c := range missing {
		if c.holds(r) {
			return false
		}
	}
	return true
}

// holds mirrors Next.js's matchHas: an empty value counts as absent, and
// for repeated query keys the last value is tested.
func (c condition) holds(r *http.Request) bool {
	var v string
	switch c.typ {
	case CondHeader:
		v = strings.Join(r.Header.Values(c.key), ", ")
	case CondCookie:
		if ck, err := r.Cookie(c.key); err == nil {
			v = ck.Value
		}
	case CondQuery:
		if vs := r.URL.Query()[c.key]; len(vs) > 0 {
			v = vs[len(vs)-1]
		}
	case CondHost:
		host := r.Host
		if host == "" {
			host = r.URL.Host
		}
		v, _, _ = strings.Cut(host, ":")
		v = strings.ToLower(v)
	}
	if v == "" {
		return false
	}
	return c.value == nil || c.value.MatchString(v)
}
