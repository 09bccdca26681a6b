// Command hello is a Verge reactor: a net/http handler that serves many
// requests from one instance. Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o hello.wasm
package main

import (
	"fmt"
	"log/slog"
	"net/http"

	verge "github.com/verge-edge/verge/sdk/go"
)

func init() {
	log := slog.New(verge.NewLogHandler(nil))
	verge.ServeFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("name")
		if name == "" {
			name = "world"
		}
		loc := verge.Geo(r)
		log.Info("greeting", "name", name, "country", loc.Country)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "%s, %s", verge.Env("GREETING"), name)
		if loc.City != "" {
			fmt.Fprintf(w, " in %s", loc.City)
		}
		fmt.Fprintln(w)
	})
}

// main is required by the go tool; a reactor never runs it.
func main() {}
