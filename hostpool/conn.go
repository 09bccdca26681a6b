package hostpool

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/net/http/httpguts"
)

// conns is a pool of keep-alive connections to one host for requests
// without a body, which are most of them. It does in the calling goroutine
// what http.Transport does with two goroutines per connection and channel
// handoffs between them: on one core shared by the front and a host, those
// handoffs cost more than the forwarding itself. Requests with a body keep
// using http.Transport, which writes the body while reading the response.
type conns struct {
	path string
	mu   sync.Mutex
	idle []*hconn
}

type hconn struct {
	c  net.Conn
	br *bufio.Reader
	bw *bufio.Writer
}

const maxIdleConns = 256

func (p *conns) get(ctx context.Context) (hc *hconn, reused bool, err error) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		hc = p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return hc, true, nil
	}
	p.mu.Unlock()
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", p.path)
	if err != nil {
		return nil, false, err
	}
	return &hconn{c: c, br: bufio.NewReaderSize(c, 16<<10), bw: bufio.NewWriterSize(c, 8<<10)}, false, nil
}

func (p *conns) put(hc *hconn) {
	p.mu.Lock()
	if len(p.idle) < maxIdleConns {
		p.idle = append(p.idle, hc)
		hc = nil
	}
	p.mu.Unlock()
	if hc != nil {
		hc.c.Close()
	}
}

// closeIdle drops idle connections, after the host went away.
func (p *conns) closeIdle() {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, hc := range idle {
		hc.c.Close()
	}
}

// protocolHeaders are the front-to-host headers of a request (see package
// host), as name, value pairs; an empty value is left out.
type protocolHeaders [8]string

// roundTrip sends a bodiless request, with the protocol headers instead of
// any Verge-* header of the client's, and returns the response; its Body
// returns the connection to the pool when read to the end.
func (p *conns) roundTrip(req *http.Request, proto *protocolHeaders) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		hc, reused, err := p.get(req.Context())
		if err != nil {
			return nil, err
		}
		resp, err := hc.do(req, proto)
		if err == nil {
			resp.Body = &pooledBody{ReadCloser: resp.Body, p: p, hc: hc, keep: !resp.Close}
			return resp, nil
		}
		hc.c.Close()
		// An idle connection the host closed (it restarted, or timed the
		// connection out) fails before the host read the request: safe
		// to send again on a fresh one.
		if reused && attempt == 0 && req.Context().Err() == nil && stale(err) {
			continue
		}
		return nil, err
	}
}

func stale(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func (hc *hconn) do(req *http.Request, proto *protocolHeaders) (*http.Response, error) {
	// A canceled request unblocks the read by expiring the connection,
	// which is then not reused. The expiry can land after the response was
	// read (it was already buffered): the connection must not go back to
	// the pool then, or the next request on it fails.
	stop := context.AfterFunc(req.Context(), func() { hc.c.SetDeadline(time.Unix(1, 0)) })
	resp, err := hc.exchange(req, proto)
	if !stop() && err == nil {
		resp.Body.Close()
		return nil, req.Context().Err()
	}
	return resp, err
}

func (hc *hconn) exchange(req *http.Request, proto *protocolHeaders) (*http.Response, error) {
	bw := hc.bw
	bw.WriteString(req.Method)
	bw.WriteByte(' ')
	bw.WriteString(req.URL.RequestURI())
	bw.WriteString(" HTTP/1.1\r\nHost: host\r\n")
	writeHeader(bw, req.Header)
	for i := 0; i < len(proto); i += 2 {
		if v := proto[i+1]; v != "" {
			if strings.ContainsAny(v, "\r\n") { // the edge's values have none; never let one split a header
				v = newlineToSpace.Replace(v)
			}
			bw.WriteString(proto[i])
			bw.WriteString(": ")
			bw.WriteString(v)
			bw.WriteString("\r\n")
		}
	}
	bw.WriteString("\r\n")
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(hc.br, req)
	if err != nil {
		if req.Context().Err() != nil {
			return nil, req.Context().Err()
		}
		return nil, err
	}
	return resp, nil
}

// writeHeader writes h as Header.Write does, without sorting the names
// (the sort was 6% of the front's time): names that are not tokens are
// left out and line breaks in values become spaces. Verge-* names are the
// protocol's, never the client's: they are left out too.
func writeHeader(bw *bufio.Writer, h http.Header) {
	for k, vs := range h {
		if !httpguts.ValidHeaderFieldName(k) || len(k) >= 6 && strings.EqualFold(k[:6], "verge-") {
			continue
		}
		for _, v := range vs {
			bw.WriteString(k)
			bw.WriteString(": ")
			if strings.ContainsAny(v, "\r\n") {
				v = newlineToSpace.Replace(v)
			}
			bw.WriteString(strings.TrimSpace(v))
			bw.WriteString("\r\n")
		}
	}
}

var newlineToSpace = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ")

// pooledBody gives the connection back once the body is read to its end,
// and closes it when the body is abandoned midway.
type pooledBody struct {
	io.ReadCloser
	p    *conns
	hc   *hconn
	keep bool
	eof  bool
}

func (b *pooledBody) Read(q []byte) (int, error) {
	n, err := b.ReadCloser.Read(q)
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

func (b *pooledBody) Close() error {
	if b.hc == nil {
		return nil
	}
	err := b.ReadCloser.Close()
	if b.eof && b.keep && err == nil {
		b.p.put(b.hc)
	} else {
		b.hc.c.Close()
	}
	b.hc = nil
	return err
}
