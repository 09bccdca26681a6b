package crypto

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// TestAESKeyWrapRFC3394 uses the vectors of RFC 3394 section 4.
func TestAESKeyWrapRFC3394(t *testing.T) {
	h := func(s string) []byte { b, _ := hex.DecodeString(s); return b }
	tests := []struct{ kek, key, want string }{
		{"000102030405060708090A0B0C0D0E0F", "00112233445566778899AABBCCDDEEFF", "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"},
		{"000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", "00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F",
			"28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"},
	}
	for _, tt := range tests {
		got, err := aesKeyWrap(h(tt.kek), h(tt.key))
		if err != nil || !bytes.Equal(got, h(tt.want)) {
			t.Errorf("wrap = %X, %v", got, err)
		}
		back, err := aesKeyUnwrap(h(tt.kek), got)
		if err != nil || !bytes.Equal(back, h(tt.key)) {
			t.Errorf("unwrap = %X, %v", back, err)
		}
		got[3] ^= 1
		if _, err := aesKeyUnwrap(h(tt.kek), got); err == nil {
			t.Error("tampered data unwrapped")
		}
	}
}
