package transform

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
)

// headerOps is a compiled HeaderOps. Names are canonical and the lists
// sorted, so that operations apply in the same order on every request
// (TOML tables decode to maps, whose order is random).
type headerOps struct {
	remove []string
	rename []renameOp
	set    []valueOp
	add    []valueOp
}

type renameOp struct{ from, to string }

type valueOp struct {
	name  string
	value template
}

func (o *headerOps) empty() bool {
	return len(o.remove)+len(o.rename)+len(o.set)+len(o.add) == 0
}

// apply changes h: remove, rename, set, add, in that order.
func (o *headerOps) apply(h http.Header, d *reqData) {
	for _, name := range o.remove {
		delete(h, name)
	}
	for _, r := range o.rename {
		if vs, ok := h[r.from]; ok {
			delete(h, r.from)
			h[r.to] = vs
		}
	}
	for _, s := range o.set {
		if v := s.value.expand(d); v != "" {
			h[s.name] = []string{v}
		} else {
			// An empty value deletes, so that the client's own copy of,
			// say, X-User never stands in for a claim the request lacks.
			delete(h, s.name)
		}
	}
	for _, a := range o.add {
		if v := a.value.expand(d); v != "" {
			h[a.name] = append(h[a.name], v)
		}
	}
}

// headerChecker validates header names for one table.
type headerChecker struct{ request bool }

// check returns name's canonical form.
func (c headerChecker) check(name string) (string, error) {
	if !validToken(name) {
		return "", fmt.Errorf("%q is not a valid header name", name)
	}
	cn := http.CanonicalHeaderKey(name)
	switch {
	case cn == "Content-Length" || cn == "Transfer-Encoding":
		// Message framing belongs to net/http; changing it here could
		// desynchronise the connection.
		return "", fmt.Errorf("%s cannot be changed", cn)
	case c.request && cn == "Host":
		// net/http keeps the request's host in Request.Host, not in the
		// header, so an operation on it would silently do nothing.
		return "", errors.New("the Host header cannot be changed")
	}
	return cn, nil
}

// compileHeaderOps checks ops; key names the table in errors, such as
// "transform.request_headers".
func compileHeaderOps(key string, ops HeaderOps, request bool) (headerOps, error) {
	var o headerOps
	hc := headerChecker{request: request}
	for i, name := range ops.Remove {
		cn, err := hc.check(name)
		if err != nil {
			return o, fmt.Errorf("%s.remove[%d]: %w", key, i, err)
		}
		if !slices.Contains(o.remove, cn) {
			o.remove = append(o.remove, cn)
		}
	}
	slices.Sort(o.remove)

	sources, targets := map[string]bool{}, map[string]bool{}
	for _, from := range slices.Sorted(maps.Keys(ops.Rename)) {
		field := fmt.Sprintf("%s.rename[%q]", key, from)
		cf, err := hc.check(from)
		if err != nil {
			return o, fmt.Errorf("%s: %w", field, err)
		}
		ct, err := hc.check(ops.Rename[from])
		if err != nil {
			return o, fmt.Errorf("%s: %w", field, err)
		}
		switch {
		case cf == ct:
			return o, fmt.Errorf("%s: renames a header to itself", field)
		case sources[cf]:
			return o, fmt.Errorf("%s: %s is renamed twice", field, cf)
		case targets[ct]:
			return o, fmt.Errorf("%s: two headers are renamed to %s", field, ct)
		}
		sources[cf], targets[ct] = true, true
		o.rename = append(o.rename, renameOp{from: cf, to: ct})
	}
	for _, r := range o.rename {
		// A chain (A to B, B to C) would depend on the order of the
		// operations; refusing it keeps the table's meaning obvious.
		if sources[r.to] {
			return o, fmt.Errorf("%s.rename: %s is both renamed and a rename target", key, r.to)
		}
	}

	var err error
	if o.set, err = compileValues(key+".set", ops.Set, hc); err != nil {
		return o, err
	}
	if o.add, err = compileValues(key+".add", ops.Add, hc); err != nil {
		return o, err
	}
	return o, nil
}

func compileValues(key string, m map[string]string, hc headerChecker) ([]valueOp, error) {
	var out []valueOp
	seen := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(m)) {
		field := fmt.Sprintf("%s[%q]", key, name)
		cn, err := hc.check(name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		if prev, dup := seen[cn]; dup {
			return nil, fmt.Errorf("%s: same header as %q", field, prev)
		}
		seen[cn] = name
		t, err := parseTemplate(m[name])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		out = append(out, valueOp{name: cn, value: t})
	}
	return out, nil
}

// validToken reports whether s is an RFC 9110 token, the syntax of header
// names and methods.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c < 0x80 && isTokenPunct(c):
		default:
			return false
		}
	}
	return true
}

func isTokenPunct(c byte) bool {
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// validHeaderValue reports whether s can be sent as a header value: no
// control characters but tab (RFC 9110 section 5.5).
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
