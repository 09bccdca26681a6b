package server

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"

	"github.com/nats-io/nats.go"
	"github.com/verge-edge/verge/cache"
	"github.com/verge-edge/verge/cluster"
	"github.com/verge-edge/verge/control"
)

// adminHandler is the node's admin API:
//
//	POST /cache/purge   {"files":[...], "prefixes":[...], "hosts":[...], "tags":[...], "purge_everything":true}
//	GET  /cache/stats
//	GET  /health
//	/kv/...             see kvAdmin
//	/secrets/...        see secretsAdmin
//	GET  /tail          see tailAdmin
//	/v1/...             the control API (package control), on verge serve
//
// The purge body has the shape of Cloudflare's purge API.
func (s *Server) adminHandler(token string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(rw http.ResponseWriter, r *http.Request) {
		writeJSON(rw, http.StatusOK, map[string]any{"ok": true, "hosts": s.pool.Status()})
	})
	mux.HandleFunc("GET /cache/stats", func(rw http.ResponseWriter, r *http.Request) {
		writeJSON(rw, http.StatusOK, s.cache.Stats())
	})
	mux.HandleFunc("POST /cache/purge", func(rw http.ResponseWriter, r *http.Request) {
		var p cache.Purge
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			writeJSON(rw, http.StatusBadRequest, map[string]any{"success": false, "error": "purge body: " + err.Error()})
			return
		}
		n, err := s.cache.Purge(p)
		if err != nil {
			writeJSON(rw, http.StatusBadRequest, map[string]any{"success": false, "error": err.Error()})
			return
		}
		s.log.Info("cache purged", "entries", n, "files", len(p.Files), "prefixes", len(p.Prefixes),
			"hosts", len(p.Hosts), "tags", len(p.Tags), "everything", p.Everything)
		writeJSON(rw, http.StatusOK, map[string]any{"success": true, "purged": n})
	})
	control.MountKV(mux, s.kv)
	s.secretsAdmin(mux)
	s.tailAdmin(mux)
	var api http.Handler = http.NotFoundHandler()
	if s.embedded != nil {
		// This node is its own control plane (verge serve): the admin
		// token is the root API token.
		api = control.New(control.Config{
			Hub: func(ctx context.Context) (*nats.Conn, error) {
				local, err := s.embedded.Local(ctx)
				if err != nil {
					return nil, err
				}
				s.tailNATS.Do(func() {
					// The embedded leaf is this node's PoP: GET /v1/tail
					// streams its events. It stops with the leaf's connection.
					if err := s.PublishTail(context.Background(), local.Leaf.Conn(), cluster.LocalPoP); err != nil {
						s.log.Warn("live tail through the control API unavailable", "err", err)
					}
				})
				return local.Hub.Conn(), nil
			},
			Deploys:   s.DeployStore,
			KV:        s.embedded,
			RootToken: token,
			Open:      true,
			Log:       s.log,
		})
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if control.Handles(r.URL.Path) {
			api.ServeHTTP(rw, r) // scoped tokens: it checks them itself
			return
		}
		if token == "" {
			mux.ServeHTTP(rw, r)
			return
		}
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			rw.Header().Set("WWW-Authenticate", `Bearer realm="verge admin"`)
			writeJSON(rw, http.StatusUnauthorized, map[string]any{"success": false, "error": "admin token required"})
			return
		}
		mux.ServeHTTP(rw, r)
	})
}

func writeJSON(rw http.ResponseWriter, status int, v any) {
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(status)
	json.NewEncoder(rw).Encode(v)
}
