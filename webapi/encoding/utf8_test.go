package encoding

import "testing"

func FuzzDecodeUTF8(f *testing.F) {
	f.Add([]byte("h\xe2\x82\xac"), false)
	f.Add([]byte{0xf0, 0x9f, 0x98}, true)
	f.Fuzz(func(t *testing.T, b []byte, stream bool) {
		s, tail, ok := decodeUTF8(b, false, stream)
		if tail > 3 || tail > len(b) {
			t.Fatalf("tail %d", tail)
		}
		if ok && tail == 0 && s != string(b) {
			t.Fatalf("valid input changed")
		}
	})
}
