package url

import "strings"

// The fast path recognizes http and https URLs that the WHATWG parser would
// return unchanged (except for the "/" it gives an empty path), which is
// what request URLs and most literals in worker code look like. Anything it
// is not sure about (upper case, credentials, default or non-canonical
// ports, IP addresses, IDNA, dot segments, characters that a percent-encode
// set touches, whitespace) goes to the full parser instead, so its results
// are the full parser's; TestFastPathMatchesParser checks that.

// Character classes of the fast path, for ASCII bytes.
const (
	okHost  = 1 << iota // a-z 0-9 - .
	okPath              // unreserved, sub-delims, ":", "@", "/", "%"
	okQuery             // okPath without "'", with "?"
	okFrag              // okPath with "?"
)

var fastClass [128]uint8

func init() {
	for c := 'a'; c <= 'z'; c++ {
		fastClass[c] |= okHost | okPath | okQuery | okFrag
	}
	for c := 'A'; c <= 'Z'; c++ {
		fastClass[c] |= okPath | okQuery | okFrag
	}
	for c := '0'; c <= '9'; c++ {
		fastClass[c] |= okHost | okPath | okQuery | okFrag
	}
	fastClass['-'] |= okHost
	fastClass['.'] |= okHost
	for _, c := range "-._~!$&()*+,;=:@/%" {
		fastClass[c] |= okPath | okQuery | okFrag
	}
	fastClass['\''] |= okPath | okFrag
	fastClass['?'] |= okQuery | okFrag
}

// fastParse returns the serialization of s when s is an http(s) URL that
// needs no normalization beyond an empty path becoming "/".
func fastParse(s string) (string, bool) {
	var rest, defaultPort string
	switch {
	case strings.HasPrefix(s, "https://"):
		rest, defaultPort = s[len("https://"):], "443"
	case strings.HasPrefix(s, "http://"):
		rest, defaultPort = s[len("http://"):], "80"
	default:
		return "", false
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	host, port, hasPort := strings.Cut(rest[:end], ":")
	if !fastHost(host) || hasPort && !fastPort(port, defaultPort) {
		return "", false
	}
	tail := rest[end:]
	if !fastTail(tail) {
		return "", false
	}
	if tail == "" || tail[0] != '/' {
		return s[:len(s)-len(tail)] + "/" + tail, true
	}
	return s, true
}

// fastResolve resolves input against base, a fastParse result, when input
// is a path-absolute URL (with an optional query and fragment) that needs
// no normalization.
func fastResolve(base, input string) (string, bool) {
	if len(input) == 0 || input[0] != '/' || len(input) > 1 && input[1] == '/' || !fastTail(input) {
		return "", false
	}
	// base starts with "http://" or "https://" and always has a path.
	scheme := strings.IndexByte(base, ':') + len("://")
	pathStart := scheme + strings.IndexByte(base[scheme:], '/')
	return base[:pathStart] + input, true
}

// fastHost accepts lower-case ASCII domains whose labels are non-empty,
// neither start nor end with "-", have no "--" in the third and fourth
// positions (which rules out Punycode) and whose last label starts with a
// letter (which rules out IPv4 addresses).
func fastHost(h string) bool {
	if h == "" {
		return false
	}
	start := 0
	for i := 0; i <= len(h); i++ {
		if i < len(h) {
			c := h[i]
			if c >= 128 || fastClass[c]&okHost == 0 {
				return false
			}
			if c != '.' {
				continue
			}
		}
		label := h[start:i]
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' || len(label) >= 4 && label[2] == '-' && label[3] == '-' {
			return false
		}
		if i == len(h) && !(label[0] >= 'a' && label[0] <= 'z') {
			return false
		}
		start = i + 1
	}
	return true
}

// fastPort accepts a canonical non-default port: 1 to 65535 without
// leading zeros.
func fastPort(p, defaultPort string) bool {
	if p == "" || len(p) > 5 || p[0] == '0' || p == defaultPort {
		return false
	}
	n := 0
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
		n = n*10 + int(p[i]-'0')
	}
	return n <= 65535
}

// fastTail accepts a path (empty or starting with "/") without dot
// segments, then an optional query and fragment, all of characters that
// the parser leaves alone.
func fastTail(t string) bool {
	class := uint8(okPath)
	segStart := 0
	for i := 0; i <= len(t); i++ {
		var c byte
		if i < len(t) {
			c = t[i]
			if c >= 128 {
				return false
			}
		}
		if class == okPath && (i == len(t) || c == '/' || c == '?' || c == '#') {
			if isDotSegment(t[segStart:i]) {
				return false
			}
			segStart = i + 1
		}
		if i == len(t) {
			break
		}
		switch {
		case c == '?' && class == okPath:
			class = okQuery
		case c == '#' && class != okFrag:
			class = okFrag
		case fastClass[c]&class == 0:
			return false
		}
	}
	return true
}

// isDotSegment reports whether a path segment (between slashes) is "." or
// "..", or a percent-encoded spelling of them.
func isDotSegment(seg string) bool {
	switch len(seg) {
	case 1:
		return seg == "."
	case 2:
		return seg == ".."
	case 3, 4, 6:
		s := strings.ToLower(seg)
		return s == "%2e" || s == ".%2e" || s == "%2e." || s == "%2e%2e"
	}
	return false
}
