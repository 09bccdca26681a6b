package control

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/verge-edge/verge/tail"
)

// tailKeepalive is how often an idle tail stream gets an empty line, which
// keeps proxies from closing it.
const tailKeepalive = 15 * time.Second

// TailHandler streams live events from every PoP as JSON lines, like a
// node's GET /tail and with its query parameters (worker, status, method,
// search, sampling), through the NATS bridge of package tail. hub returns
// a connection that reaches the hub. Besides events, the stream carries
// notices: {"kind":"attached","pop":...} when a PoP starts sending, and
// {"kind":"dropped","dropped":N,...} when events were lost (at a PoP, or
// here because the client reads too slowly, then without "pop").
func TailHandler(hub func(ctx context.Context) (*nats.Conn, error)) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		f, err := tail.ParseQuery(r.URL.Query())
		if err != nil {
			writeJSON(rw, http.StatusBadRequest, map[string]any{"success": false, "error": err.Error()})
			return
		}
		conn, err := hub(r.Context())
		var st *tail.Stream
		if err == nil {
			st, err = tail.Subscribe(r.Context(), conn, f, tail.StreamOptions{})
		}
		if err != nil {
			writeJSON(rw, http.StatusServiceUnavailable, map[string]any{"success": false, "error": fmt.Sprintf("the hub is unreachable: %v", err)})
			return
		}
		defer st.Close()
		rw.Header().Set("Content-Type", "application/x-ndjson")
		rw.WriteHeader(http.StatusOK)
		flush := http.NewResponseController(rw).Flush
		if flush() != nil {
			return
		}
		enc := json.NewEncoder(rw)
		keepalive := time.NewTicker(tailKeepalive)
		defer keepalive.Stop()
		var reported int64
		for {
			select {
			case <-r.Context().Done():
				return
			case <-keepalive.C:
				if _, err := rw.Write([]byte("\n")); err != nil {
					return
				}
			case e, ok := <-st.C:
				if !ok {
					return // the hub connection closed
				}
				if err := enc.Encode(e); err != nil {
					return
				}
			}
			// Tell the client about events it was too slow for, once
			// it reads again.
			if n := st.Dropped(); n > reported {
				d := tail.Event{Time: time.Now(), Kind: tail.KindDropped, Dropped: n - reported,
					Message: fmt.Sprintf("%d events dropped: the client reads too slowly", n-reported)}
				if err := enc.Encode(d); err != nil {
					return
				}
				reported = n
			}
			if flush() != nil {
				return
			}
		}
	})
}
