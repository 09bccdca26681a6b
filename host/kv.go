package host

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/verge-edge/verge/kv"
)

// KV calls over the services connection:
//
//	POST /kv/get     {ns, key} -> 200 value, header Verge-Kv-Metadata; 404 when absent
//	POST /kv/put     header Verge-Kv: {ns, key, expiration, ttl, metadata}; body = the value
//	POST /kv/delete  {ns, key} -> 204
//	POST /kv/list    {ns, prefix, limit, cursor} -> ListResult
type kvCall struct {
	NS         string          `json:"ns"`
	Key        string          `json:"key,omitempty"`
	Expiration int64           `json:"expiration,omitempty"` // unix seconds
	TTL        int64           `json:"ttl,omitempty"`        // seconds
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	Prefix     string          `json:"prefix,omitempty"`
	Limit      int             `json:"limit,omitempty"`
	Cursor     string          `json:"cursor,omitempty"`
}

// maxKVValue bounds a value on the services connection: Workers KV's 25
// MiB and room for framing.
const maxKVValue = 26 << 20

// remoteKV is the KV store of workers in a host: the front's namespaces.
type remoteKV struct{ rt http.RoundTripper }

func (r remoteKV) call(ctx context.Context, path string, meta kvCall, value []byte) (*http.Response, error) {
	m, _ := json.Marshal(meta)
	body := m
	if value != nil {
		body = value
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://front"+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if value != nil {
		req.Header.Set("Verge-Kv", url.QueryEscape(string(m)))
	}
	resp, err := r.rt.RoundTrip(req)
	if err != nil {
		return nil, fmt.Errorf("kv service: %w", err)
	}
	if resp.StatusCode >= 400 && resp.StatusCode != http.StatusNotFound {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		return nil, errors.New(string(bytes.TrimSpace(msg)))
	}
	return resp, nil
}

func (r remoteKV) Get(ctx context.Context, ns, key string) ([]byte, json.RawMessage, bool, error) {
	resp, err := r.call(ctx, "/kv/get", kvCall{NS: ns, Key: key}, nil)
	if err != nil {
		return nil, nil, false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, nil, false, nil
	}
	value, err := io.ReadAll(io.LimitReader(resp.Body, maxKVValue))
	if err != nil {
		return nil, nil, false, fmt.Errorf("kv service: %w", err)
	}
	meta, _ := url.QueryUnescape(resp.Header.Get("Verge-Kv-Metadata"))
	return value, json.RawMessage(meta), true, nil
}

func (r remoteKV) Put(ctx context.Context, ns, key string, value []byte, opts kv.PutOptions) error {
	meta := kvCall{NS: ns, Key: key, Metadata: opts.Metadata, TTL: int64(opts.ExpirationTTL / time.Second)}
	if !opts.Expiration.IsZero() {
		meta.Expiration = opts.Expiration.Unix()
	}
	if value == nil {
		value = []byte{}
	}
	resp, err := r.call(ctx, "/kv/put", meta, value)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

func (r remoteKV) Delete(ctx context.Context, ns, key string) error {
	resp, err := r.call(ctx, "/kv/delete", kvCall{NS: ns, Key: key}, nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

func (r remoteKV) List(ctx context.Context, ns string, opts kv.ListOptions) (kv.ListResult, error) {
	resp, err := r.call(ctx, "/kv/list", kvCall{NS: ns, Prefix: opts.Prefix, Limit: opts.Limit, Cursor: opts.Cursor}, nil)
	if err != nil {
		return kv.ListResult{}, err
	}
	defer resp.Body.Close()
	var res kv.ListResult
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return kv.ListResult{}, fmt.Errorf("kv service: %w", err)
	}
	return res, nil
}

// KVStore is the front's KV: package kv's Namespaces, or any store with
// its methods.
type KVStore interface {
	Get(ctx context.Context, ns, key string) ([]byte, json.RawMessage, bool, error)
	Put(ctx context.Context, ns, key string, value []byte, opts kv.PutOptions) error
	Delete(ctx context.Context, ns, key string) error
	List(ctx context.Context, ns string, opts kv.ListOptions) (kv.ListResult, error)
}

// kvHandlers adds the KV calls to the front's services mux.
func kvHandlers(mux *http.ServeMux, store KVStore) {
	fail := func(rw http.ResponseWriter, err error) { http.Error(rw, err.Error(), http.StatusBadRequest) }
	decode := func(r *http.Request) (kvCall, error) {
		var c kvCall
		if store == nil {
			return c, errors.New("KV is not configured on this node")
		}
		return c, json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&c)
	}
	mux.HandleFunc("POST /kv/get", func(rw http.ResponseWriter, r *http.Request) {
		c, err := decode(r)
		if err != nil {
			fail(rw, err)
			return
		}
		value, meta, found, err := store.Get(r.Context(), c.NS, c.Key)
		switch {
		case err != nil:
			fail(rw, err)
		case !found:
			rw.WriteHeader(http.StatusNotFound)
		default:
			rw.Header().Set("Verge-Kv-Metadata", url.QueryEscape(string(meta)))
			rw.Write(value)
		}
	})
	mux.HandleFunc("POST /kv/put", func(rw http.ResponseWriter, r *http.Request) {
		var c kvCall
		s, err := url.QueryUnescape(r.Header.Get("Verge-Kv"))
		if err == nil {
			err = json.Unmarshal([]byte(s), &c)
		}
		if err == nil && store == nil {
			err = errors.New("KV is not configured on this node")
		}
		var value []byte
		if err == nil {
			value, err = io.ReadAll(io.LimitReader(r.Body, maxKVValue))
		}
		if err == nil {
			opts := kv.PutOptions{Metadata: c.Metadata, ExpirationTTL: time.Duration(c.TTL) * time.Second}
			if c.Expiration != 0 {
				opts.Expiration = time.Unix(c.Expiration, 0)
			}
			err = store.Put(r.Context(), c.NS, c.Key, value, opts)
		}
		if err != nil {
			fail(rw, err)
			return
		}
		rw.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /kv/delete", func(rw http.ResponseWriter, r *http.Request) {
		c, err := decode(r)
		if err == nil {
			err = store.Delete(r.Context(), c.NS, c.Key)
		}
		if err != nil {
			fail(rw, err)
			return
		}
		rw.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /kv/list", func(rw http.ResponseWriter, r *http.Request) {
		c, err := decode(r)
		var res kv.ListResult
		if err == nil {
			res, err = store.List(r.Context(), c.NS, kv.ListOptions{Prefix: c.Prefix, Limit: c.Limit, Cursor: c.Cursor})
		}
		if err != nil {
			fail(rw, err)
			return
		}
		json.NewEncoder(rw).Encode(res)
	})
}
