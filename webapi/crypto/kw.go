package crypto

import (
	"crypto/aes"
	"crypto/subtle"
	"encoding/binary"
)

// RFC 3394 AES key wrap, which the standard library lacks.

var kwIV = [8]byte{0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6}

func aesKeyWrap(kek, plain []byte) ([]byte, error) {
	if len(plain) < 16 || len(plain)%8 != 0 {
		return nil, operationError("AES-KW data must be a multiple of 8 bytes, at least 16")
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, operationError("%v", err)
	}
	n := len(plain) / 8
	out := make([]byte, 8+len(plain))
	copy(out[8:], plain)
	a := kwIV
	var buf [16]byte
	for j := 0; j < 6; j++ {
		for i := 1; i <= n; i++ {
			copy(buf[:8], a[:])
			copy(buf[8:], out[8*i:8*i+8])
			block.Encrypt(buf[:], buf[:])
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(a[:], binary.BigEndian.Uint64(buf[:8])^t)
			copy(out[8*i:], buf[8:])
		}
	}
	copy(out[:8], a[:])
	return out, nil
}

func aesKeyUnwrap(kek, wrapped []byte) ([]byte, error) {
	if len(wrapped) < 24 || len(wrapped)%8 != 0 {
		return nil, operationError("AES-KW wrapped data has the wrong length")
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, operationError("%v", err)
	}
	n := len(wrapped)/8 - 1
	out := make([]byte, len(wrapped)-8)
	copy(out, wrapped[8:])
	var a [8]byte
	copy(a[:], wrapped[:8])
	var buf [16]byte
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(buf[:8], binary.BigEndian.Uint64(a[:])^t)
			copy(buf[8:], out[8*(i-1):8*i])
			block.Decrypt(buf[:], buf[:])
			copy(a[:], buf[:8])
			copy(out[8*(i-1):], buf[8:])
		}
	}
	if subtle.ConstantTimeCompare(a[:], kwIV[:]) != 1 {
		return nil, operationError("AES-KW integrity check failed")
	}
	return out, nil
}
