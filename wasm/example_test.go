package wasm_test

import (
	"context"
	"log"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/verge-edge/verge/wasm"
)

// A WAGI handler written in any language that targets WASI, for example Go:
//
//	GOOS=wasip1 GOARCH=wasm go build -o handler.wasm ./handler
//
// served with limits tighter than the defaults.
func Example() {
	ctx := context.Background()
	bin, err := os.ReadFile("handler.wasm")
	if err != nil {
		log.Fatal(err)
	}
	m, err := wasm.Compile(ctx, bin, wasm.Options{
		Name:     "handler",
		Logger:   slog.Default(),
		CacheDir: "/var/cache/verge/wasm", // a restart skips compilation
		Env:      map[string]string{"API_TOKEN": os.Getenv("API_TOKEN")},
		WallTime: 5 * time.Second,
		Memory:   64 << 20,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close(ctx)
	log.Fatal(http.ListenAndServe("127.0.0.1:8787", m))
}
