package hostpool

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"syscall"
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
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: h, Protocols: &protocols}
	// Serve returns when the host closes its end (exits).
	go srv.Serve(newConnListener(conn))
	return child, nil
}

// connListener is a listener that accepts one connection that is already
// open, and then reports itself closed once that connection is.
type connListener struct {
	conn net.Conn
	once sync.Once
	next chan net.Conn
	done chan struct{}
}

func newConnListener(c net.Conn) *connListener {
	l := &connListener{done: make(chan struct{}), next: make(chan net.Conn, 1)}
	l.conn = &closeNotifyConn{Conn: c, l: l}
	l.next <- l.conn
	return l
}

func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.next:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *connListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *connListener) Addr() net.Addr { return l.conn.LocalAddr() }

// closeNotifyConn closes its listener when the server is done with it.
type closeNotifyConn struct {
	net.Conn
	l *connListener
}

func (c *closeNotifyConn) Close() error {
	c.l.Close()
	return c.Conn.Close()
}
