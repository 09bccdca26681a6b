package wasm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/tetratelabs/wazero/api"

	"github.com/verge-edge/verge/kv"
)

// KV is the Workers KV store behind the reactor ABI's kv_* functions, with
// the methods of package kv's stores (namespaces by id).
type KV interface {
	Get(ctx context.Context, ns, key string) (value []byte, meta json.RawMessage, found bool, err error)
	Put(ctx context.Context, ns, key string, value []byte, opts kv.PutOptions) error
	Delete(ctx context.Context, ns, key string) error
	List(ctx context.Context, ns string, opts kv.ListOptions) (kv.ListResult, error)
}

// kvResult is a value a getter returned only the length of, because it did
// not fit the guest's buffer. The guest's second call, with a buffer that
// large, gets these bytes rather than a second read, which would cost a
// round trip and could find a different value.
type kvResult struct {
	query string // the function and its arguments
	value []byte
}

// namespace resolves the binding name at ptr to a namespace id: only the
// [[kv_namespaces]] of the project are reachable.
func (x *Reactor) namespace(ctx context.Context, mod api.Module, ptr, size uint32) (string, int32) {
	if x.opts.KV == nil {
		return "", errUnsupported
	}
	binding, ok := read(mod, ptr, size)
	if !ok {
		return "", errInvalid
	}
	id, ok := x.opts.KVNamespaces[binding]
	if !ok {
		// Once per request: a guest retrying in a loop must not flood
		// the log.
		if c, _ := ctx.Value(callKey{}).(*call); c == nil || !c.unboundLogged {
			x.log.WarnContext(ctx, "module used a KV binding that is not in [[kv_namespaces]]", "binding", binding)
			if c != nil {
				c.unboundLogged = true
			}
		}
		return "", errNotFound
	}
	return id, 0
}

// kvCode maps a KV error to an ABI error code, logging failures that are
// not the guest's fault.
func (x *Reactor) kvCode(ctx context.Context, op, ns, key string, err error) int32 {
	switch {
	case errors.Is(err, kv.ErrInvalidKey), errors.Is(err, kv.ErrKeyTooLong), errors.Is(err, kv.ErrInvalidExpiration),
		errors.Is(err, kv.ErrInvalidCursor), errors.Is(err, kv.ErrInvalidMetadata):
		return errInvalid
	case errors.Is(err, kv.ErrValueTooLarge):
		return errLimit
	}
	x.log.WarnContext(ctx, "module KV call failed", "op", op, "namespace", ns, "key", key, "err", err)
	return errIO
}

// putResult writes v to the guest with the getter convention, keeping it
// for the second call when it does not fit.
func putResult(ctx context.Context, mod api.Module, query string, ptr, size uint32, v []byte) int32 {
	c, _ := ctx.Value(callKey{}).(*call)
	if c != nil {
		c.kvPending = nil
		if len(v) > int(size) {
			c.kvPending = &kvResult{query: query, value: v}
		}
	}
	return int32(put(mod, ptr, size, v))
}

// pending returns the value kept for query by putResult, if any.
func pending(ctx context.Context, query string) ([]byte, bool) {
	c, _ := ctx.Value(callKey{}).(*call)
	if c == nil || c.kvPending == nil || c.kvPending.query != query {
		return nil, false
	}
	return c.kvPending.value, true
}

// forget drops a kept value: a write may have changed it.
func forget(ctx context.Context) {
	if c, _ := ctx.Value(callKey{}).(*call); c != nil {
		c.kvPending = nil
	}
}

// kv_get(ns, ns_len, key, key_len, buf, buf_len) -> len
func (x *Reactor) kvGet(ctx context.Context, mod api.Module, a []uint32) int32 {
	ns, code := x.namespace(ctx, mod, a[0], a[1])
	if code != 0 {
		return code
	}
	key, ok := read(mod, a[2], a[3])
	if !ok {
		return errInvalid
	}
	query := "get\x00" + ns + "\x00" + key
	v, ok := pending(ctx, query)
	if !ok {
		var found bool
		var err error
		v, _, found, err = x.opts.KV.Get(ctx, ns, key)
		if err != nil {
			return x.kvCode(ctx, "get", ns, key, err)
		}
		if !found {
			return errNotFound
		}
	}
	return putResult(ctx, mod, query, a[4], a[5], v)
}

// kv_put(ns, ns_len, key, key_len, value, value_len, ttl_seconds) -> 0
func (x *Reactor) kvPut(ctx context.Context, mod api.Module, a []uint32) int32 {
	forget(ctx)
	ns, code := x.namespace(ctx, mod, a[0], a[1])
	if code != 0 {
		return code
	}
	key, ok := read(mod, a[2], a[3])
	if !ok {
		return errInvalid
	}
	if a[5] > kv.MaxValueSize {
		return errLimit
	}
	v, ok := mod.Memory().Read(a[4], a[5])
	if !ok {
		return errInvalid
	}
	// A copy: the store may keep the slice, and guest memory is reused.
	opts := kv.PutOptions{ExpirationTTL: time.Duration(a[6]) * time.Second}
	if err := x.opts.KV.Put(ctx, ns, key, bytes.Clone(v), opts); err != nil {
		return x.kvCode(ctx, "put", ns, key, err)
	}
	return 0
}

// kv_delete(ns, ns_len, key, key_len) -> 0
func (x *Reactor) kvDelete(ctx context.Context, mod api.Module, a []uint32) int32 {
	forget(ctx)
	ns, code := x.namespace(ctx, mod, a[0], a[1])
	if code != 0 {
		return code
	}
	key, ok := read(mod, a[2], a[3])
	if !ok {
		return errInvalid
	}
	if err := x.opts.KV.Delete(ctx, ns, key); err != nil {
		return x.kvCode(ctx, "delete", ns, key, err)
	}
	return 0
}

// kv_list(ns, ns_len, prefix, prefix_len, cursor, cursor_len, buf, buf_len)
// -> len: one page of keys as JSON, in the shape of Workers KV's list().
func (x *Reactor) kvList(ctx context.Context, mod api.Module, a []uint32) int32 {
	ns, code := x.namespace(ctx, mod, a[0], a[1])
	if code != 0 {
		return code
	}
	prefix, ok1 := read(mod, a[2], a[3])
	cursor, ok2 := read(mod, a[4], a[5])
	if !ok1 || !ok2 {
		return errInvalid
	}
	query := "list\x00" + ns + "\x00" + prefix + "\x00" + cursor
	v, ok := pending(ctx, query)
	if !ok {
		res, err := x.opts.KV.List(ctx, ns, kv.ListOptions{Prefix: prefix, Cursor: cursor})
		if err != nil {
			return x.kvCode(ctx, "list", ns, prefix, err)
		}
		if res.Keys == nil {
			res.Keys = []kv.KeyInfo{} // [] rather than null
		}
		if v, err = json.Marshal(res); err != nil {
			return x.kvCode(ctx, "list", ns, prefix, err)
		}
	}
	return putResult(ctx, mod, query, a[6], a[7], v)
}
