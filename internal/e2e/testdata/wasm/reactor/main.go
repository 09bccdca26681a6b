// Command reactor is the end-to-end reactor guest, written with the Go
// SDK: it counts visits per country in KV, and exposes its KV binding and
// the client's location. Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o app.wasm
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	verge "github.com/verge-edge/verge/sdk/go"
)

func init() {
	mux := http.NewServeMux()
	settings := verge.KV("SETTINGS")
	mux.HandleFunc("GET /geo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"geo": verge.Geo(r), "remote": r.RemoteAddr})
	})
	mux.HandleFunc("GET /visits", func(w http.ResponseWriter, r *http.Request) {
		// KV and geo together: a counter per country.
		country := verge.Geo(r).Country
		v, _, err := settings.Get("visits:" + country)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		n, _ := strconv.Atoi(string(v))
		n++
		if err := settings.Put("visits:"+country, []byte(strconv.Itoa(n))); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "%s %s visit %d", verge.Env("GREETING"), country, n)
	})
	// /kv/{key} reads, writes and deletes a key of SETTINGS, or of the
	// binding named by ?binding=.
	kv := func(r *http.Request) verge.Namespace {
		if b := r.URL.Query().Get("binding"); b != "" {
			return verge.KV(b)
		}
		return settings
	}
	mux.HandleFunc("GET /kv/{key}", func(w http.ResponseWriter, r *http.Request) {
		v, ok, err := kv(r).Get(r.PathValue("key"))
		switch {
		case err != nil:
			http.Error(w, err.Error(), http.StatusInternalServerError)
		case !ok:
			http.Error(w, "no such key", http.StatusNotFound)
		default:
			w.Write(v)
		}
	})
	mux.HandleFunc("PUT /kv/{key}", func(w http.ResponseWriter, r *http.Request) {
		v, err := io.ReadAll(r.Body)
		if err == nil {
			err = kv(r).Put(r.PathValue("key"), v)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("DELETE /kv/{key}", func(w http.ResponseWriter, r *http.Request) {
		if err := kv(r).Delete(r.PathValue("key")); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /kv", func(w http.ResponseWriter, r *http.Request) {
		res, err := kv(r).List(r.URL.Query().Get("prefix"), "")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		for _, k := range res.Keys {
			fmt.Fprintln(w, k.Name)
		}
	})
	verge.Serve(mux)
}

// main is required by the go tool; a reactor never runs it.
func main() {}
