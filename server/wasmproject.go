package server

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/verge-edge/verge/config"
	"github.com/verge-edge/verge/wasm"
	"github.com/verge-edge/verge/worker"
)

// buildTimeout bounds a project's build command (verge.toml's build): a
// cold Go or Rust build takes minutes, a stuck one must not hold a reload
// forever.
const buildTimeout = 10 * time.Minute

// loadWasmProject runs the project's build command, if it has one, then
// compiles its .wasm main: as a reactor when the module exports
// verge_handle, else as a WAGI command. Errors name the file.
func (s *Server) loadWasmProject(cfg *config.Config) (*project, error) {
	log := s.log.With("worker", cfg.Name)
	if cfg.Build != "" {
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		defer cancel()
		start := time.Now()
		if err := wasm.Build(ctx, cfg.Dir, cfg.Build); err != nil {
			return nil, fmt.Errorf("%s: %w", cfg.Name, err)
		}
		log.Info("wasm project built", "command", cfg.Build, "took", time.Since(start).Round(time.Millisecond))
	}
	code, err := os.ReadFile(cfg.Main)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.Name, err)
	}
	opts := wasmOptions(cfg, s.kv, log)
	// Compiled once per module and kept on disk across restarts.
	opts.CacheDir = s.wasmCache
	h, err := wasm.CompileHandler(context.Background(), code, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", cfg.Name, cfg.Main, err)
	}
	kind := "wagi"
	if _, ok := h.(*wasm.Reactor); ok {
		kind = "reactor"
	}
	log.Info("wasm handler ready", "kind", kind)
	return &project{cfg: cfg, wasm: h}, nil
}

// wasmOptions are the project's limits, vars and KV bindings for its
// module.
func wasmOptions(cfg *config.Config, store wasm.KV, log *slog.Logger) wasm.Options {
	lim := worker.LimitsFrom(cfg.Limits)
	namespaces := make(map[string]string, len(cfg.KVNamespaces))
	for _, ns := range cfg.KVNamespaces {
		namespaces[ns.Binding] = ns.ID
	}
	return wasm.Options{
		Name:         cfg.Name,
		Logger:       log,
		Env:          cfg.Vars,
		WallTime:     lim.WallTime,
		Startup:      lim.Startup,
		Memory:       lim.Memory,
		RequestBody:  lim.RequestBody,
		ResponseBody: lim.ResponseBody,
		KV:           store,
		KVNamespaces: namespaces,
	}
}
