package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// LeafConfig configures a PoP's embedded server.
type LeafConfig struct {
	// Name is the PoP name, used as server name and JetStream domain.
	Name string
	// HubURLs are the hub's leaf-node URLs (Hub.LeafURL).
	HubURLs []string
	// Credentials authenticate this leaf to the hub.
	Credentials Credentials
	// StoreDir holds the PoP's JetStream data (mirrors); required.
	StoreDir string
	// ClientListen is an optional client listener, "host:port"; "" means
	// in-process clients only.
	ClientListen string
	// Users are public nkeys allowed on ClientListen.
	Users []string
	// TLS: CAFile verifies the hub; required when the hub uses TLS with a
	// private CA.
	TLS *TLSFiles
	// MaxPayload defaults to DefaultMaxPayload; keep it equal to the hub's.
	MaxPayload int32
	// ReconnectInterval between attempts to reach the hub; default 1s.
	ReconnectInterval time.Duration
	// Watchdog restarts the embedded server when the hub link returns.
	Watchdog WatchdogConfig
	// Logger receives the server's log; nil discards it.
	Logger *slog.Logger
}

// WatchdogConfig tunes the mirror watchdog.
//
// Why it exists: a JetStream mirror that lost its source retries its
// consumer with a fixed 10 s health check plus a backoff that grows to
// 2 min per failure, so after a hub outage a PoP's mirrors can stay stale
// for minutes after the link is back. Restarting the leaf's server resets
// that state; its file store survives, so the mirrors resume from their
// last sequence and nothing is refetched.
type WatchdogConfig struct {
	// Disabled turns the watchdog off (mirrors recover on their own timer).
	Disabled bool
	// Interval is how often the hub link is polled; default 100ms.
	Interval time.Duration
}

// lateAfter: a first hub link later than this after a (re)start means the
// leaf started while the hub was away.
const lateAfter = time.Second

var popName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Leaf is a running PoP server linked to the hub.
type Leaf struct {
	cfg  LeafConfig
	opts *server.Options // template, cloned for every (re)start
	log  *slog.Logger
	nc   *nats.Conn

	mu  sync.RWMutex
	srv *server.Server

	restarts atomic.Int64
	links    atomic.Int64 // hub links created since the last (re)start
	// started is when the server last (re)started (UnixNano); lateLink
	// is set when its first hub link came more than lateAfter later: its
	// mirrors were set up without the hub and back off like after an
	// outage.
	started  atomic.Int64
	lateLink atomic.Bool
	authErr  atomic.Pointer[string]

	stop      context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
}

// StartLeaf starts a PoP server. It does not wait for the hub: a PoP must
// come up and serve its mirrors while the hub is away. Use WaitConnected to
// wait for the link.
func StartLeaf(ctx context.Context, cfg LeafConfig) (*Leaf, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !popName.MatchString(cfg.Name) || cfg.Name == HubDomain {
		return nil, fmt.Errorf("cluster: leaf: invalid PoP name %q (want [A-Za-z0-9_-]{1,64}, not %q)", cfg.Name, HubDomain)
	}
	if cfg.StoreDir == "" {
		return nil, errors.New("cluster: leaf: StoreDir is required")
	}
	if len(cfg.HubURLs) == 0 {
		return nil, errors.New("cluster: leaf: HubURLs is required")
	}
	if _, err := cfg.Credentials.PublicKey(); err != nil {
		return nil, fmt.Errorf("cluster: leaf: %w", err)
	}
	if cfg.MaxPayload == 0 {
		cfg.MaxPayload = DefaultMaxPayload
	}
	if cfg.ReconnectInterval == 0 {
		cfg.ReconnectInterval = time.Second
	}
	if cfg.Watchdog.Interval == 0 {
		cfg.Watchdog.Interval = 100 * time.Millisecond
	}
	l := &Leaf{cfg: cfg, log: loggerOrDiscard(cfg.Logger).With("nats", cfg.Name)}

	kp, pub, err := inProcessKey()
	if err != nil {
		return nil, fmt.Errorf("cluster: leaf: %w", err)
	}
	users, err := nkeyUsers(append([]string{pub}, cfg.Users...)...)
	if err != nil {
		return nil, fmt.Errorf("cluster: leaf: %w", err)
	}
	remote := &server.RemoteLeafOpts{Nkey: cfg.Credentials.Seed}
	for _, raw := range cfg.HubURLs {
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("cluster: leaf: hub URL %q: %w", raw, err)
		}
		remote.URLs = append(remote.URLs, u)
		if u.Scheme == "tls" {
			remote.TLS = true
		}
	}
	if cfg.TLS != nil && cfg.TLS.CAFile != "" {
		tc, err := server.GenTLSConfig(&server.TLSConfigOpts{CaFile: cfg.TLS.CAFile, CertFile: cfg.TLS.CertFile, KeyFile: cfg.TLS.KeyFile})
		if err != nil {
			return nil, fmt.Errorf("cluster: leaf tls: %w", err)
		}
		// GenTLSConfig loads the CA for a server verifying its clients;
		// this side is the client and verifies the hub with it.
		tc.RootCAs, tc.ClientCAs = tc.ClientCAs, nil
		remote.TLS, remote.TLSConfig = true, tc
	}
	l.opts = &server.Options{
		ServerName:      cfg.Name,
		JetStream:       true,
		JetStreamDomain: cfg.Name,
		StoreDir:        cfg.StoreDir,
		MaxPayload:      cfg.MaxPayload,
		Nkeys:           users,
		NoSigs:          true,
		LeafNode: server.LeafNodeOpts{
			Remotes:           []*server.RemoteLeafOpts{remote},
			ReconnectInterval: cfg.ReconnectInterval,
		},
	}
	if cfg.ClientListen == "" {
		l.opts.DontListen = true
	} else if l.opts.Host, l.opts.Port, err = parseListen(cfg.ClientListen); err != nil {
		return nil, fmt.Errorf("cluster: leaf client listener: %w", err)
	}

	l.started.Store(time.Now().UnixNano())
	srv, err := startServer(l.opts.Clone(), l.serverLogger())
	if err != nil {
		return nil, fmt.Errorf("cluster: leaf: %w", err)
	}
	// Pin a random client port so a watchdog restart keeps the same address.
	if a, ok := srv.Addr().(*net.TCPAddr); ok && a != nil {
		l.opts.Port = a.Port
	}
	l.srv = srv
	if l.nc, err = connect("verge-leaf-"+cfg.Name, leafProvider{l}, kp, l.log); err != nil {
		l.shutdownServer()
		return nil, fmt.Errorf("cluster: leaf: %w", err)
	}
	wctx, cancel := context.WithCancel(context.Background())
	l.stop, l.done = cancel, make(chan struct{})
	if cfg.Watchdog.Disabled {
		close(l.done)
	} else {
		go l.watchdog(wctx)
	}
	l.log.Info("leaf started", "hub", cfg.HubURLs, "watchdog", !cfg.Watchdog.Disabled)
	return l, nil
}

// leafProvider hands nats.go the current server's in-process connection, so
// Leaf.Conn reconnects by itself across watchdog restarts.
type leafProvider struct{ l *Leaf }

func (p leafProvider) InProcessConn() (net.Conn, error) { return p.l.server().InProcessConn() }

func (l *Leaf) server() *server.Server {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.srv
}

// serverLogger bridges the server log and watches it for two events the
// embedded server reports only by logging: authorization failures on the
// hub link, and creation of a hub link (the watchdog's trigger; polling
// NumLeafNodes misses a drop-and-return between polls, and connect events
// need a system account).
func (l *Leaf) serverLogger() *slog.Logger {
	return slog.New(&authSpy{Handler: l.log.Handler(), l: l})
}

type authSpy struct {
	slog.Handler
	l *Leaf
}

func (a *authSpy) Enabled(ctx context.Context, lv slog.Level) bool {
	return lv >= slog.LevelInfo || a.Handler.Enabled(ctx, lv)
}

func (a *authSpy) Handle(ctx context.Context, r slog.Record) error {
	switch {
	case r.Level >= slog.LevelError && strings.Contains(strings.ToLower(r.Message), "authorization violation"):
		msg := r.Message
		a.l.authErr.Store(&msg)
	case r.Level == slog.LevelInfo && strings.Contains(r.Message, "Leafnode connection created"):
		if a.l.links.Add(1) == 1 && time.Since(time.Unix(0, a.l.started.Load())) > lateAfter {
			a.l.lateLink.Store(true)
		}
	}
	if !a.Handler.Enabled(ctx, r.Level) {
		return nil
	}
	return a.Handler.Handle(ctx, r)
}

func (a *authSpy) WithAttrs(as []slog.Attr) slog.Handler {
	return &authSpy{Handler: a.Handler.WithAttrs(as), l: a.l}
}

func (a *authSpy) WithGroup(g string) slog.Handler {
	return &authSpy{Handler: a.Handler.WithGroup(g), l: a.l}
}

// Name returns the PoP name (also its JetStream domain).
func (l *Leaf) Name() string { return l.cfg.Name }

// Conn returns the leaf's in-process connection. It reconnects on its own
// after watchdog restarts; it is owned by the Leaf: do not close it.
func (l *Leaf) Conn() *nats.Conn { return l.nc }

// Server returns the current embedded server (it changes on restarts).
func (l *Leaf) Server() *server.Server { return l.server() }

// Connected reports whether the link to the hub is up.
func (l *Leaf) Connected() bool { return l.server().NumLeafNodes() > 0 }

// Restarts counts watchdog restarts of the embedded server.
func (l *Leaf) Restarts() int { return int(l.restarts.Load()) }

// WaitConnected blocks until the hub link is up. If the hub refused the
// credentials, the error wraps ErrUnauthorized.
func (l *Leaf) WaitConnected(ctx context.Context) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		if l.Connected() {
			return nil
		}
		select {
		case <-ctx.Done():
			if msg := l.authErr.Load(); msg != nil {
				return fmt.Errorf("%w: %s", ErrUnauthorized, *msg)
			}
			return fmt.Errorf("cluster: leaf %s: hub link not up: %w", l.cfg.Name, ctx.Err())
		case <-t.C:
		}
	}
}

// watchdog restarts the server when the hub link has been re-established
// since the last (re)start. It counts link creations (from the server's
// log, see linkSpy) instead of polling NumLeafNodes for down/up
// transitions, because a link that drops and returns between two polls
// would otherwise go unnoticed and leave the mirrors stale.
func (l *Leaf) watchdog(ctx context.Context) {
	defer close(l.done)
	t := time.NewTicker(l.cfg.Watchdog.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if (l.links.Load() < 2 && !l.lateLink.Load()) || !l.Connected() {
			continue
		}
		l.log.Info("hub link (re-)established after running without it; restarting leaf server so mirrors resume now")
		if err := l.restart(ctx); err != nil {
			l.log.Error("leaf restart failed; will retry", "err", err)
		}
	}
}

// restart replaces the embedded server with a fresh one on the same options.
func (l *Leaf) restart(ctx context.Context) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	start := time.Now()
	l.shutdownServer()
	l.links.Store(0)
	l.lateLink.Store(false)
	l.started.Store(time.Now().UnixNano())
	srv, err := startServer(l.opts.Clone(), l.serverLogger())
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.srv = srv
	l.mu.Unlock()
	l.restarts.Add(1)
	l.log.Info("leaf server restarted", "took", time.Since(start).Round(time.Millisecond))
	return nil
}

func (l *Leaf) shutdownServer() {
	s := l.server()
	s.Shutdown()
	s.WaitForShutdown()
}

// Close stops the watchdog, the connection and the server.
func (l *Leaf) Close() error {
	l.closeOnce.Do(func() {
		l.stop()
		<-l.done
		l.nc.Close()
		l.shutdownServer()
		l.log.Info("leaf stopped")
	})
	return nil
}
