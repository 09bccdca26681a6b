package waf

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/verge-edge/verge/edgeinfo"
	"github.com/verge-edge/verge/geo"
)

// places is the test's geo database.
var places = map[string]geo.Location{
	"192.0.2.1":   {Country: "US", Continent: "NA", City: "San Francisco", Region: "California", RegionCode: "CA", ASN: 64500},
	"192.0.2.2":   {Country: "DE", Continent: "EU", City: "Berlin", Region: "Berlin", RegionCode: "BE", ASN: 64501},
	"2001:db8::1": {Country: "JP", Continent: "AS", City: "Tokyo", ASN: 64503},
}

// The test front takes the client from these request headers, since
// every test client is 127.0.0.1.
const (
	hdrClientIP = "X-Test-Client-Ip" // default 192.0.2.1
	hdrClaims   = "X-Test-Claims"    // JSON object
)

// front does what the PoP front and the JWT policy do before the WAF:
// it puts the client's address, location and claims in edgeinfo.
func front(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := &edgeinfo.Info{ClientIP: netip.MustParseAddr("192.0.2.1")}
		if s := r.Header.Get(hdrClientIP); s != "" {
			info.ClientIP = netip.MustParseAddr(s)
		}
		info.Location = places[info.ClientIP.Unmap().String()]
		if s := r.Header.Get(hdrClaims); s != "" {
			// As a JWT library decodes them: numbers are float64.
			if err := json.Unmarshal([]byte(s), &info.Claims); err != nil {
				http.Error(w, "test front: "+err.Error(), http.StatusBadRequest)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(edgeinfo.With(r.Context(), info)))
	})
}

// edge is a WAF behind the test front, served over real HTTP on
// 127.0.0.1, in front of an origin that records that it was reached.
type edge struct {
	url     string
	reached atomic.Int64
	logs    *syncBuffer
}

func newEdge(t *testing.T, cfg Config) *edge {
	t.Helper()
	e := &edge{logs: &syncBuffer{}}
	w, err := New(cfg, Options{Logger: slog.New(slog.NewTextHandler(e.logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	origin := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		e.reached.Add(1)
		// Echo the request header, so tests can see what set_header did.
		for k, vs := range r.Header {
			rw.Header()["Echo-"+k] = vs
		}
		io.WriteString(rw, "origin")
	})
	srv := httptest.NewServer(front(w.Wrap(origin)))
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

// response is what a test request got back.
type response struct {
	status int
	header http.Header
	body   string
}

// passed reports whether the request reached the origin.
func (r *response) passed() bool { return r.status == http.StatusOK && r.body == "origin" }

// do sends method target (a path and query, sent as written) with the
// given header lines, "Name: value", and returns the response. It writes
// the request itself so that the path, the encoding and the headers
// (several of one name, or none, such as no User-Agent) are exactly what
// a test says; only Host is added when missing.
func (e *edge) do(t *testing.T, method, target string, headers ...string) *response {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(e.url, "http://"), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	var req bytes.Buffer
	req.WriteString(method + " " + target + " HTTP/1.1\r\n")
	hasHost := false
	for _, h := range headers {
		hasHost = hasHost || strings.HasPrefix(strings.ToLower(h), "host:")
	}
	if !hasHost {
		req.WriteString("Host: example.com\r\n")
	}
	for _, h := range headers {
		req.WriteString(h + "\r\n")
	}
	req.WriteString("Connection: close\r\n\r\n")
	if _, err := conn.Write(req.Bytes()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

// get is do with GET.
func (e *edge) get(t *testing.T, target string, headers ...string) *response {
	t.Helper()
	return e.do(t, http.MethodGet, target, headers...)
}

// syncBuffer is a log destination for handlers on other goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// blockIf is a configuration with one rule that blocks when expr holds.
func blockIf(expr string) Config {
	return Config{Rules: []Rule{{Name: "test", Expr: expr, Action: "block"}}}
}
