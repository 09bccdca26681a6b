package cli

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/verge-edge/verge/cluster"
	"github.com/verge-edge/verge/control"
	"github.com/verge-edge/verge/deploy"
	"github.com/verge-edge/verge/kv"
	"github.com/verge-edge/verge/policy/ratelimit"
	"github.com/verge-edge/verge/secrets"
	"github.com/verge-edge/verge/server"
)

// secretFile returns the content of path, creating it with make() first
// when it does not exist (mode 0600).
func secretFile(path string, make func() (string, error)) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	v, err := make()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	return v, os.WriteFile(path, []byte(v+"\n"), 0o600)
}

func newLogger(cmd *cobra.Command, verbose bool) *slog.Logger {
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))
}

func controlCmd() *cobra.Command {
	var (
		data, listen, leafListen string
		tlsCert, tlsKey          string
		verbose                  bool
	)
	cmd := &cobra.Command{
		Use:   "control",
		Short: "Run the control plane: the control API and the NATS hub PoPs link to",
		Long: `Run the hub of a Verge network: the control API (deploys, versions,
KV, tokens, PoPs) and the NATS hub (JetStream domain "hub") that PoPs
(verge pop) link to as leaf nodes.

On first start it writes, under --data: root.token (the API token with
every scope; give it to verge login, then create scoped tokens with verge
token create) and pop.creds (the nkey PoPs present to the hub and the key
that seals secrets; copy it to each PoP, for verge pop --credentials).
Both are 0600.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			log := newLogger(cmd, verbose)
			root, err := secretFile(filepath.Join(data, "root.token"), control.NewSecret)
			if err != nil {
				return fmt.Errorf("root token: %w", err)
			}
			credsPath := filepath.Join(data, "pop.creds")
			if _, err := secretFile(credsPath, newPoPCreds); err != nil {
				return fmt.Errorf("pop credentials: %w", err)
			}
			creds, ring, _, err := readPoPCreds(credsPath)
			if err != nil {
				return err
			}
			pub, err := creds.PublicKey()
			if err != nil {
				return fmt.Errorf("%s: %w", credsPath, err)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			hcfg := cluster.HubConfig{LeafListen: leafListen, StoreDir: filepath.Join(data, "hub"), Users: []string{pub}, Logger: log}
			if tlsCert != "" {
				hcfg.TLS = &cluster.TLSFiles{CertFile: tlsCert, KeyFile: tlsKey}
			}
			hub, err := cluster.StartHub(ctx, hcfg)
			if err != nil {
				return err
			}
			defer hub.Close()
			store, err := deploy.OpenStore(ctx, hub.Conn())
			if err != nil {
				return err
			}
			api := control.New(control.Config{
				Hub:       func(context.Context) (*nats.Conn, error) { return hub.Conn(), nil },
				Deploys:   func(context.Context) (*deploy.Store, error) { return store, nil },
				KV:        kv.NewNamespaces(hub.Conn(), log),
				Secrets:   ring,
				RootToken: root,
				Log:       log,
			})
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return err
			}
			srv := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second}
			go srv.Serve(ln)
			fmt.Fprintf(cmd.OutOrStdout(), "Control API on http://%s\nPoPs link to %s\n", ln.Addr(), hub.LeafURL())
			<-ctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			return srv.Shutdown(sctx)
		},
	}
	f := cmd.Flags()
	f.StringVar(&data, "data", ".verge/control", "folder for the hub's data, root.token and pop.seed")
	f.StringVar(&listen, "listen", "127.0.0.1:7070", "control API address")
	f.StringVar(&leafListen, "leaf-listen", "127.0.0.1:7422", "address PoPs link to")
	f.StringVar(&tlsCert, "tls-cert", "", "PEM certificate for the PoP links (TLS)")
	f.StringVar(&tlsKey, "tls-key", "", "PEM key for --tls-cert")
	f.BoolVarP(&verbose, "verbose", "v", false, "debug logging")
	return cmd
}

func popCmd() *cobra.Command {
	var (
		name, location, hubURL, credsPath, data, configPath, listen, caFile string
		hosts                                                               int
		verbose                                                             bool
	)
	cmd := &cobra.Command{
		Use:   "pop",
		Short: "Run a PoP: an edge server linked to the control plane's hub",
		Long: `Run one point of presence: the edge server (as verge serve) with an
embedded NATS leaf node linked to the hub (verge control). It serves every
deployed worker, reads KV from its local mirrors, and keeps serving its last
deployments, KV and secrets while the hub is away, also after a restart.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			log := newLogger(cmd, verbose).With("pop", name)
			var lat, lon float64
			if location != "" {
				a, b, ok := strings.Cut(location, ",")
				var err1, err2 error
				lat, err1 = strconv.ParseFloat(strings.TrimSpace(a), 64)
				lon, err2 = strconv.ParseFloat(strings.TrimSpace(b), 64)
				if !ok || err1 != nil || err2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
					return fmt.Errorf("--location %q: want LAT,LON in degrees", location)
				}
			}
			creds, ring, shared, err := readPoPCreds(credsPath)
			if err != nil {
				return fmt.Errorf("--credentials: %w", err)
			}
			var cfg *server.NodeConfig
			if configPath != "" {
				if cfg, err = server.LoadNode(configPath); err != nil {
					return err
				}
			} else {
				abs, err := filepath.Abs(data)
				if err != nil {
					return err
				}
				if cfg, err = server.ParseNode([]byte(fmt.Sprintf("[listen]\nhttp = %q\n", listen)), abs, "verge pop"); err != nil {
					return err
				}
			}
			if cfg.Colo == "" || cfg.Colo == "LOC" {
				cfg.Colo = strings.ToUpper(name)
			}
			cfg.Deploy.Dir = filepath.Join(data, "deployments")
			if hosts > 0 {
				cfg.Hosts.Count = hosts
			}
			server.TuneGC(cfg)
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			lcfg := cluster.LeafConfig{Name: name, HubURLs: []string{hubURL}, Credentials: creds, StoreDir: filepath.Join(data, "nats"), Logger: log}
			if caFile != "" {
				lcfg.TLS = &cluster.TLSFiles{CAFile: caFile}
			}
			leaf, err := cluster.StartLeaf(ctx, lcfg)
			if err != nil {
				return err
			}
			defer leaf.Close()
			self, err := os.Executable()
			if err != nil {
				return err
			}
			// Rate limits with scope = "cluster" add up every PoP's counts.
			rl, err := ratelimit.StartSync(ctx, leaf.Conn(), ratelimit.SyncConfig{Secret: shared, Logger: log})
			if err != nil {
				return err
			}
			defer rl.Close()
			srv, err := server.New(cfg, server.Options{HostCommand: []string{self, "isolate-host"}, HostEnv: hostEnv(),
				Log: log, ConfigPath: configPath, Cluster: leaf.Conn(), Secrets: ring, RateLimitSync: rl})
			if err != nil {
				return err
			}
			if err := srv.PublishTail(ctx, leaf.Conn(), name); err != nil {
				return err
			}
			started := time.Now().UTC()
			var last uint64
			lastAt := time.Now()
			go control.ReportHeartbeats(ctx, leaf.Conn(), time.Second, func() control.Heartbeat {
				n, now := srv.Requests(), time.Now()
				rps := float64(n-last) / now.Sub(lastAt).Seconds()
				last, lastAt = n, now
				return control.Heartbeat{Name: name, Lat: lat, Lon: lon, Started: started, Time: now.UTC(), Requests: n, RPS: rps, Serving: srv.Serving()}
			}, log)
			return srv.ListenAndServe(ctx, func(addrs server.Addrs) {
				fmt.Fprintf(cmd.OutOrStdout(), "PoP %s ready on %s\n", name, strings.Join(addrs.Serving(), " "))
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&name, "name", "", "the PoP's name ([A-Za-z0-9_-], also its JetStream domain and default colo)")
	f.StringVar(&location, "location", "", "LAT,LON of the PoP")
	f.StringVar(&hubURL, "hub", "nats-leaf://127.0.0.1:7422", "the hub's leaf URL (verge control prints it)")
	f.StringVar(&credsPath, "credentials", "", "the credentials file from verge control (pop.creds)")
	f.StringVar(&caFile, "tls-ca", "", "CA certificate that signed the hub's TLS certificate")
	f.StringVar(&data, "data", "", "folder for the PoP's mirrors and deployed artifacts (default .verge/pop-NAME)")
	f.StringVarP(&configPath, "config", "c", "", "node.toml (listeners, origins, routes, geo)")
	f.StringVar(&listen, "listen", "127.0.0.1:8080", "HTTP address without --config")
	f.IntVar(&hosts, "hosts", 0, "isolate host processes (default: one per CPU)")
	f.BoolVarP(&verbose, "verbose", "v", false, "debug logging")
	cmd.MarkFlagRequired("name")
	cmd.MarkFlagRequired("credentials")
	cmd.PreRunE = func(cmd *cobra.Command, args []string) error {
		if data == "" {
			data = filepath.Join(".verge", "pop-"+name)
		}
		return nil
	}
	return cmd
}

// hostEnv is the isolate hosts' extra environment.
func hostEnv() []string {
	if os.Getenv("GOMAXPROCS") == "" {
		// A host runs JS on one goroutine at a time (see ARCHITECTURE.md);
		// the node scales with more hosts.
		return []string{"GOMAXPROCS=1"}
	}
	return nil
}

// popCreds is pop.creds: what a PoP needs from the control plane.
type popCreds struct {
	NkeySeed   string `json:"nkey_seed"`
	SecretsKey []byte `json:"secrets_key"` // 32 bytes, base64 in the file
}

func newPoPCreds() (string, error) {
	c, err := cluster.NewCredentials()
	if err != nil {
		return "", err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(popCreds{NkeySeed: c.Seed, SecretsKey: key}, "", "  ")
	return string(b), err
}

// readPoPCreds reads pop.creds. shared is the network's shared key, from
// which the secrets keyring and the rate limiters' key hash are derived.
func readPoPCreds(path string) (creds cluster.Credentials, ring *secrets.Keyring, shared []byte, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return creds, nil, nil, err
	}
	var pc popCreds
	if err := json.Unmarshal(b, &pc); err != nil {
		return creds, nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if ring, err = secrets.NewKeyring(pc.SecretsKey); err != nil {
		return creds, nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	creds = cluster.Credentials{Seed: pc.NkeySeed}
	if _, err := creds.PublicKey(); err != nil {
		return creds, nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return creds, ring, pc.SecretsKey, nil
}
