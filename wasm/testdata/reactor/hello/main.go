// Command hello is the reactor twin of the WAGI hello guest: a status,
// headers and a body, for tests and BenchmarkReactor.
package main

import (
	"io"
	"net/http"

	verge "github.com/verge-edge/verge/sdk/go"
)

func init() {
	verge.ServeFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Hello", "world")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "hello, verge\n")
	})
}

func main() {}
