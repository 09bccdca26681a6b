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
