package cluster

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// HubDomain is the JetStream domain of the hub. Leaves use their PoP name.
const HubDomain = "hub"

// DefaultMaxPayload is the max_payload of every server this package starts.
// Workers KV values may be 25 MiB; NATS defaults to 1 MiB. Raising the limit
// keeps a KV value one JetStream message (atomic replace, one mirror, per-message
// TTL) instead of chunks in an Object Store. 32 MiB leaves room for headers
// and stays under the server's 64 MiB hard cap.
const DefaultMaxPayload = 32 << 20

// readyTimeout bounds how long a freshly started server may take to accept
// connections (JetStream recovery included).
const readyTimeout = 30 * time.Second

// ErrUnauthorized is returned by StartLeaf when the hub refuses the leaf's
// credentials.
var ErrUnauthorized = errors.New("cluster: hub refused leaf credentials")

// Credentials authenticate a client or a leaf node: an nkey user seed.
// The seed is a secret; the hub only needs [Credentials.PublicKey].
type Credentials struct {
	Seed string
}

// NewCredentials generates a fresh nkey user seed.
func NewCredentials() (Credentials, error) {
	kp, err := nkeys.CreateUser()
	if err != nil {
		return Credentials{}, fmt.Errorf("cluster: create nkey: %w", err)
	}
	seed, err := kp.Seed()
	if err != nil {
		return Credentials{}, fmt.Errorf("cluster: nkey seed: %w", err)
	}
	return Credentials{Seed: string(seed)}, nil
}

// PublicKey returns the public nkey ("U...") to list in HubConfig.Users.
func (c Credentials) PublicKey() (string, error) {
	kp, err := nkeys.FromSeed([]byte(c.Seed))
	if err != nil {
		return "", fmt.Errorf("cluster: invalid nkey seed: %w", err)
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return "", fmt.Errorf("cluster: nkey public key: %w", err)
	}
	return pub, nil
}

// NATSOption returns the nats.go option that authenticates with these
// credentials (for clients dialling Hub.ClientURL).
func (c Credentials) NATSOption() (nats.Option, error) {
	kp, err := nkeys.FromSeed([]byte(c.Seed))
	if err != nil {
		return nil, fmt.Errorf("cluster: invalid nkey seed: %w", err)
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("cluster: nkey public key: %w", err)
	}
	return nats.Nkey(pub, kp.Sign), nil
}

// TLSFiles names PEM files. A hub uses CertFile/KeyFile for its client and
// leaf listeners; a leaf uses CAFile to verify the hub.
type TLSFiles struct {
	CertFile string
	KeyFile  string
	CAFile   string
}

// parseListen turns "host:port" into server options; port 0 means a random
// port (nats-server's -1), "" means no listener.
func parseListen(addr string) (host string, port int, err error) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("listen address %q: %w", addr, err)
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < -1 || n > 65535 {
		return "", 0, fmt.Errorf("listen address %q: bad port", addr)
	}
	if n == 0 {
		n = server.RANDOM_PORT
	}
	return h, n, nil
}

// startServer creates, starts and waits for a server; on failure nothing
// keeps running.
func startServer(opts *server.Options, l *slog.Logger) (*server.Server, error) {
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("new server: %w", err)
	}
	attachLogger(s, l)
	s.Start()
	if !s.ReadyForConnections(readyTimeout) {
		s.Shutdown()
		s.WaitForShutdown()
		return nil, fmt.Errorf("server %s not ready after %s", opts.ServerName, readyTimeout)
	}
	return s, nil
}

// inProcessKey creates the private identity a server's own in-process
// connection uses, so the server can require auth for everyone else.
func inProcessKey() (nkeys.KeyPair, string, error) {
	kp, err := nkeys.CreateUser()
	if err != nil {
		return nil, "", fmt.Errorf("create in-process nkey: %w", err)
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return nil, "", fmt.Errorf("in-process nkey: %w", err)
	}
	return kp, pub, nil
}

func nkeyUsers(pubs ...string) ([]*server.NkeyUser, error) {
	users := make([]*server.NkeyUser, 0, len(pubs))
	for _, p := range pubs {
		if !nkeys.IsValidPublicUserKey(p) {
			return nil, fmt.Errorf("invalid public user nkey %q", p)
		}
		users = append(users, &server.NkeyUser{Nkey: p})
	}
	return users, nil
}

// connect opens an in-process connection that survives server restarts:
// nats.go asks the provider for a new net.Conn on every reconnect.
func connect(name string, p nats.InProcessConnProvider, kp nkeys.KeyPair, log *slog.Logger) (*nats.Conn, error) {
	pub, err := kp.PublicKey()
	if err != nil {
		return nil, err
	}
	nc, err := nats.Connect("",
		nats.Name(name),
		nats.InProcessServer(p),
		nats.Nkey(pub, kp.Sign),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(20*time.Millisecond),
		nats.ReconnectJitter(0, 0),
		// nats.go prints async errors to stderr by default.
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			if sub != nil {
				log.Warn("nats async error", "subject", sub.Subject, "err", err)
				return
			}
			log.Debug("nats async error", "err", err)
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("in-process connect: %w", err)
	}
	return nc, nil
}
