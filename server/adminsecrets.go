package server

import (
	"io"
	"net/http"

	"github.com/verge-edge/verge/secrets"
)

// secretsAdmin adds workers' secrets to the admin API (what `verge secret`
// calls). Values go in and never come out; a change reloads the node so
// the worker sees it.
//
//	GET    /secrets/{worker}          {"names": [...]}
//	PUT    /secrets/{worker}/{name}   body = the value
//	DELETE /secrets/{worker}/{name}
func (s *Server) secretsAdmin(mux *http.ServeMux) {
	fail := func(rw http.ResponseWriter, status int, err error) {
		writeJSON(rw, status, map[string]any{"success": false, "error": err.Error()})
	}
	store := func(rw http.ResponseWriter) *secrets.Store {
		st, err := s.secretStore()
		if err != nil {
			fail(rw, http.StatusInternalServerError, err)
			return nil
		}
		return st
	}
	changed := func(rw http.ResponseWriter, worker string) {
		if err := s.Reload(); err != nil {
			// The secret is stored; the running version keeps the old
			// value until a reload succeeds.
			fail(rw, http.StatusConflict, err)
			return
		}
		s.log.Info("secrets changed", "worker", worker)
		writeJSON(rw, http.StatusOK, map[string]any{"success": true})
	}
	mux.HandleFunc("GET /secrets/{worker}", func(rw http.ResponseWriter, r *http.Request) {
		st := store(rw)
		if st == nil {
			return
		}
		names, err := st.Names(r.PathValue("worker"))
		if err != nil {
			fail(rw, http.StatusBadRequest, err)
			return
		}
		writeJSON(rw, http.StatusOK, map[string]any{"success": true, "names": names})
	})
	mux.HandleFunc("PUT /secrets/{worker}/{name}", func(rw http.ResponseWriter, r *http.Request) {
		st := store(rw)
		if st == nil {
			return
		}
		value, err := io.ReadAll(io.LimitReader(r.Body, secrets.MaxValue+1))
		if err == nil {
			err = st.Put(r.PathValue("worker"), r.PathValue("name"), string(value))
		}
		if err != nil {
			fail(rw, http.StatusBadRequest, err)
			return
		}
		changed(rw, r.PathValue("worker"))
	})
	mux.HandleFunc("DELETE /secrets/{worker}/{name}", func(rw http.ResponseWriter, r *http.Request) {
		st := store(rw)
		if st == nil {
			return
		}
		if err := st.Delete(r.PathValue("worker"), r.PathValue("name")); err != nil {
			fail(rw, http.StatusBadRequest, err)
			return
		}
		changed(rw, r.PathValue("worker"))
	})
}
