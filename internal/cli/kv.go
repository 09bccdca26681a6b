package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// kvCmd is `verge kv`, wrangler's `kv key` and `kv bulk` commands against
// a node's admin API (server/adminkv.go).
func kvCmd() *cobra.Command {
	var c adminClient
	cmd := &cobra.Command{
		Use:   "kv",
		Short: "Read and write Workers KV on a node",
		Long: `Read and write Workers KV on a running node, through its admin API
([admin] listen in node.toml). The token comes from --token or
VERGE_ADMIN_TOKEN.`,
	}
	cmd.PersistentFlags().StringVar(&c.base, "admin", "http://127.0.0.1:9901", "the node's admin API")
	cmd.PersistentFlags().StringVar(&c.token, "token", os.Getenv("VERGE_ADMIN_TOKEN"), "admin API token")
	cmd.PersistentFlags().StringVar(&c.ns, "namespace-id", "", "the KV namespace id (as in kv_namespaces)")

	key := &cobra.Command{Use: "key", Short: "Get, put, list and delete keys"}
	var ttl, expiration int64
	var metadata string
	put := &cobra.Command{
		Use:   "put KEY [VALUE]",
		Short: "Write a value (from VALUE, or stdin when left out)",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var value []byte
			if len(args) == 2 {
				value = []byte(args[1])
			} else {
				var err error
				if value, err = io.ReadAll(cmd.InOrStdin()); err != nil {
					return err
				}
			}
			q := url.Values{}
			if ttl > 0 {
				q.Set("expiration_ttl", strconv.FormatInt(ttl, 10))
			}
			if expiration > 0 {
				q.Set("expiration", strconv.FormatInt(expiration, 10))
			}
			hdr := http.Header{}
			if metadata != "" {
				hdr.Set("Verge-Kv-Metadata", metadata)
			}
			_, _, err := c.do(cmd.Context(), http.MethodPut, c.valuePath(args[0]), q, hdr, value)
			return err
		},
	}
	put.Flags().Int64Var(&ttl, "ttl", 0, "expire after this many seconds (at least 60)")
	put.Flags().Int64Var(&expiration, "expiration", 0, "expire at this unix time")
	put.Flags().StringVar(&metadata, "metadata", "", "JSON metadata (at most 1024 bytes)")
	get := &cobra.Command{
		Use:   "get KEY",
		Short: "Print a value",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			body, _, err := c.do(cmd.Context(), http.MethodGet, c.valuePath(args[0]), nil, nil, nil)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(body)
			return err
		},
	}
	var prefix string
	list := &cobra.Command{
		Use:   "list",
		Short: "List keys as JSON, all pages",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var all []json.RawMessage
			cursor := ""
			for {
				q := url.Values{"prefix": {prefix}}
				if cursor != "" {
					q.Set("cursor", cursor)
				}
				body, _, err := c.do(cmd.Context(), http.MethodGet, "/kv/namespaces/"+url.PathEscape(c.ns)+"/keys", q, nil, nil)
				if err != nil {
					return err
				}
				var page struct {
					Keys         []json.RawMessage `json:"keys"`
					ListComplete bool              `json:"list_complete"`
					Cursor       string            `json:"cursor"`
				}
				if err := json.Unmarshal(body, &page); err != nil {
					return fmt.Errorf("list: %w", err)
				}
				all = append(all, page.Keys...)
				if page.ListComplete || page.Cursor == "" {
					break
				}
				cursor = page.Cursor
			}
			if all == nil {
				all = []json.RawMessage{}
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(all)
		},
	}
	list.Flags().StringVar(&prefix, "prefix", "", "only keys that start with this")
	del := &cobra.Command{
		Use:   "delete KEY",
		Short: "Delete a key",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, _, err := c.do(cmd.Context(), http.MethodDelete, c.valuePath(args[0]), nil, nil, nil)
			return err
		},
	}
	key.AddCommand(put, get, list, del)

	bulk := &cobra.Command{Use: "bulk", Short: "Write many keys at once"}
	bulk.AddCommand(&cobra.Command{
		Use:   "put FILE",
		Short: `Write the keys of a JSON file: [{"key", "value", "base64", "expiration", "expiration_ttl", "metadata"}]`,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			body, _, err := c.do(cmd.Context(), http.MethodPut, "/kv/namespaces/"+url.PathEscape(c.ns)+"/bulk", nil, nil, data)
			if err != nil {
				return err
			}
			var res struct {
				Written int `json:"written"`
			}
			json.Unmarshal(body, &res)
			fmt.Fprintf(cmd.OutOrStdout(), "Wrote %d keys\n", res.Written)
			return nil
		},
	})
	needNS := func(cmd *cobra.Command, args []string) error {
		if c.ns == "" {
			return errors.New(`required flag "namespace-id" not set`)
		}
		return nil
	}
	key.PersistentPreRunE, bulk.PersistentPreRunE = needNS, needNS

	ns := &cobra.Command{Use: "namespace", Short: "Create and list namespaces"}
	ns.AddCommand(&cobra.Command{
		Use:   "create NAME",
		Short: "Create a namespace (its id is NAME, for [[kv_namespaces]] id)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			body, _ := json.Marshal(map[string]string{"name": args[0]})
			if _, _, err := c.do(cmd.Context(), http.MethodPost, "/v1/kv/namespaces", nil, http.Header{"Content-Type": {"application/json"}}, body); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Created namespace %s\nAdd it to verge.toml:\n\n[[kv_namespaces]]\nbinding = \"%s\"\nid = \"%s\"\n", args[0], strings.ToUpper(strings.ReplaceAll(args[0], "-", "_")), args[0])
			return nil
		},
	}, &cobra.Command{
		Use:   "list",
		Short: "List namespaces",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			body, _, err := c.do(cmd.Context(), http.MethodGet, "/v1/kv/namespaces", nil, nil, nil)
			if err != nil {
				return err
			}
			var list []string
			if err := json.Unmarshal(body, &list); err != nil {
				return err
			}
			for _, n := range list {
				fmt.Fprintln(cmd.OutOrStdout(), n)
			}
			return nil
		},
	})
	cmd.AddCommand(key, bulk, ns)
	return cmd
}

// adminClient calls a node's admin API.
type adminClient struct {
	base, token, ns string
	// progress, when set, is told how much of a large body went out.
	progress func(sent, total int64)
}

func (c *adminClient) valuePath(key string) string {
	return "/kv/namespaces/" + url.PathEscape(c.ns) + "/values/" + url.PathEscape(key)
}

// do sends a request and returns the body of a 2xx answer; others become
// errors carrying the node's message.
func (c *adminClient) do(ctx context.Context, method, path string, q url.Values, hdr http.Header, body []byte) ([]byte, http.Header, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	u := strings.TrimSuffix(c.base, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var r io.Reader = bytes.NewReader(body)
	if c.progress != nil && len(body) > 1<<20 {
		r = &progressReader{r: r, total: int64(len(body)), report: c.progress}
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		return nil, nil, err
	}
	req.ContentLength = int64(len(body))
	for k, v := range hdr {
		req.Header[k] = v
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("admin API: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("admin API: %w", err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			return nil, nil, errors.New(e.Error)
		}
		return nil, nil, fmt.Errorf("admin API: %s", resp.Status)
	}
	return b, resp.Header, nil
}

// progressReader reports how much of a body was read.
type progressReader struct {
	r      io.Reader
	sent   int64
	total  int64
	report func(sent, total int64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.sent += int64(n)
	p.report(p.sent, p.total)
	return n, err
}
