package kv

import (
	"encoding/base64"
	"fmt"
)

// Limits from Cloudflare Workers KV.
const (
	MaxKeyLen      = 512
	MaxValueSize   = 25 << 20
	MaxMetadataLen = 1024
	MaxListLimit   = 1000
	MaxBulkEntries = 10000
	MinTTL         = 60 // seconds
)

// keyEncoding is base64 with an alphabet in ASCII order and no padding.
// Every character is valid in a NATS subject token, and because bits map to
// characters monotonically, encoded keys compare like the raw bytes
// (a proper prefix sorts first). Hex would do the same at 2x instead of
// 1.33x the length; url-safe base64 is not order-preserving.
var keyEncoding = base64.NewEncoding("-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz").WithPadding(base64.NoPadding)

func validateKey(key string) error {
	switch {
	case key == "" || key == "." || key == "..":
		return ErrInvalidKey
	case len(key) > MaxKeyLen:
		return fmt.Errorf("%w (%d bytes)", ErrKeyTooLong, len(key))
	}
	return nil
}

func encodeKey(key string) string { return keyEncoding.EncodeToString([]byte(key)) }

func decodeKey(tok string) (string, error) {
	b, err := keyEncoding.DecodeString(tok)
	if err != nil {
		return "", err
	}
	return string(b), nil
}
