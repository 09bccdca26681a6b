// Command app is the reactor test guest: one route per behaviour under test.
package main

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"time"

	verge "github.com/verge-edge/verge/sdk/go"
)

// Package state lives as long as the instance: the tests observe pooling
// and recycling through it.
var (
	instanceID = rand.Text()[:8]
	count      int
	busy       bool
	hoard      [][]byte
)

type echo struct {
	Method   string              `json:"method"`
	URL      string              `json:"url"`
	Host     string              `json:"host"`
	Proto    string              `json:"proto"`
	Remote   string              `json:"remote"`
	Header   map[string][]string `json:"header"`
	Length   int64               `json:"content_length"`
	Len      int                 `json:"len"`
	SHA256   string              `json:"sha256"`
	Env      string              `json:"env"`
	OSEnv    string              `json:"os_env"`
	Geo      verge.Location      `json:"geo"`
	Instance string              `json:"instance"`
}

func init() {
	if os.Getenv("HANG_ON_RESTART") != "" {
		// The first instance marks the store; later ones never finish
		// starting: a replacement that hangs.
		state := verge.KV("STATE")
		if _, started, _ := state.Get("started"); started {
			for {
			}
		}
		state.Put("started", []byte(instanceID))
	}
	log := slog.New(verge.NewLogHandler(nil))
	mux := http.NewServeMux()
	mux.HandleFunc("/echo/", func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("X-Echo-Method", r.Method)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(echo{
			Method: r.Method, URL: r.URL.String(), Host: r.Host, Proto: r.Proto, Remote: r.RemoteAddr,
			Header: r.Header, Length: r.ContentLength, Len: int(n), SHA256: hex.EncodeToString(h.Sum(nil)),
			Env: verge.Env("API_KEY"), OSEnv: os.Getenv("API_KEY"), Geo: verge.Geo(r), Instance: instanceID,
		})
	})
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		line, err := bufio.NewReader(r.Body).ReadString('\n')
		if err != nil {
			log.Error("reading the body", "err", err)
			return
		}
		io.WriteString(w, "second after "+line)
		if r.URL.RawQuery == "fail" {
			w.(http.Flusher).Flush()
			panic("failing after the body started")
		}
	})
	mux.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Before", "panic")
		panic("boom from the reactor")
	})
	mux.HandleFunc("/exit", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(os.Stderr, "giving up with code 3")
		os.Exit(3)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		verge.Log(slog.LevelInfo, "looping forever")
		n := 0
		for {
			n++
		}
	})
	mux.HandleFunc("/oom", func(w http.ResponseWriter, r *http.Request) {
		verge.Log(slog.LevelInfo, "allocating until the limit")
		for {
			hoard = append(hoard, make([]byte, 1<<20))
		}
	})
	mux.HandleFunc("/grow", func(w http.ResponseWriter, r *http.Request) {
		// Allocates ?mib= MiB, so that linear memory grows past a mark.
		n, _ := strconv.Atoi(r.URL.Query().Get("mib"))
		hoard = make([][]byte, n)
		for i := range hoard {
			hoard[i] = make([]byte, 1<<20)
		}
		hoard = nil
		fmt.Fprint(w, instanceID)
	})
	mux.HandleFunc("/count", func(w http.ResponseWriter, r *http.Request) {
		count++
		fmt.Fprintf(w, "%d %s", count, instanceID)
	})
	mux.HandleFunc("/log", func(w http.ResponseWriter, r *http.Request) {
		log.Warn("from slog", "n", 42)
		verge.Log(slog.LevelError, "from verge.Log")
		fmt.Fprintln(os.Stderr, "from stderr")
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/clock", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%d %s", time.Now().Unix(), rand.Text())
	})
	mux.HandleFunc("/flood", func(w http.ResponseWriter, r *http.Request) {
		// 10 GB of body, ignoring write errors as a runaway guest would.
		buf := make([]byte, 1<<20)
		for i := 0; i < 10<<10; i++ {
			w.Write(buf)
		}
	})
	mux.HandleFunc("GET /kv/{binding}/{key}", func(w http.ResponseWriter, r *http.Request) {
		v, ok, err := verge.KV(r.PathValue("binding")).Get(r.PathValue("key"))
		switch {
		case err != nil:
			http.Error(w, err.Error(), http.StatusInternalServerError)
		case !ok:
			http.Error(w, "missing", http.StatusNotFound)
		default:
			w.Write(v)
		}
	})
	mux.HandleFunc("PUT /kv/{binding}/{key}", func(w http.ResponseWriter, r *http.Request) {
		v, _ := io.ReadAll(r.Body)
		kv := verge.KV(r.PathValue("binding"))
		var err error
		if ttl := r.URL.Query().Get("ttl"); ttl != "" {
			secs, _ := strconv.Atoi(ttl)
			err = kv.PutTTL(r.PathValue("key"), v, time.Duration(secs)*time.Second)
		} else {
			err = kv.Put(r.PathValue("key"), v)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("DELETE /kv/{binding}/{key}", func(w http.ResponseWriter, r *http.Request) {
		if err := verge.KV(r.PathValue("binding")).Delete(r.PathValue("key")); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /kv/{binding}", func(w http.ResponseWriter, r *http.Request) {
		res, err := verge.KV(r.PathValue("binding")).List(r.URL.Query().Get("prefix"), r.URL.Query().Get("cursor"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		json.NewEncoder(w).Encode(res)
	})
	verge.ServeFunc(func(w http.ResponseWriter, r *http.Request) {
		// The host must never enter an instance twice at once.
		if busy {
			panic("reentered")
		}
		busy = true
		defer func() { busy = false }()
		mux.ServeHTTP(w, r)
	})
}

func main() {}
