package server

import (
	"context"
	"fmt"
	"os"

	"github.com/verge-edge/verge/config"
	"github.com/verge-edge/verge/wasm"
	"github.com/verge-edge/verge/worker"
)

// loadWasmProject compiles a project whose main is a .wasm module.
func (s *Server) loadWasmProject(cfg *config.Config) (*project, error) {
	code, err := os.ReadFile(cfg.Main)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.Name, err)
	}
	lim := worker.LimitsFrom(cfg.Limits)
	m, err := wasm.Compile(context.Background(), code, wasm.Options{Name: cfg.Name, Logger: s.log.With("worker", cfg.Name),
		Env: cfg.Vars, WallTime: lim.WallTime, Memory: lim.Memory, RequestBody: lim.RequestBody})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.Name, err)
	}
	s.log.Info("wasm handler ready", "worker", cfg.Name)
	return &project{cfg: cfg, wasm: m}, nil
}
