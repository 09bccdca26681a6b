package server

import (
	"context"
	"net"
	"testing"
)

func TestRTTFromKernel(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 1)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
			c.Write(buf)
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 1)
	for range 5 { // a few round trips give the kernel samples
		c.Write([]byte{1})
		c.Read(buf)
	}
	if rtt := rttMicros(c); rtt == 0 {
		t.Fatal("no RTT from TCP_INFO on a live connection")
	}
	if rtt := rttMicros(nil); rtt != 0 {
		t.Fatalf("nil conn: %d", rtt)
	}
}

func TestClientRTTSampledPerConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			defer c.Close()
			c.Read(make([]byte, 1))
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := withConn(context.Background(), c)
	cc := ctx.Value(connKey{}).(*clientConn)
	want := int((rttMicros(c) + 500) / 1000)
	if got := clientRTT(ctx); got != want || cc.sampledAt.Load() == 0 {
		t.Fatalf("first request: rtt %d (kernel %d), sampled at %d", got, want, cc.sampledAt.Load())
	}
	cc.rttMillis.Store(42) // a later request within the second reuses the sample
	if got := clientRTT(ctx); got != 42 {
		t.Fatalf("within %v: rtt %d, want the cached 42", rttSampleEvery, got)
	}
	cc.sampledAt.Add(-int64(2 * rttSampleEvery)) // an old sample is read again
	if got := clientRTT(ctx); got != want {
		t.Fatalf("after %v: rtt %d, want the kernel's %d", rttSampleEvery, got, want)
	}
	if got := clientRTT(context.Background()); got != 0 {
		t.Fatalf("no connection: %d", got)
	}
}
