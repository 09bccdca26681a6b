package encoding

import "unicode/utf8"

// decodeUTF8 decodes b as the WHATWG Encoding Standard's UTF-8 decoder does:
// each maximal invalid subsequence becomes one U+FFFD (Go's decoder emits
// one per byte). With fatal, the first error stops it; ok reports whether
// the input was valid. With stream, an incomplete sequence at the end is not
// an error: its length is returned in tail, and the caller keeps those bytes
// for the next call.
func decodeUTF8(b []byte, fatal, stream bool) (s string, tail int, ok bool) {
	if utf8.Valid(b) {
		return string(b), 0, true
	}
	out := make([]byte, 0, len(b)+16)
	ok = true
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x80 {
			out = append(out, c)
			i++
			continue
		}
		var need int
		lower, upper := byte(0x80), byte(0xBF)
		switch {
		case c >= 0xC2 && c <= 0xDF:
			need = 1
		case c >= 0xE0 && c <= 0xEF:
			need = 2
			if c == 0xE0 {
				lower = 0xA0
			} else if c == 0xED {
				upper = 0x9F
			}
		case c >= 0xF0 && c <= 0xF4:
			need = 3
			if c == 0xF0 {
				lower = 0x90
			} else if c == 0xF4 {
				upper = 0x8F
			}
		default:
			if fatal {
				return "", 0, false
			}
			ok = false
			out = utf8.AppendRune(out, utf8.RuneError)
			i++
			continue
		}
		j := i + 1
		valid := true
		for k := 0; k < need; k++ {
			if j >= len(b) {
				if stream {
					return string(out), len(b) - i, ok
				}
				valid = false
				break
			}
			lo, hi := byte(0x80), byte(0xBF)
			if k == 0 {
				lo, hi = lower, upper
			}
			if b[j] < lo || b[j] > hi {
				valid = false
				break
			}
			j++
		}
		if !valid {
			if fatal {
				return "", 0, false
			}
			ok = false
			out = utf8.AppendRune(out, utf8.RuneError)
			i = j // the maximal subpart; the offending byte is read again
			continue
		}
		out = append(out, b[i:j]...)
		i = j
	}
	return string(out), 0, ok
}

// DecodeUTF8 is the WHATWG "UTF-8 decode without BOM": each maximal
// ill-formed subsequence becomes one U+FFFD. Other Web API areas (URL form
// decoding) use it so that all of them replace the same way.
func DecodeUTF8(b []byte) string {
	s, _, _ := decodeUTF8(b, false, false)
	return s
}
