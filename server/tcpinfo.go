package server

import (
	"context"
	"crypto/tls"
	"net"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// connKey holds the client's connection in a request's context, so the
// worker stage can read the kernel's round-trip estimate for
// request.cf.clientTcpRtt.
type connKey struct{}

// clientConn is a client connection and its last RTT sample: reading
// TCP_INFO is a system call, 4% of the front's time when made per request,
// and the kernel's smoothed estimate moves slowly.
type clientConn struct {
	c         net.Conn
	rttMillis atomic.Int32
	sampledAt atomic.Int64 // unix nanoseconds; 0: never
}

// rttSampleEvery is how long a connection's RTT sample is reused.
const rttSampleEvery = time.Second

func withConn(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, &clientConn{c: c})
}

// clientRTT returns the smoothed round-trip time of the request's TCP
// connection in milliseconds (TCP_INFO), or 0 when unknown.
func clientRTT(ctx context.Context) int {
	cc, _ := ctx.Value(connKey{}).(*clientConn)
	if cc == nil {
		return 0
	}
	now := time.Now().UnixNano()
	if at := cc.sampledAt.Load(); at != 0 && now-at < int64(rttSampleEvery) {
		return int(cc.rttMillis.Load())
	}
	rtt := int32((rttMicros(cc.c) + 500) / 1000)
	cc.rttMillis.Store(rtt)
	cc.sampledAt.Store(now)
	return int(rtt)
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
