package kv

import (
	"errors"
	"fmt"
)

// Validation errors; callers branch on them with errors.Is.
var (
	ErrKeyTooLong        = errors.New("kv: key longer than 512 bytes")
	ErrInvalidKey        = errors.New(`kv: key must not be "", "." or ".."`)
	ErrValueTooLarge     = errors.New("kv: value larger than 25 MiB")
	ErrMetadataTooLarge  = errors.New("kv: metadata larger than 1024 bytes")
	ErrInvalidMetadata   = errors.New("kv: metadata is not valid JSON")
	ErrInvalidExpiration = errors.New("kv: invalid expiration")
	ErrInvalidLimit      = errors.New("kv: list limit must be between 1 and 1000")
	ErrInvalidCursor     = errors.New("kv: invalid list cursor")
	ErrInvalidEntry      = errors.New("kv: invalid bulk entry")
	ErrBulkTooLarge      = errors.New("kv: more than 10000 bulk entries")
	ErrInvalidNamespace  = errors.New("kv: invalid namespace id")
	// ErrHubUnavailable wraps write failures caused by an unreachable hub;
	// reads keep working from the mirror.
	ErrHubUnavailable = errors.New("kv: hub unavailable")
)

// EntryError names the bulk entry that failed.
type EntryError struct {
	Index int
	Key   string
	Err   error
}

func (e *EntryError) Error() string {
	return fmt.Sprintf("kv: bulk entry %d (key %q): %v", e.Index, e.Key, e.Err)
}

func (e *EntryError) Unwrap() error { return e.Err }
