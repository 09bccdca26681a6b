package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/verge-edge/verge/control"
	"github.com/verge-edge/verge/deploy"
)

// login is what `verge login` stores.
type login struct {
	Control string `json:"control"`
	Token   string `json:"token"`
}

func loginPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "verge", "login.json"), nil
}

func readLogin() login {
	var l login
	if p, err := loginPath(); err == nil {
		if b, err := os.ReadFile(p); err == nil {
			json.Unmarshal(b, &l)
		}
	}
	return l
}

// controlFlags adds --control and --token to a command; their defaults
// come from VERGE_CONTROL and VERGE_TOKEN, then from `verge login`, then
// verge serve's admin address.
func controlFlags(cmd *cobra.Command, c *adminClient) {
	l := readLogin()
	base := cmp(os.Getenv("VERGE_CONTROL"), l.Control, "http://127.0.0.1:9901")
	token := cmp(os.Getenv("VERGE_TOKEN"), l.Token)
	cmd.PersistentFlags().StringVar(&c.base, "control", base, "the control API (verge control, or verge serve's admin listener)")
	cmd.PersistentFlags().StringVar(&c.token, "token", token, "API token (default: VERGE_TOKEN, else the one from verge login)")
}

func cmp(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func loginCmd() *cobra.Command {
	var c adminClient
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Store the control API's address and a token for the other commands",
		Long: `Store the control API's address and an API token (read from --token,
else from stdin) in the user's config folder, after checking them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("token") {
				b, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), 4096))
				if err != nil {
					return err
				}
				c.token = strings.TrimSpace(string(b))
			}
			if c.token == "" {
				return errors.New("no token given (--token, or on stdin)")
			}
			if _, _, err := c.do(cmd.Context(), "GET", "/v1/workers", nil, nil, nil); err != nil {
				return fmt.Errorf("checking the token: %w", err)
			}
			p, err := loginPath()
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
				return err
			}
			b, _ := json.MarshalIndent(login{Control: c.base, Token: c.token}, "", "  ")
			if err := os.WriteFile(p, b, 0o600); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Logged in to %s (saved in %s)\n", c.base, p)
			return nil
		},
	}
	controlFlags(cmd, &c)
	return cmd
}

func deployCmd() *cobra.Command {
	var (
		c       adminClient
		percent int
		message string
	)
	cmd := &cobra.Command{
		Use:   "deploy [DIR]",
		Short: "Build a worker and deploy it to every PoP",
		Long: `Build the worker in DIR (a folder with verge.toml, or a worker file;
default: the current folder), upload it as a new version and serve it from
every PoP. With --percent N, the new version gets N% of clients (sticky
per client: the Verge-Version-Key header, else the client's IP) and the
current one the rest, until verge promote or verge rollback.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			name, art, err := deploy.Pack(cmd.Context(), dir)
			if err != nil {
				return err
			}
			errOut := cmd.ErrOrStderr()
			c.progress = func(sent, total int64) {
				fmt.Fprintf(errOut, "\rUploading %s: %.1f of %.1f MiB (%d%%)", name, float64(sent)/(1<<20), float64(total)/(1<<20), sent*100/total)
				if sent == total {
					fmt.Fprintln(errOut)
				}
			}
			q := url.Values{"percent": {strconv.Itoa(percent)}}
			if message != "" {
				q.Set("message", message)
			}
			hdr := http.Header{"Content-Type": {"application/gzip"}}
			b, _, err := c.do(cmd.Context(), "POST", "/v1/workers/"+url.PathEscape(name)+"/versions", q, hdr, art)
			if err != nil {
				return err
			}
			var res struct {
				Version deploy.Version `json:"version"`
				Worker  deploy.Worker  `json:"worker"`
			}
			if err := json.Unmarshal(b, &res); err != nil {
				return fmt.Errorf("control API answer: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Deployed %s version %d (%d KiB) %s\n", name, res.Version.Number, (len(art)+1023)/1024, splitText(res.Worker.Split))
			return nil
		},
	}
	controlFlags(cmd, &c)
	cmd.Flags().IntVar(&percent, "percent", 100, "share of clients that get the new version (1-100)")
	cmd.Flags().StringVarP(&message, "message", "m", "", "a note kept with the version")
	return cmd
}

func splitText(split []deploy.Split) string {
	var parts []string
	for _, s := range split {
		parts = append(parts, fmt.Sprintf("v%d %d%%", s.Version, s.Percent))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func versionsCmd() *cobra.Command {
	var c adminClient
	cmd := &cobra.Command{
		Use:   "versions WORKER",
		Short: "List a worker's versions and the traffic each gets",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, _, err := c.do(cmd.Context(), "GET", "/v1/workers/"+url.PathEscape(args[0]), nil, nil, nil)
			if err != nil {
				return err
			}
			var w deploy.Worker
			if err := json.Unmarshal(b, &w); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tTRAFFIC\tCREATED\tBY\tDIGEST\tMESSAGE")
			for i := len(w.Versions) - 1; i >= 0; i-- {
				v := w.Versions[i]
				traffic := "-"
				for _, s := range w.Split {
					if s.Version == v.Number {
						traffic = fmt.Sprintf("%d%%", s.Percent)
					}
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", v.Number, traffic, v.Created.Local().Format(time.DateTime), v.By, v.Digest[:12], v.Message)
			}
			return tw.Flush()
		},
	}
	controlFlags(cmd, &c)
	return cmd
}

// workerChange is a command that changes a worker's split.
func workerChange(use, short, long string, args cobra.PositionalArgs, call func(args []string) (method, path string, body []byte, err error)) *cobra.Command {
	var c adminClient
	cmd := &cobra.Command{
		Use: use, Short: short, Long: long, Args: args,
		RunE: func(cmd *cobra.Command, args []string) error {
			method, path, body, err := call(args)
			if err != nil {
				return err
			}
			b, _, err := c.do(cmd.Context(), method, path, nil, http.Header{"Content-Type": {"application/json"}}, body)
			if err != nil {
				return err
			}
			var res struct {
				Worker *deploy.Worker `json:"worker"`
			}
			json.Unmarshal(b, &res)
			if res.Worker == nil {
				fmt.Fprintf(cmd.OutOrStdout(), "Deleted %s from every PoP\n", args[0])
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s now serves %s\n", args[0], splitText(res.Worker.Split))
			return nil
		},
	}
	controlFlags(cmd, &c)
	return cmd
}

func rollbackCmd() *cobra.Command {
	return workerChange("rollback WORKER [VERSION]", "Serve an earlier version alone (default: the previous one)",
		"Serve VERSION (default: the newest version older than the one serving\nnow) to all clients. This also aborts a gradual rollout.",
		cobra.RangeArgs(1, 2), func(args []string) (string, string, []byte, error) {
			body := []byte("{}")
			if len(args) == 2 {
				n, err := strconv.Atoi(strings.TrimPrefix(args[1], "v"))
				if err != nil || n < 1 {
					return "", "", nil, fmt.Errorf("version %q: want a version number", args[1])
				}
				body = []byte(fmt.Sprintf(`{"version":%d}`, n))
			}
			return "POST", "/v1/workers/" + url.PathEscape(args[0]) + "/rollback", body, nil
		})
}

func promoteCmd() *cobra.Command {
	return workerChange("promote WORKER", "End a gradual rollout: the newest version gets all clients", "",
		cobra.ExactArgs(1), func(args []string) (string, string, []byte, error) {
			return "POST", "/v1/workers/" + url.PathEscape(args[0]) + "/promote", nil, nil
		})
}

func deleteCmd() *cobra.Command {
	return workerChange("delete WORKER", "Remove a worker from every PoP", "",
		cobra.ExactArgs(1), func(args []string) (string, string, []byte, error) {
			return "DELETE", "/v1/workers/" + url.PathEscape(args[0]), nil, nil
		})
}

func popsCmd() *cobra.Command {
	var (
		c      adminClient
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "pops",
		Short: "List the PoPs: location, health, versions served, last heartbeat, request rate",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			b, _, err := c.do(cmd.Context(), "GET", "/v1/pops", nil, nil, nil)
			if err != nil {
				return err
			}
			if asJSON {
				_, err := cmd.OutOrStdout().Write(b)
				return err
			}
			var pops []control.PoP
			if err := json.Unmarshal(b, &pops); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "POP\tHEALTH\tLOCATION\tLAST HEARTBEAT\tREQ/S\tSERVING")
			for _, p := range pops {
				var serving []string
				for name, split := range p.Serving {
					serving = append(serving, name+" "+splitText(split))
				}
				fmt.Fprintf(tw, "%s\t%s\t%.2f,%.2f\t%.1fs ago\t%.1f\t%s\n", p.Name, p.Health, p.Lat, p.Lon, p.Age, p.RPS, strings.Join(serving, "; "))
			}
			return tw.Flush()
		},
	}
	controlFlags(cmd, &c)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func tokenCmd() *cobra.Command {
	var c adminClient
	cmd := &cobra.Command{Use: "token", Short: "Create, list and revoke API tokens (admin scope)"}
	controlFlags(cmd, &c)
	var scopes []string
	create := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a token; its secret is printed once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			body, _ := json.Marshal(map[string]any{"name": args[0], "scopes": scopes})
			b, _, err := c.do(cmd.Context(), "POST", "/v1/tokens", nil, http.Header{"Content-Type": {"application/json"}}, body)
			if err != nil {
				return err
			}
			var res struct{ Token string }
			json.Unmarshal(b, &res)
			fmt.Fprintln(cmd.OutOrStdout(), res.Token)
			return nil
		},
	}
	create.Flags().StringSliceVar(&scopes, "scope", []string{control.ScopeRead}, "scopes: read, deploy, kv, secrets, admin")
	list := &cobra.Command{
		Use: "list", Short: "List tokens", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			b, _, err := c.do(cmd.Context(), "GET", "/v1/tokens", nil, nil, nil)
			if err != nil {
				return err
			}
			var toks []control.Token
			json.Unmarshal(b, &toks)
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tSCOPES\tCREATED")
			for _, t := range toks {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", t.Name, strings.Join(t.Scopes, ","), t.Created.Local().Format(time.DateTime))
			}
			return tw.Flush()
		},
	}
	revoke := &cobra.Command{
		Use: "revoke NAME", Short: "Revoke a token", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, _, err := c.do(cmd.Context(), "DELETE", "/v1/tokens/"+url.PathEscape(args[0]), nil, nil, nil)
			return err
		},
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}
