// Command hello-go is the plain Go net/http baseline for bench/run.sh.
package main

import (
	"flag"
	"log"
	"net/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8790", "listen address")
	flag.Parse()
	body := []byte("Hello from the Edge")
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
		w.Write(body)
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
