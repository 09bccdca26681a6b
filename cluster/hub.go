package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// HubConfig configures the hub's embedded server.
type HubConfig struct {
	// Name is the server name; default "hub".
	Name string
	// ClientListen is the client listener, "host:port" (port 0 = random);
	// "" disables it (in-process clients only).
	ClientListen string
	// LeafListen is the leaf-node listener, "host:port" (port 0 = random);
	// "" disables it.
	LeafListen string
	// StoreDir holds JetStream data; required.
	StoreDir string
	// Users are the public nkeys (Credentials.PublicKey) allowed to connect,
	// as clients or as leaf nodes. With none, only Hub.Conn can connect.
	Users []string
	// TLS, when set, is required on the client and leaf listeners.
	TLS *TLSFiles
	// MaxPayload defaults to DefaultMaxPayload.
	MaxPayload int32
	// Logger receives the server's log; nil discards it.
	Logger *slog.Logger
}

// Hub is the running hub server.
type Hub struct {
	srv  *server.Server
	nc   *nats.Conn
	log  *slog.Logger
	once sync.Once
}

// StartHub starts the hub and returns once it accepts connections.
func StartHub(ctx context.Context, cfg HubConfig) (*Hub, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if cfg.StoreDir == "" {
		return nil, errors.New("cluster: hub: StoreDir is required")
	}
	if cfg.Name == "" {
		cfg.Name = "hub"
	}
	if cfg.MaxPayload == 0 {
		cfg.MaxPayload = DefaultMaxPayload
	}
	log := loggerOrDiscard(cfg.Logger).With("nats", cfg.Name)

	kp, pub, err := inProcessKey()
	if err != nil {
		return nil, fmt.Errorf("cluster: hub: %w", err)
	}
	users, err := nkeyUsers(append([]string{pub}, cfg.Users...)...)
	if err != nil {
		return nil, fmt.Errorf("cluster: hub: %w", err)
	}
	opts := &server.Options{
		ServerName:      cfg.Name,
		JetStream:       true,
		JetStreamDomain: HubDomain,
		StoreDir:        cfg.StoreDir,
		MaxPayload:      cfg.MaxPayload,
		Nkeys:           users,
		NoSigs:          true,
	}
	if cfg.ClientListen == "" {
		opts.DontListen = true
	} else if opts.Host, opts.Port, err = parseListen(cfg.ClientListen); err != nil {
		return nil, fmt.Errorf("cluster: hub client listener: %w", err)
	}
	if cfg.LeafListen != "" {
		if opts.LeafNode.Host, opts.LeafNode.Port, err = parseListen(cfg.LeafListen); err != nil {
			return nil, fmt.Errorf("cluster: hub leaf listener: %w", err)
		}
	}
	if cfg.TLS != nil {
		tc, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: cfg.TLS.CertFile, KeyFile: cfg.TLS.KeyFile})
		if err != nil {
			return nil, fmt.Errorf("cluster: hub tls: %w", err)
		}
		if !opts.DontListen {
			opts.TLS, opts.TLSConfig = true, tc
		}
		opts.LeafNode.TLSConfig = tc.Clone()
	}

	srv, err := startServer(opts, log)
	if err != nil {
		return nil, fmt.Errorf("cluster: hub: %w", err)
	}
	h := &Hub{srv: srv, log: log}
	if h.nc, err = connect("verge-hub", srv, kp, log); err != nil {
		h.shutdown()
		return nil, fmt.Errorf("cluster: hub: %w", err)
	}
	log.Info("hub started", "client_url", h.ClientURL(), "leaf_url", h.LeafURL())
	return h, nil
}

// ClientURL returns the client listener's URL, or "" when there is none.
func (h *Hub) ClientURL() string {
	if h.srv.Addr() == nil {
		return ""
	}
	return h.srv.ClientURL()
}

// LeafURL returns the URL leaf nodes dial ("nats-leaf://host:port" or
// "tls://host:port"), or "" when there is no leaf listener.
func (h *Hub) LeafURL() string {
	v, err := h.srv.Varz(nil)
	if err != nil || v.LeafNode.Port == 0 {
		return ""
	}
	host := v.LeafNode.Host
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	scheme := "nats-leaf"
	if v.LeafNode.TLSRequired {
		scheme = "tls"
	}
	return scheme + "://" + net.JoinHostPort(host, strconv.Itoa(v.LeafNode.Port))
}

// Conn returns the hub's in-process connection (no network hop). It is
// owned by the Hub: do not close it.
func (h *Hub) Conn() *nats.Conn { return h.nc }

// Server exposes the embedded server for monitoring (Varz, Leafz, Jsz).
func (h *Hub) Server() *server.Server { return h.srv }

// Close drains nothing: it closes the in-process connection and shuts the
// server down, waiting until all its goroutines have exited.
func (h *Hub) Close() error {
	h.once.Do(h.shutdown)
	return nil
}

func (h *Hub) shutdown() {
	if h.nc != nil {
		h.nc.Close()
	}
	h.srv.Shutdown()
	h.srv.WaitForShutdown()
	h.log.Info("hub stopped")
}
