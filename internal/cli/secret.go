package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// secretCmd is `verge secret`, wrangler's secret commands against a node's
// admin API (server/adminsecrets.go).
func secretCmd() *cobra.Command {
	var c adminClient
	var worker string
	cmd := &cobra.Command{
		Use:   "secret",
		Short: "Set, list and delete a worker's secrets",
		Long: `Set, list and delete a worker's secrets on a running node, through its
admin API. Values are encrypted at rest, given to that worker's env only,
and never shown back. The token comes from --token or VERGE_ADMIN_TOKEN.`,
	}
	cmd.PersistentFlags().StringVar(&c.base, "admin", "http://127.0.0.1:9901", "the node's admin API")
	cmd.PersistentFlags().StringVar(&c.token, "token", os.Getenv("VERGE_ADMIN_TOKEN"), "admin API token")
	cmd.PersistentFlags().StringVar(&worker, "name", "", "the worker (its verge.toml name)")
	cmd.MarkPersistentFlagRequired("name")
	path := func(parts ...string) string {
		p := "/secrets/" + url.PathEscape(worker)
		for _, s := range parts {
			p += "/" + url.PathEscape(s)
		}
		return p
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "put NAME",
		Short: "Set a secret; the value is read from stdin",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f, ok := cmd.InOrStdin().(*os.File); ok {
				if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
					fmt.Fprint(cmd.ErrOrStderr(), "Enter the secret value, then Ctrl-D: ")
				}
			}
			value, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), 64<<10))
			if err != nil {
				return err
			}
			v := strings.TrimRight(string(value), "\r\n")
			if _, _, err := c.do(cmd.Context(), http.MethodPut, path(args[0]), nil, nil, []byte(v)); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Secret %s set for %s\n", args[0], worker)
			return nil
		},
	}, &cobra.Command{
		Use:   "list",
		Short: "List the names of a worker's secrets",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			body, _, err := c.do(cmd.Context(), http.MethodGet, path(), nil, nil, nil)
			if err != nil {
				return err
			}
			var res struct {
				Names []string `json:"names"`
			}
			if err := json.Unmarshal(body, &res); err != nil {
				return err
			}
			for _, n := range res.Names {
				fmt.Fprintln(cmd.OutOrStdout(), n)
			}
			return nil
		},
	}, &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a secret",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, _, err := c.do(cmd.Context(), http.MethodDelete, path(args[0]), nil, nil, nil)
			return err
		},
	})
	return cmd
}
