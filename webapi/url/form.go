package url

import (
	"strings"

	"github.com/verge-edge/verge/webapi/encoding"

	"github.com/verge-edge/verge/engine"
)

// opFormParse: (string) -> [name, value, name, value, ...], the
// application/x-www-form-urlencoded parser of the URL Standard.
func opFormParse(c *engine.Call) (engine.Value, error) {
	s, err := stringArg(c, "url_form_parse", 0)
	if err != nil {
		return engine.Value{}, err
	}
	return c.VM.NewStringArray(parseForm(s))
}

// parseForm splits s into name/value strings, flattened.
func parseForm(s string) []string {
	var out []string
	var buf []byte
	for s != "" {
		var seq string
		seq, s, _ = strings.Cut(s, "&")
		if seq == "" {
			continue
		}
		name, value, _ := strings.Cut(seq, "=")
		buf = formDecode(buf[:0], name)
		out = append(out, string(buf))
		buf = formDecode(buf[:0], value)
		out = append(out, string(buf))
	}
	return out
}

// formDecode appends s with "+" replaced by a space, percent-decoded and
// UTF-8 decoded (each maximal invalid subsequence becoming U+FFFD, as the
// Encoding Standard's decoder does) to dst.
func formDecode(dst []byte, s string) []byte {
	if strings.IndexByte(s, '%') < 0 {
		for i := 0; i < len(s); i++ {
			if s[i] == '+' {
				dst = append(dst, ' ')
			} else {
				dst = append(dst, s[i])
			}
		}
		return dst // s is valid UTF-8 already
	}
	raw := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		b := s[i]
		switch {
		case b == '+':
			b = ' '
		case b == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
		}
		raw = append(raw, b)
	}
	return appendUTF8(dst, raw)
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
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

// appendUTF8 appends b to dst, replacing each maximal subpart of an
// ill-formed sequence with U+FFFD (WHATWG "UTF-8 decode without BOM").
func appendUTF8(dst, b []byte) []byte {
	return append(dst, encoding.DecodeUTF8(b)...)
}
