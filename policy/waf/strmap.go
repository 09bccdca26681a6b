package waf

import (
	"net/http"
	"net/textproto"
	"net/url"
	"reflect"
	"strings"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// strMap is the CEL value of headers, query and cookies: a
// map(string, string) that looks a key up where the request keeps it
// rather than copying the whole collection into a CEL map first, so a
// rule that reads one header costs one lookup.
//
// It differs from a CEL map on purpose in one way: indexing an absent key
// gives "" instead of an error, as http.Header.Get does. Rules mostly test
// headers that many requests lack, and an error would skip the rule and
// log. has() (through IsSet) and "in" (through Contains) still tell an
// absent key from an empty value. It is not a traits.Mapper, whose Find
// serves both indexing and has(), so that the two can differ.
type strMap struct{ src mapSource }

// mapSource is where a strMap's entries live.
type mapSource interface {
	lookup(key string) (string, bool)
	size() int
	// all copies the entries, for the rare operations (iteration,
	// comparison, conversion) that need every one of them.
	all() map[string]string
}

var (
	_ traits.Indexer     = strMap{}
	_ traits.FieldTester = strMap{}
	_ traits.Container   = strMap{}
	_ traits.Sizer       = strMap{}
	_ traits.Iterable    = strMap{}
)

func (m strMap) get(key ref.Val) (string, bool, ref.Val) {
	k, ok := key.(types.String)
	if !ok {
		return "", false, types.MaybeNoSuchOverloadErr(key)
	}
	v, found := m.src.lookup(string(k))
	return v, found, nil
}

// Get implements traits.Indexer: an absent key is "".
func (m strMap) Get(key ref.Val) ref.Val {
	v, _, err := m.get(key)
	if err != nil {
		return err
	}
	return types.String(v)
}

// IsSet implements traits.FieldTester, for has(headers.name).
func (m strMap) IsSet(key ref.Val) ref.Val {
	_, found, err := m.get(key)
	if err != nil {
		return err
	}
	return types.Bool(found)
}

// Contains implements traits.Container, for "name" in headers.
func (m strMap) Contains(key ref.Val) ref.Val { return m.IsSet(key) }

// Size implements traits.Sizer.
func (m strMap) Size() ref.Val { return types.Int(m.src.size()) }

// Iterator implements traits.Iterable, over the keys.
func (m strMap) Iterator() traits.Iterator { return m.copy().Iterator() }

func (m strMap) copy() traits.Mapper {
	return types.NewStringStringMap(types.DefaultTypeAdapter, m.src.all())
}

// ConvertToNative implements ref.Val.
func (m strMap) ConvertToNative(t reflect.Type) (any, error) { return m.copy().ConvertToNative(t) }

// ConvertToType implements ref.Val.
func (m strMap) ConvertToType(t ref.Type) ref.Val {
	switch t {
	case types.MapType:
		return m
	case types.TypeType:
		return types.MapType
	}
	return types.NewErr("type conversion error from '%s' to '%s'", types.MapType, t)
}

// Equal implements ref.Val.
func (m strMap) Equal(other ref.Val) ref.Val {
	if o, ok := other.(strMap); ok {
		other = o.copy()
	}
	return m.copy().Equal(other)
}

// Type implements ref.Val.
func (m strMap) Type() ref.Type { return types.MapType }

// Value implements ref.Val.
func (m strMap) Value() any { return m.src.all() }

// headerSource is a request's header, by lower-case name. It includes
// Host, which net/http moves out of the header into Request.Host.
type headerSource struct {
	h    http.Header
	host string
}

func (s headerSource) lookup(key string) (string, bool) {
	ck := textproto.CanonicalMIMEHeaderKey(key)
	vs, ok := s.h[ck]
	switch {
	case !ok && ck == "Host" && s.host != "":
		return s.host, true
	case !ok:
		return "", false
	case len(vs) == 1:
		return vs[0], true
	}
	return strings.Join(vs, ", "), true
}

func (s headerSource) size() int {
	n := len(s.h)
	if _, ok := s.h["Host"]; !ok && s.host != "" {
		n++
	}
	return n
}

func (s headerSource) all() map[string]string {
	m := make(map[string]string, s.size())
	for k, vs := range s.h {
		m[strings.ToLower(k)] = strings.Join(vs, ", ")
	}
	if _, ok := m["host"]; !ok && s.host != "" {
		m["host"] = s.host
	}
	return m
}

// querySource is a request's raw query. A lookup scans it for the key
// and decodes only what it needs, with url.ParseQuery's rules: the first
// well-formed pair with the key wins, and a malformed pair (a bad escape,
// a semicolon) is skipped as ParseQuery skips it.
type querySource string

func (s querySource) lookup(key string) (string, bool) {
	for q := string(s); q != ""; {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if k, err := url.QueryUnescape(k); err != nil || k != key {
			continue
		}
		if v, err := url.QueryUnescape(v); err == nil {
			return v, true
		}
	}
	return "", false
}

func (s querySource) size() int { return len(s.values()) }

func (s querySource) all() map[string]string {
	vs := s.values()
	m := make(map[string]string, len(vs))
	for k, v := range vs {
		m[k] = v[0]
	}
	return m
}

func (s querySource) values() url.Values {
	vs, _ := url.ParseQuery(string(s)) // what did parse, as lookup sees it
	return vs
}

// cookieSource is a request's Cookie header lines. A lookup scans them
// for the name. Unlike http.Request.Cookie it does not drop a cookie
// whose value has characters RFC 6265 forbids: a rule should see what
// the client sent, and attacks rarely send valid cookies.
type cookieSource []string

func (s cookieSource) lookup(name string) (string, bool) {
	for _, line := range s {
		for line != "" {
			var part string
			part, line, _ = strings.Cut(line, ";")
			k, v, _ := strings.Cut(part, "=")
			if textproto.TrimString(k) == name {
				v = textproto.TrimString(v)
				if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
					v = v[1 : len(v)-1]
				}
				return v, true
			}
		}
	}
	return "", false
}

func (s cookieSource) size() int { return len(s.all()) }

func (s cookieSource) all() map[string]string {
	m := make(map[string]string)
	for _, line := range s {
		for line != "" {
			var part string
			part, line, _ = strings.Cut(line, ";")
			k, _, _ := strings.Cut(part, "=")
			if k = textproto.TrimString(k); k != "" {
				if _, dup := m[k]; !dup {
					m[k], _ = s.lookup(k)
				}
			}
		}
	}
	return m
}
