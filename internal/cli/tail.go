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
// exceptions from a node's admin API, or from every PoP through the
// control API.
func tailCmd() *cobra.Command {
	var (
		c          adminClient
		controlURL string
		format     string
		status     string
		method     string
		search     string
		sampling   float64
	)
	cmd := &cobra.Command{
		Use:   "tail [WORKER]",
		Short: "Stream a worker's requests, console output and exceptions",
		Long: `Stream live events: every request (time, PoP, method, URL, status, ms,
outcome), every console.* line and every uncaught exception. Without
WORKER, all workers.

With --control (default: VERGE_CONTROL), the events come from every PoP of
the network through the control API (verge control), authenticated with
--token (default: VERGE_TOKEN, else the one from verge login), and name the
PoP they come from. Otherwise they come from one node's admin API
(--admin), with --token defaulting to VERGE_ADMIN_TOKEN.`,
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
			// Through the control API (every PoP), or one node's admin API.
			api, path := "admin API", "/tail"
			if cmd.Flags().Changed("admin") && cmd.Flags().Changed("control") {
				return fmt.Errorf("give --admin (one node) or --control (every PoP), not both")
			}
			if controlURL != "" && !cmd.Flags().Changed("admin") {
				api, path, c.base = "control API", "/v1/tail", controlURL
				if !cmd.Flags().Changed("token") {
					c.token = cmp(os.Getenv("VERGE_TOKEN"), readLogin().Token)
				}
			} else if !cmd.Flags().Changed("token") {
				c.token = os.Getenv("VERGE_ADMIN_TOKEN")
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(c.base, "/")+path+"?"+q.Encode(), nil)
			if err != nil {
				return err
			}
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return fmt.Errorf("%s: %w", api, err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
				return fmt.Errorf("%s: %s %s", api, resp.Status, strings.TrimSpace(string(b)))
			}
			fmt.Fprintln(cmd.ErrOrStderr(), "Connected; waiting for events (Ctrl-C to stop)")
			return printEvents(ctx, resp.Body, cmd.OutOrStdout(), cmd.ErrOrStderr(), format == "json")
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.base, "admin", "http://127.0.0.1:9901", "the node's admin API (one node)")
	f.StringVar(&controlURL, "control", os.Getenv("VERGE_CONTROL"), "the control API, to tail every PoP (default: VERGE_CONTROL)")
	f.StringVar(&c.token, "token", "", "API token (default: VERGE_TOKEN or verge login's with --control, else VERGE_ADMIN_TOKEN)")
	f.StringVar(&format, "format", "pretty", "pretty or json")
	f.StringVar(&status, "status", "", "ok, error, or a status code")
	f.StringVar(&method, "method", "", "only requests with this method")
	f.StringVar(&search, "search", "", "only events whose URL or message contains this")
	f.Float64Var(&sampling, "sampling", 1, "fraction of requests to show, in (0, 1]")
	return cmd
}

// tailEvent is what the node and the control API stream (package tail).
type tailEvent struct {
	Time    time.Time `json:"time"`
	Colo    string    `json:"colo"`
	PoP     string    `json:"pop"`
	Worker  string    `json:"worker"`
	Kind    string    `json:"kind"`
	Method  string    `json:"method"`
	URL     string    `json:"url"`
	Status  int       `json:"status"`
	Ms      float64   `json:"ms"`
	Outcome string    `json:"outcome"`
	Level   string    `json:"level"`
	Message string    `json:"message"`
	Dropped int64     `json:"dropped"`
}

// printEvents copies the stream r to w, as JSON lines (raw) or one line an
// event; in pretty mode the stream's notices (a PoP attached, events
// dropped) go to errW, so that w holds only events.
func printEvents(ctx context.Context, r io.Reader, w, errW io.Writer, raw bool) error {
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
		where := cmp(e.PoP, e.Colo) // through the control API, the PoP's name
		switch e.Kind {
		case "request":
			fmt.Fprintf(w, "%s %s %s %s %s %d %.1fms %s\n", ts, where, e.Worker, e.Method, e.URL, e.Status, e.Ms, e.Outcome)
		case "console":
			fmt.Fprintf(w, "%s %s %s  (%s) %s\n", ts, where, e.Worker, e.Level, e.Message)
		case "attached":
			fmt.Fprintf(errW, "PoP %s attached\n", e.PoP)
		case "dropped":
			fmt.Fprintf(errW, "%s ⚠ %s\n", ts, cmp(e.Message, fmt.Sprintf("%d events dropped", e.Dropped)))
		default:
			fmt.Fprintf(w, "%s %s %s  ✘ %s\n", ts, where, e.Worker, e.Message)
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	return sc.Err()
}
