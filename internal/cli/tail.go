package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

// tailCmd is `verge tail WORKER`: live requests, console lines and
// exceptions from a node's admin API.
func tailCmd() *cobra.Command {
	var (
		c        adminClient
		format   string
		status   string
		method   string
		search   string
		sampling float64
	)
	cmd := &cobra.Command{
		Use:   "tail [WORKER]",
		Short: "Stream a worker's requests, console output and exceptions",
		Long: `Stream live events from a running node through its admin API: every
request (time, PoP, method, URL, status, ms, outcome), every console.*
line and every uncaught exception. Without WORKER, all workers.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "pretty" && format != "json" {
				return fmt.Errorf("--format: %q is not pretty or json", format)
			}
			q := url.Values{}
			if len(args) == 1 {
				q.Set("worker", args[0])
			}
			for k, v := range map[string]string{"status": status, "method": method, "search": search} {
				if v != "" {
					q.Set(k, v)
				}
			}
			if sampling != 1 {
				q.Set("sampling", strconv.FormatFloat(sampling, 'g', -1, 64))
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(c.base, "/")+"/tail?"+q.Encode(), nil)
			if err != nil {
				return err
			}
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return fmt.Errorf("admin API: %w", err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
				return fmt.Errorf("admin API: %s %s", resp.Status, strings.TrimSpace(string(b)))
			}
			fmt.Fprintln(cmd.ErrOrStderr(), "Connected; waiting for events (Ctrl-C to stop)")
			return printEvents(ctx, resp.Body, cmd.OutOrStdout(), format == "json")
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.base, "admin", "http://127.0.0.1:9901", "the node's admin API")
	f.StringVar(&c.token, "token", os.Getenv("VERGE_ADMIN_TOKEN"), "admin API token")
	f.StringVar(&format, "format", "pretty", "pretty or json")
	f.StringVar(&status, "status", "", "ok, error, or a status code")
	f.StringVar(&method, "method", "", "only requests with this method")
	f.StringVar(&search, "search", "", "only events whose URL or message contains this")
	f.Float64Var(&sampling, "sampling", 1, "fraction of requests to show, in (0, 1]")
	return cmd
}

// tailEvent is what the node streams (server/tail.go, package tail).
type tailEvent struct {
	Time    time.Time `json:"time"`
	Colo    string    `json:"colo"`
	Worker  string    `json:"worker"`
	Kind    string    `json:"kind"`
	Method  string    `json:"method"`
	URL     string    `json:"url"`
	Status  int       `json:"status"`
	Ms      float64   `json:"ms"`
	Outcome string    `json:"outcome"`
	Level   string    `json:"level"`
	Message string    `json:"message"`
}

func printEvents(ctx context.Context, r io.Reader, w io.Writer, raw bool) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(strings.TrimSpace(string(line))) == 0 {
			continue // keep-alive
		}
		if raw {
			fmt.Fprintf(w, "%s\n", line)
			continue
		}
		var e tailEvent
		if err := json.Unmarshal(line, &e); err != nil {
			continue
		}
		ts := e.Time.Local().Format("15:04:05.000")
		switch e.Kind {
		case "request":
			fmt.Fprintf(w, "%s %s %s %s %s %d %.1fms %s\n", ts, e.Colo, e.Worker, e.Method, e.URL, e.Status, e.Ms, e.Outcome)
		case "console":
			fmt.Fprintf(w, "%s %s %s  (%s) %s\n", ts, e.Colo, e.Worker, e.Level, e.Message)
		default:
			fmt.Fprintf(w, "%s %s %s  ✘ %s\n", ts, e.Colo, e.Worker, e.Message)
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	return sc.Err()
}
