package verge

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrNotBound is returned by Put, Delete and List on a binding that the
// project's verge.toml does not declare in [[kv_namespaces]]. Get cannot
// tell it from a missing key (the ABI answers both with not found): it
// reports the key missing, and the host logs the unknown binding.
var ErrNotBound = errors.New("verge: KV binding not in verge.toml's [[kv_namespaces]]")

// ErrValueTooLarge is returned by Put for a value over the KV limit
// (25 MiB).
var ErrValueTooLarge = errors.New("verge: KV value over the limit")

// Namespace is a Workers KV namespace bound to the project in verge.toml,
// as JavaScript workers reach it on env:
//
//	[[kv_namespaces]]
//	binding = "MY_KV"
//	id = "settings"
//
// Reads come from the PoP's copy and may lag writes made elsewhere by a
// few seconds, as on Cloudflare.
type Namespace struct{ binding string }

// KV returns the namespace bound as binding. It does not check the
// binding: calls on an unbound one fail with ErrNotBound.
func KV(binding string) Namespace { return Namespace{binding} }

// kvError turns a KV host result into an error.
func (n Namespace) kvError(call, key string, code int32) error {
	var err error
	switch code {
	case errNotFound:
		err = ErrNotBound
	case errLimit:
		err = ErrValueTooLarge
	case errUnsupported, errHandle:
		err = errors.New("the host has no KV store, or this is not running on a Verge host")
	case errInvalid:
		err = errors.New("invalid key (empty, \".\", \"..\" or over 512 bytes), TTL (under 60 s) or cursor")
	case errIO:
		err = errors.New("the KV store failed (the host's log says why)")
	default:
		err = fmt.Errorf("host error %d", code)
	}
	return fmt.Errorf("verge: KV %s %s %q: %w", n.binding, call, key, err)
}

// Get returns the value of key, and whether it exists.
func (n Namespace) Get(key string) ([]byte, bool, error) {
	v, code := get(func(buf []byte) int32 { return hostKVGet(n.binding, key, buf) })
	switch code {
	case 0:
		return v, true, nil
	case errNotFound:
		return nil, false, nil
	}
	return nil, false, n.kvError("get", key, code)
}

// Put stores value under key.
func (n Namespace) Put(key string, value []byte) error {
	if code := hostKVPut(n.binding, key, value, 0); code < 0 {
		return n.kvError("put", key, code)
	}
	return nil
}

// PutTTL stores value under key for ttl, at least 60 seconds (whole
// seconds count).
func (n Namespace) PutTTL(key string, value []byte, ttl time.Duration) error {
	secs := ttl / time.Second
	if secs <= 0 || secs > math.MaxUint32 {
		return n.kvError("put", key, errInvalid)
	}
	if code := hostKVPut(n.binding, key, value, uint32(secs)); code < 0 {
		return n.kvError("put", key, code)
	}
	return nil
}

// Delete removes key; deleting a missing key is not an error.
func (n Namespace) Delete(key string) error {
	if code := hostKVDelete(n.binding, key); code < 0 {
		return n.kvError("delete", key, code)
	}
	return nil
}

// KeyInfo is one key of a List page.
type KeyInfo struct {
	Name string `json:"name"`
	// Expiration is in Unix seconds, 0 when the key does not expire.
	Expiration int64           `json:"expiration,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
}

// ListResult is one page of keys, sorted by their bytes.
type ListResult struct {
	Keys         []KeyInfo `json:"keys"`
	ListComplete bool      `json:"list_complete"`
	// Cursor continues the listing when ListComplete is false.
	Cursor string `json:"cursor,omitempty"`
}

// List returns up to 1000 keys starting with prefix; cursor is "" for the
// first page, then the previous page's Cursor.
func (n Namespace) List(prefix, cursor string) (ListResult, error) {
	b, code := get(func(buf []byte) int32 { return hostKVList(n.binding, prefix, cursor, buf) })
	if code < 0 {
		return ListResult{}, n.kvError("list", prefix, code)
	}
	var res ListResult
	if err := json.Unmarshal(b, &res); err != nil {
		return ListResult{}, fmt.Errorf("verge: KV %s list: the host's answer: %w", n.binding, err)
	}
	return res, nil
}
