package hostpool

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"syscall"

	"golang.org/x/net/http2"
)

// servicesPair makes the connection over which a host calls the front's
// services (the cache behind the Cache API, and later KV and the rate
// limiter): one end of a socket pair, passed as host.ServicesFD, carrying
// HTTP/2 without TLS so concurrent calls share it. A pair, not a socket
// path, so a host that dropped privileges needs no file access, and each
// host's calls arrive on a connection of its own.
func servicesPair(h http.Handler) (child *os.File, err error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("hostpool: services socket pair: %w", err)
	}
	front := os.NewFile(uintptr(fds[0]), "services-front")
	child = os.NewFile(uintptr(fds[1]), "services-host")
	conn, err := net.FileConn(front)
	front.Close()
	if err != nil {
		child.Close()
		return nil, fmt.Errorf("hostpool: services connection: %w", err)
	}
	// ServeConn returns when the host closes its end (exits).
	go (&http2.Server{}).ServeConn(conn, &http2.ServeConnOpts{Handler: h})
	return child, nil
}
