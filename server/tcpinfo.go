package server

import (
	"context"
	"crypto/tls"
	"net"

	"golang.org/x/sys/unix"
)

// connKey holds the client's connection in a request's context, so the
// worker stage can read the kernel's round-trip estimate for
// request.cf.clientTcpRtt.
type connKey struct{}

func withConn(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// clientRTT returns the smoothed round-trip time of the request's TCP
// connection in milliseconds (TCP_INFO), or 0 when unknown.
func clientRTT(ctx context.Context) int {
	c, _ := ctx.Value(connKey{}).(net.Conn)
	return int((rttMicros(c) + 500) / 1000)
}

// rttMicros is the kernel's smoothed RTT of c in microseconds, 0 if unknown.
func rttMicros(c net.Conn) uint32 {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	tcp, ok := c.(*net.TCPConn)
	if !ok {
		return 0
	}
	raw, err := tcp.SyscallConn()
	if err != nil {
		return 0
	}
	var rtt uint32
	raw.Control(func(fd uintptr) {
		if info, err := unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO); err == nil {
			rtt = info.Rtt // microseconds
		}
	})
	return rtt
}
