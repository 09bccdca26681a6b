package url

import (
	_ "embed"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/nlnwa/whatwg-url/url"
	"github.com/verge-edge/verge/engine"
)

//go:embed urlsearchparams.js
var searchParamsSource string

//go:embed url.js
var urlSource string

//go:embed urlpattern.js
var patternSource string

// Extension returns the url Web API: URLSearchParams, URL and URLPattern,
// in that load order, and their ops. It needs only the bootstrap script
// before it; areas that use verge.internals.url load after it.
func Extension() engine.Extension {
	return engine.Extension{
		Name: "url",
		Scripts: []engine.Script{
			{Name: "ext:url/urlsearchparams.js", Source: searchParamsSource},
			{Name: "ext:url/url.js", Source: urlSource},
			{Name: "ext:url/urlpattern.js", Source: patternSource},
		},
		Ops: map[string]engine.Op{
			"url_parse":       opParse,
			"url_set":         opSet,
			"url_form_parse":  opFormParse,
			"urlpattern_new":  opPatternNew,
			"urlpattern_exec": opPatternExec,
			"urlpattern_free": opPatternFree,
		},
	}
}

// parser is the WHATWG parser with the standard's options.
var parser = url.NewParser()

// stringArg returns argument i, which must be a string: the JavaScript side
// does the WebIDL conversions, so anything else is a bug or an attack.
func stringArg(c *engine.Call, op string, i int) (string, error) {
	a := c.Arg(i)
	if !a.IsString() {
		return "", engine.TypeError("%s: argument %d must be a string", op, i+1)
	}
	s, err := a.String()
	if err != nil {
		return "", fmt.Errorf("%s: argument %d: %w", op, i+1, err)
	}
	return s, nil
}

// optStringArg is stringArg for an argument that may be undefined (nil).
func optStringArg(c *engine.Call, op string, i int) (*string, error) {
	if c.Arg(i).IsUndefined() {
		return nil, nil
	}
	s, err := stringArg(c, op, i)
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// intArg returns argument i, which must be an integral number in [lo, hi].
func intArg(c *engine.Call, op string, i int, lo, hi int64) (int64, error) {
	a := c.Arg(i)
	if !a.IsNumber() {
		return 0, engine.TypeError("%s: argument %d must be a number", op, i+1)
	}
	f, err := a.Float()
	if err != nil {
		return 0, fmt.Errorf("%s: argument %d: %w", op, i+1, err)
	}
	if f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		return 0, engine.RangeError("%s: argument %d out of range", op, i+1)
	}
	return int64(f), nil
}

// opParse: (input, base?, offsets?) -> href, or null when input (against
// base) is not a valid URL. offsets is the ArrayBuffer of an Int32Array(11)
// that receives the components' offsets in href (see splitHref); without
// it the op only reports whether input parses, as a boolean (URL.canParse).
func opParse(c *engine.Call) (engine.Value, error) {
	input, err := stringArg(c, "url_parse", 0)
	if err != nil {
		return engine.Value{}, err
	}
	base, err := optStringArg(c, "url_parse", 1)
	if err != nil {
		return engine.Value{}, err
	}
	if c.Arg(2).IsUndefined() {
		_, ok := parse(input, base)
		return c.VM.NewBool(ok), nil
	}
	out, err := offsetsArg(c, "url_parse", 2)
	if err != nil {
		return engine.Value{}, err
	}
	href, ok := parse(input, base)
	if !ok {
		return c.VM.Null(), nil
	}
	writeOffsets(out, href)
	return c.VM.NewString(href), nil
}

// offsetsArg returns the bytes of argument i, the 44-byte ArrayBuffer of
// an Int32Array(11). (An ArrayBuffer, not the view: the engine reaches an
// ArrayBuffer's bytes several times faster.)
func offsetsArg(c *engine.Call, op string, i int) ([]byte, error) {
	b, err := c.View(i)
	if err != nil || len(b) != 4*len(offsets{}) {
		return nil, engine.TypeError("%s: argument %d must be an ArrayBuffer of %d bytes", op, i+1, 4*len(offsets{}))
	}
	return b, nil
}

// offsets locate the components in a serialized URL (in bytes from
// splitHref, in UTF-16 code units for JavaScript; the same for ASCII):
// [0] end of the scheme's ":", [1, 2) username, [3, 4) password,
// [5, 6) hostname, [6, 7) ":" and port (the host is [5, 7)), [8, 9) path,
// [9, 10) "?" and query, [10, end) "#" and fragment.
type offsets [11]int32

// splitHref computes the offsets of href, in bytes. Percent-encoding keeps
// the delimiters it looks for out of the components they would end.
func splitHref(h string) offsets {
	se := strings.IndexByte(h, ':') + 1
	us, ue, ps, pe, hs, he, pte, path := se, se, se, se, se, se, se, se
	if strings.HasPrefix(h[se:], "//") {
		// The authority: userinfo "@" host ":" port, up to "/", "?" or "#".
		as := se + 2
		ae := len(h)
		if i := strings.IndexAny(h[as:], "/?#"); i >= 0 {
			ae = as + i
		}
		us, ue, ps, pe, hs = as, as, as, as, as
		if at := strings.LastIndexByte(h[as:ae], '@'); at >= 0 {
			at += as
			ue, ps = at, at
			if colon := strings.IndexByte(h[as:at], ':'); colon >= 0 {
				ue, ps = as+colon, as+colon+1
			}
			pe, hs = at, at+1
		}
		// An IPv6 address holds colons: look for the port after its "]".
		from := hs
		if from < ae && h[from] == '[' {
			if rb := strings.IndexByte(h[from:ae], ']'); rb >= 0 {
				from += rb
			}
		}
		he = ae
		if colon := strings.IndexByte(h[from:ae], ':'); colon >= 0 {
			he = from + colon
		}
		pte, path = ae, ae
	} else if strings.HasPrefix(h[se:], "/.//") {
		// A path that starts with "//" in a URL without a host.
		path = se + 2
	}
	hash := len(h)
	if i := strings.IndexByte(h[path:], '#'); i >= 0 {
		hash = path + i
	}
	query := hash
	if i := strings.IndexByte(h[path:hash], '?'); i >= 0 {
		query = path + i
	}
	return offsets{int32(se), int32(us), int32(ue), int32(ps), int32(pe), int32(hs), int32(he), int32(pte), int32(path), int32(query), int32(hash)}
}

// writeOffsets stores the offsets of href in out, an Int32Array's bytes,
// in UTF-16 code units as JavaScript counts.
func writeOffsets(out []byte, href string) {
	o := splitHref(href)
	if !isASCII(href) {
		// Serializations are ASCII; should one not be, count UTF-16 units.
		for i, b := range o {
			o[i] = int32(len(utf16.Encode([]rune(href[:b]))))
		}
	}
	for i, v := range o {
		binary.NativeEndian.PutUint32(out[4*i:], uint32(v))
	}
}

// components returns the values URLPattern matches in a serialized URL:
// scheme, username, password, hostname, port, path, query and fragment
// (without their delimiters).
func components(h string) [8]string {
	o := splitHref(h)
	port, query, fragment := "", "", ""
	if o[7] > o[6] {
		port = h[o[6]+1 : o[7]]
	}
	if o[10] > o[9] {
		query = h[o[9]+1 : o[10]]
	}
	if int(o[10]) < len(h) {
		fragment = h[o[10]+1:]
	}
	return [8]string{h[:o[0]-1], h[o[1]:o[2]], h[o[3]:o[4]], h[o[5]:o[6]], port, h[o[8]:o[9]], query, fragment}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// parse runs the WHATWG URL parser on input against base (nil for none)
// and returns the serialized URL, or false on failure (including an invalid
// base).
func parse(input string, base *string) (string, bool) {
	if base == nil {
		if href, ok := fastParse(input); ok {
			return href, true
		}
		u, err := parser.Parse(input)
		if err != nil {
			return "", false
		}
		return conform(u.Href(false)), true
	}
	if b, ok := fastParse(*base); ok {
		if href, ok := fastResolve(b, input); ok {
			return href, true
		}
		// An absolute http(s) URL ignores its base.
		if href, ok := fastParse(input); ok {
			return href, true
		}
	}
	b, err := parser.Parse(*base)
	if err != nil {
		return "", false
	}
	u, err := b.Parse(input)
	if err != nil {
		return "", false
	}
	return conform(u.Href(false)), true
}

// conform brings a serialization of github.com/nlnwa/whatwg-url (which
// follows the standard of May 2023) up to two later changes, which workerd
// implements too: "^" joined the path percent-encode set, and a space that
// ends an opaque path (so it comes before a query or fragment) is encoded
// as "%20", which keeps such URLs round-tripping without the setters'
// former stripping of trailing spaces.
func conform(href string) string {
	start, end, opaque := pathRange(href)
	path := href[start:end]
	if opaque {
		if strings.HasSuffix(path, " ") {
			return href[:end-1] + "%20" + href[end:]
		}
		return href
	}
	if strings.IndexByte(path, '^') < 0 {
		return href
	}
	return href[:start] + strings.ReplaceAll(path, "^", "%5E") + href[end:]
}

// pathRange finds the path in a serialized URL. Percent-encoding keeps the
// delimiters it looks for out of the other components.
func pathRange(h string) (start, end int, opaque bool) {
	start = strings.IndexByte(h, ':') + 1
	switch rest := h[start:]; {
	case strings.HasPrefix(rest, "//"):
		auth := strings.IndexAny(rest[2:], "/?#")
		if auth < 0 {
			return len(h), len(h), false
		}
		start += 2 + auth
	case !strings.HasPrefix(rest, "/"):
		opaque = true
	}
	end = len(h)
	if i := strings.IndexAny(h[start:], "?#"); i >= 0 {
		end = start + i
	}
	return start, end, opaque
}

// The setters url_set applies, in the order of URL's attributes.
const (
	setProtocol = iota
	setUsername
	setPassword
	setHost
	setHostname
	setPort
	setPathname
	setSearch
	setHash
	setterCount
)

// opSet: (href, setter, value, offsets) -> the new href after running one
// of URL's setters (the basic URL parser with a state override), with its
// offsets written to offsets as url_parse does. Setters never fail for a
// valid href; they leave the URL unchanged instead.
func opSet(c *engine.Call) (engine.Value, error) {
	href, err := stringArg(c, "url_set", 0)
	if err != nil {
		return engine.Value{}, err
	}
	which, err := intArg(c, "url_set", 1, 0, setterCount-1)
	if err != nil {
		return engine.Value{}, err
	}
	value, err := stringArg(c, "url_set", 2)
	if err != nil {
		return engine.Value{}, err
	}
	offs, err := offsetsArg(c, "url_set", 3)
	if err != nil {
		return engine.Value{}, err
	}
	out, err := set(href, int(which), value)
	if err != nil {
		return engine.Value{}, engine.TypeError("url_set: %v", err)
	}
	writeOffsets(offs, out)
	return c.VM.NewString(out), nil
}

// set parses href, applies setter which (setProtocol ... setHash) with
// value and returns the new serialization.
func set(href string, which int, value string) (string, error) {
	u, err := parser.Parse(href)
	if err != nil {
		return "", fmt.Errorf("invalid href %q: %w", href, err)
	}
	switch which {
	case setProtocol:
		u.SetProtocol(value)
	case setUsername:
		u.SetUsername(value)
	case setPassword:
		u.SetPassword(value)
	case setHost:
		u.SetHost(value)
	case setHostname:
		u.SetHostname(value)
	case setPort:
		u.SetPort(value)
	case setPathname:
		u.SetPathname(value)
	case setSearch:
		u.SetSearch(value)
	case setHash:
		u.SetHash(value)
	default:
		return "", fmt.Errorf("unknown setter %d", which)
	}
	return conform(u.Href(false)), nil
}
