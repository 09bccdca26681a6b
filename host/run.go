package host

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"
)

// ListenerFD is the file descriptor on which a host process finds its
// listening socket. The front creates the socket and passes it down, so it
// outlives host restarts (connections queue in its backlog while a new host
// starts) and a host that dropped privileges needs no access to its path.
const ListenerFD = 3

// Limits are OS resource limits a host applies to itself at start, as
// defence in depth under the per-VM limits.
type Limits struct {
	// OpenFiles caps file descriptors (RLIMIT_NOFILE); 0 keeps the default.
	OpenFiles uint64
	// AddressSpace caps virtual memory in bytes (RLIMIT_AS); 0: no cap. A
	// host past it fails allocations and dies; the supervisor restarts it.
	AddressSpace uint64
}

// Run is the isolate host process: it applies limits, serves the listener
// inherited on ListenerFD, and returns when ctx ends.
func Run(ctx context.Context, opts Options, lim Limits) error {
	if err := applyLimits(lim); err != nil {
		return err
	}
	f := os.NewFile(ListenerFD, "listener")
	if f == nil {
		return errors.New("host: no listener on fd 3")
	}
	ln, err := net.FileListener(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("host: listener on fd %d: %w", ListenerFD, err)
	}
	if opts.Services == nil {
		if opts.Services, err = servicesClient(); err != nil {
			ln.Close()
			return err
		}
	}
	return Serve(ctx, ln, opts)
}

// Serve runs a host on ln until ctx ends.
func Serve(ctx context.Context, ln net.Listener, opts Options) error {
	s, err := NewServer(opts)
	if err != nil {
		ln.Close()
		return err
	}
	defer s.Close()
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("host: serve: %w", err)
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		return nil
	}
}

func applyLimits(lim Limits) error {
	set := func(name string, res int, v uint64) error {
		if err := syscall.Setrlimit(res, &syscall.Rlimit{Cur: v, Max: v}); err != nil {
			return fmt.Errorf("host: setrlimit %s=%d: %w", name, v, err)
		}
		return nil
	}
	// No core dumps: a host's memory holds other tenants' data.
	if err := set("core", syscall.RLIMIT_CORE, 0); err != nil {
		return err
	}
	if lim.OpenFiles > 0 {
		if err := set("nofile", syscall.RLIMIT_NOFILE, lim.OpenFiles); err != nil {
			return err
		}
	}
	if lim.AddressSpace > 0 {
		if err := set("as", syscall.RLIMIT_AS, lim.AddressSpace); err != nil {
			return err
		}
	}
	return nil
}
