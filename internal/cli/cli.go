// Package cli defines verge's commands (cobra). Each command parses its
// flags and hands off to the package that does the work.
package cli

import (
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/verge-edge/verge/devserver"
)

// Root returns the verge command tree.
func Root() *cobra.Command {
	root := &cobra.Command{
		Use:           "verge",
		Short:         "Verge runs edge handlers (Workers, Vercel Edge, Lambda@Edge, Wasm) close to your users",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(devCmd(), serveCmd(), controlCmd(), popCmd(), deployCmd(), versionsCmd(), promoteCmd(), rollbackCmd(), deleteCmd(),
		popsCmd(), loginCmd(), tokenCmd(), tailCmd(), kvCmd(), secretCmd(), isolateHostCmd(), versionCmd())
	return root
}

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Run: func(cmd *cobra.Command, args []string) {
			v := "(devel)"
			if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
				v = bi.Main.Version
			}
			fmt.Fprintln(cmd.OutOrStdout(), "verge", v)
		},
	}
}

func devCmd() *cobra.Command {
	var (
		opts devserver.Options
		vars []string
	)
	cmd := &cobra.Command{
		Use:   "dev [ENTRY]",
		Short: "Serve a worker locally with hot reload",
		Long: `Serve a worker locally on http://127.0.0.1:8787 with hot reload.

ENTRY is a worker file (.js, .mjs, .ts) or a folder with a verge.toml
(default: the current folder). request.cf comes from --geo-db (a local
.mmdb file, looked up with the CF-Connecting-IP or X-Forwarded-For header
or the peer address), else from --cf '{"country":"AR"}', else a fixed
default (country US, colo DEV). verge dev never calls the network itself.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Entry = args[0]
			}
			opts.Vars = map[string]string{}
			for _, kv := range vars {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k == "" {
					return fmt.Errorf("--var %q: want KEY=VALUE", kv)
				}
				opts.Vars[k] = v
			}
			opts.Out = cmd.OutOrStdout()
			if !cmd.Flags().Changed("port") {
				opts.Port = -1 // [dev] port from verge.toml, else 8787
			}
			if !cmd.Flags().Changed("host") {
				opts.Host = ""
			}
			srv, err := devserver.New(opts)
			if err != nil {
				return err
			}
			if err := srv.Start(); err != nil {
				return err
			}
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
			<-sig
			return srv.Close()
		},
	}
	f := cmd.Flags()
	f.IntVarP(&opts.Port, "port", "p", devserver.DefaultPort, "port to listen on (0: any free port; default: [dev] port in verge.toml, else 8787)")
	f.StringVar(&opts.Host, "host", "127.0.0.1", "address to listen on")
	f.StringArrayVar(&vars, "var", nil, "an env binding KEY=VALUE (repeatable; overrides [vars])")
	f.StringVar(&opts.GeoDB, "geo-db", "", "a MaxMind/DB-IP/IPinfo .mmdb file for request.cf")
	f.StringVar(&opts.CF, "cf", "", `request.cf as JSON, e.g. '{"country":"AR","city":"Buenos Aires"}'`)
	f.BoolVar(&opts.Watch, "watch", true, "rebuild when files change")
	f.BoolVar(&opts.Quiet, "quiet", false, "do not log each request")
	return cmd
}
