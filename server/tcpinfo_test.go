package server

import (
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
