package worker

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/verge-edge/verge/bundle"
)

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// buildSource bundles one ES module given as source text.
func buildSource(src string) ([]byte, error) {
	res, err := bundle.Build(bundle.Options{Source: src, Entry: "worker.js"})
	if err != nil {
		return nil, err
	}
	return res.Code, nil
}

func fmtSscanf(s string, id, n *float64) (int, error) { return fmt.Sscan(s, id, n) }

// takeIdle takes an idle VM out of the pool, waiting for one (a VM comes
// back once its request's waitUntil work is done). Give it back with
// putIdle.
func takeIdle(w *Worker) *isolate {
	for {
		w.mu.Lock()
		if n := len(w.idle); n > 0 {
			iso := w.idle[n-1]
			w.idle = w.idle[:n-1]
			w.mu.Unlock()
			return iso
		}
		w.mu.Unlock()
		time.Sleep(time.Millisecond)
	}
}

func putIdle(w *Worker, iso *isolate) {
	w.mu.Lock()
	w.idle = append(w.idle, iso)
	w.mu.Unlock()
}
