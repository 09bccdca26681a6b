// Package encoding implements TextEncoder, TextDecoder, atob and btoa over
// Go ops (UTF-8 and base64 run in Go; the classes are JavaScript).
package encoding

import (
	_ "embed"
	"encoding/base64"
	"strings"
	"unicode/utf16"

	"github.com/verge-edge/verge/engine"
	"golang.org/x/text/encoding/charmap"
)

//go:embed encoding.js
var source string

// Extension returns the encoding Web API.
func Extension() engine.Extension {
	return engine.Extension{
		Name:    "encoding",
		Scripts: []engine.Script{{Name: "ext:encoding/encoding.js", Source: source}},
		Ops: map[string]engine.Op{
			"utf8_encode":   opEncode,
			"utf8_decode":   opDecode,
			"text_decode":   opDecodeOther,
			"base64_encode": opBtoa,
			"base64_decode": opAtob,
		},
	}
}

// opEncode: (string) -> ArrayBuffer of its UTF-8 (lone surrogates -> U+FFFD).
func opEncode(c *engine.Call) (engine.Value, error) {
	s, err := c.String(0)
	if err != nil {
		return engine.Value{}, err
	}
	return c.VM.NewBytes([]byte(s)), nil
}

// opDecode: (bytes, fatal, stream) -> [string, tailLength].
func opDecode(c *engine.Call) (engine.Value, error) {
	b, err := c.View(0)
	if err != nil {
		return engine.Value{}, err
	}
	s, tail, ok := decodeUTF8(b, c.Bool(1), c.Bool(2))
	if !ok && c.Bool(1) {
		return engine.Value{}, engine.TypeError("The encoded data was not valid for encoding utf-8")
	}
	return c.VM.NewArray(c.VM.NewString(s), c.VM.NewInt(int64(tail)))
}

// opDecodeOther: (encoding, bytes, fatal) -> string, for utf-16le/be and
// windows-1252 (which WHATWG also uses for the latin1 and ascii labels).
func opDecodeOther(c *engine.Call) (engine.Value, error) {
	enc, err := c.String(0)
	if err != nil {
		return engine.Value{}, err
	}
	b, err := c.View(1)
	if err != nil {
		return engine.Value{}, err
	}
	fatal := c.Bool(2)
	switch enc {
	case "utf-16le", "utf-16be":
		if len(b)%2 == 1 {
			if fatal {
				return engine.Value{}, engine.TypeError("The encoded data was not valid for encoding %s", enc)
			}
		}
		units := make([]uint16, len(b)/2)
		for i := range units {
			if enc == "utf-16le" {
				units[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
			} else {
				units[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
			}
		}
		s := string(utf16.Decode(units))
		if len(b)%2 == 1 {
			s += "\uFFFD"
		}
		return c.VM.NewString(s), nil
	case "windows-1252":
		var sb strings.Builder
		dec := charmap.Windows1252
		for _, x := range b {
			sb.WriteRune(dec.DecodeByte(x))
		}
		return c.VM.NewString(sb.String()), nil
	}
	return engine.Value{}, engine.RangeError("The encoding label provided ('%s') is invalid.", enc)
}

// opBtoa: (string) -> base64, throwing InvalidCharacterError for code points
// over U+00FF, as the HTML spec says.
func opBtoa(c *engine.Call) (engine.Value, error) {
	s, err := c.String(0)
	if err != nil {
		return engine.Value{}, err
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xFF {
			return engine.Value{}, engine.DOMException("InvalidCharacterError", "Invalid character")
		}
		b = append(b, byte(r))
	}
	return c.VM.NewString(base64.StdEncoding.EncodeToString(b)), nil
}

// opAtob implements the forgiving-base64 decode of the HTML spec.
func opAtob(c *engine.Call) (engine.Value, error) {
	s, err := c.String(0)
	if err != nil {
		return engine.Value{}, err
	}
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\f', '\r':
			return -1
		}
		return r
	}, s)
	if len(s)%4 == 0 {
		s = strings.TrimSuffix(strings.TrimSuffix(s, "="), "=")
	}
	bad := len(s)%4 == 1
	for i := 0; i < len(s) && !bad; i++ {
		ch := s[i]
		if !(ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '+' || ch == '/') {
			bad = true
		}
	}
	if bad {
		return engine.Value{}, engine.DOMException("InvalidCharacterError", "The string to be decoded is not correctly encoded.")
	}
	out, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		// Non-zero trailing bits are allowed by forgiving-base64.
		out, err = base64.RawStdEncoding.WithPadding(base64.NoPadding).Strict().DecodeString(s)
		if err != nil {
			out, _ = lenientDecode(s)
		}
	}
	r := make([]rune, len(out))
	for i, x := range out {
		r[i] = rune(x)
	}
	return c.VM.NewString(string(r)), nil
}

// lenientDecode decodes base64 ignoring non-zero padding bits.
func lenientDecode(s string) ([]byte, error) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var out []byte
	var buf uint32
	var bits int
	for i := 0; i < len(s); i++ {
		buf = buf<<6 | uint32(strings.IndexByte(alphabet, s[i]))
		bits += 6
		if bits >= 8 {
			bits -= 8
			out = append(out, byte(buf>>bits))
		}
	}
	return out, nil
}
