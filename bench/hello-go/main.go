// Command hello-go is the plain Go net/http baseline for bench/run.sh.
package main

import (
	"flag"
	"log"
	"net/http"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8790", "listen address")
	delay := flag.Duration("delay", 0, "wait this long before answering (a slow origin, for bench/ab.sh proxy)")
	flag.Parse()
	body := []byte("Hello from the Edge")
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(*delay)
		w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
		w.Write(body)
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
