package control

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/verge-edge/verge/kv"
)

// KVStore is the Workers KV a node or the control plane serves.
type KVStore interface {
	Get(ctx context.Context, ns, key string) ([]byte, json.RawMessage, bool, error)
	Put(ctx context.Context, ns, key string, value []byte, opts kv.PutOptions) error
	Delete(ctx context.Context, ns, key string) error
	List(ctx context.Context, ns string, opts kv.ListOptions) (kv.ListResult, error)
	PutBulk(ctx context.Context, ns string, entries []kv.BulkEntry) error
	Create(ctx context.Context, ns string) error
	ListNamespaces(ctx context.Context) ([]string, error)
}

// MountKV adds KV calls to mux, in the shape of Cloudflare's KV REST API
// (what `verge kv` calls):
//
//	GET    /kv/namespaces/{ns}/keys?prefix=&limit=&cursor=
//	GET    /kv/namespaces/{ns}/values/{key}
//	PUT    /kv/namespaces/{ns}/values/{key}?expiration=&expiration_ttl=   body = value; header Verge-Kv-Metadata: JSON
//	DELETE /kv/namespaces/{ns}/values/{key}
//	PUT    /kv/namespaces/{ns}/bulk    [{key, value, base64, expiration, expiration_ttl, metadata}]
func MountKV(mux *http.ServeMux, store KVStore) {
	fail := func(rw http.ResponseWriter, err error) {
		status := http.StatusBadRequest
		if errors.Is(err, kv.ErrHubUnavailable) {
			status = http.StatusServiceUnavailable
		}
		writeJSON(rw, status, map[string]any{"success": false, "error": err.Error()})
	}
	mux.HandleFunc("GET /kv/namespaces/{ns}/keys", func(rw http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit := 0
		if v := q.Get("limit"); v != "" {
			var err error
			if limit, err = strconv.Atoi(v); err != nil {
				fail(rw, errors.New("limit: not a number"))
				return
			}
		}
		res, err := store.List(r.Context(), r.PathValue("ns"), kv.ListOptions{Prefix: q.Get("prefix"), Limit: limit, Cursor: q.Get("cursor")})
		if err != nil {
			fail(rw, err)
			return
		}
		writeJSON(rw, http.StatusOK, res)
	})
	mux.HandleFunc("GET /kv/namespaces/{ns}/values/{key...}", func(rw http.ResponseWriter, r *http.Request) {
		value, meta, found, err := store.Get(r.Context(), r.PathValue("ns"), r.PathValue("key"))
		switch {
		case err != nil:
			fail(rw, err)
		case !found:
			writeJSON(rw, http.StatusNotFound, map[string]any{"success": false, "error": "key not found"})
		default:
			if len(meta) > 0 {
				rw.Header().Set("Verge-Kv-Metadata", string(meta))
			}
			rw.Header().Set("Content-Type", "application/octet-stream")
			rw.Write(value)
		}
	})
	mux.HandleFunc("PUT /kv/namespaces/{ns}/values/{key...}", func(rw http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var opts kv.PutOptions
		if v := q.Get("expiration"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				fail(rw, errors.New("expiration: not a unix time"))
				return
			}
			opts.Expiration = time.Unix(n, 0)
		}
		if v := q.Get("expiration_ttl"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				fail(rw, errors.New("expiration_ttl: not a number of seconds"))
				return
			}
			opts.ExpirationTTL = time.Duration(n) * time.Second
		}
		if m := r.Header.Get("Verge-Kv-Metadata"); m != "" {
			opts.Metadata = json.RawMessage(m)
		}
		value, err := io.ReadAll(io.LimitReader(r.Body, kv.MaxValueSize+1))
		if err == nil {
			err = store.Put(r.Context(), r.PathValue("ns"), r.PathValue("key"), value, opts)
		}
		if err != nil {
			fail(rw, err)
			return
		}
		writeJSON(rw, http.StatusOK, map[string]any{"success": true})
	})
	mux.HandleFunc("DELETE /kv/namespaces/{ns}/values/{key...}", func(rw http.ResponseWriter, r *http.Request) {
		if err := store.Delete(r.Context(), r.PathValue("ns"), r.PathValue("key")); err != nil {
			fail(rw, err)
			return
		}
		writeJSON(rw, http.StatusOK, map[string]any{"success": true})
	})
	mux.HandleFunc("PUT /kv/namespaces/{ns}/bulk", func(rw http.ResponseWriter, r *http.Request) {
		var entries []kv.BulkEntry
		if err := json.NewDecoder(io.LimitReader(r.Body, 100<<20)).Decode(&entries); err != nil {
			fail(rw, errors.New("bulk body: "+err.Error()))
			return
		}
		if err := store.PutBulk(r.Context(), r.PathValue("ns"), entries); err != nil {
			fail(rw, err)
			return
		}
		writeJSON(rw, http.StatusOK, map[string]any{"success": true, "written": len(entries)})
	})
}
