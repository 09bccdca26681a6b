package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/verge-edge/verge/host"
	"github.com/verge-edge/verge/server"
)

func serveCmd() *cobra.Command {
	var (
		configPath string
		listen     string
		hosts      int
		colo       string
		verbose    bool
	)
	cmd := &cobra.Command{
		Use:   "serve [PROJECT]",
		Short: "Run a PoP edge server: workers in isolate hosts in front of origins",
		Long: `Run the edge server of one point of presence, with no external services.

With --config, node.toml gives the listeners, projects (folders with a
verge.toml), named origins and routes. With a PROJECT (a folder with verge.toml, or a worker file) instead, that one
project is served on --listen for every host and path. SIGHUP reloads the
config and the projects without dropping connections; SIGTERM drains.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var cfg *server.NodeConfig
			var err error
			switch {
			case configPath != "" && len(args) > 0:
				return fmt.Errorf("give --config or a project folder, not both")
			case configPath != "":
				if cfg, err = server.LoadNode(configPath); err != nil {
					return err
				}
			default:
				dir := "."
				if len(args) == 1 {
					dir = args[0]
				}
				if dir, err = filepath.Abs(dir); err != nil {
					return err
				}
				src := fmt.Sprintf("projects = [%q]\n[listen]\nhttp = %q\n", dir, listen)
				if cfg, err = server.ParseNode([]byte(src), dir, "verge serve"); err != nil {
					return err
				}
			}
			if hosts > 0 {
				cfg.Hosts.Count = hosts
			}
			server.TuneGC(cfg)
			if colo != "" {
				cfg.Colo = colo
			}
			log := newLogger(cmd, verbose)
			self, err := os.Executable()
			if err != nil {
				return err
			}
			srv, err := server.New(cfg, server.Options{HostCommand: []string{self, "isolate-host"}, HostEnv: hostEnv(),
				Log: log, ConfigPath: configPath})
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			hup := make(chan os.Signal, 1)
			signal.Notify(hup, syscall.SIGHUP)
			defer signal.Stop(hup)
			go func() {
				for range hup {
					if err := srv.Reload(); err != nil {
						log.Error("reload failed; still serving the previous config", "err", err)
					} else {
						log.Info("reloaded")
					}
				}
			}()
			return srv.ListenAndServe(ctx, func(addrs server.Addrs) {
				fmt.Fprintf(cmd.OutOrStdout(), "Ready on %s\n", strings.Join(addrs.Serving(), " "))
				if addrs.Admin != "" {
					fmt.Fprintf(cmd.OutOrStdout(), "Admin API on %s\n", addrs.Admin)
				}
			})
		},
	}
	f := cmd.Flags()
	f.StringVarP(&configPath, "config", "c", "", "node.toml")
	f.StringVar(&listen, "listen", "127.0.0.1:8080", "HTTP address when serving a project folder")
	f.IntVar(&hosts, "hosts", 0, "isolate host processes (default: [hosts] count, else one per CPU)")
	f.StringVar(&colo, "colo", "", "this PoP's code for request.cf.colo")
	f.BoolVarP(&verbose, "verbose", "v", false, "debug logging")
	return cmd
}

// isolateHostCmd is the child process the edge server starts per core.
func isolateHostCmd() *cobra.Command {
	var (
		budgetMB int
		spares   int
		nofile   uint64
	)
	cmd := &cobra.Command{
		Use:    "isolate-host",
		Short:  "Run an isolate host (started by verge serve; not for direct use)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return host.Run(ctx, host.Options{Log: log, MemoryBudget: int64(budgetMB) << 20, Spares: spares},
				host.Limits{OpenFiles: nofile})
		},
	}
	f := cmd.Flags()
	f.IntVar(&budgetMB, "memory-budget-mb", 0, "unload least recently used workers past this heap size")
	f.IntVar(&spares, "spares", 1, "blank VMs kept ready for new workers")
	f.Uint64Var(&nofile, "nofile", 4096, "RLIMIT_NOFILE")
	return cmd
}
