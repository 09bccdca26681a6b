package worker

import (
	"fmt"
	"io"
	"log/slog"

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
