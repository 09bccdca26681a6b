package wasm

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/verge-edge/verge/edgeinfo"
)

// cgiEnv returns the CGI variables of r as key, value pairs (RFC 3875
// section 4.1, plus WAGI's X_ variables and Verge's X_VERGE_ ones).
func cgiEnv(r *http.Request, info *edgeinfo.Info) []string {
	scheme, port := "http", "80"
	if r.TLS != nil {
		scheme, port = "https", "443"
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	name := host
	if h, p, err := net.SplitHostPort(host); err == nil {
		name, port = h, p
	}
	remote := remoteAddr(r, info)
	env := []string{
		"GATEWAY_INTERFACE", "CGI/1.1",
		"SERVER_SOFTWARE", "Verge",
		"SERVER_PROTOCOL", r.Proto,
		"SERVER_NAME", name,
		"SERVER_PORT", port,
		"REQUEST_METHOD", r.Method,
		"SCRIPT_NAME", "",
		"PATH_INFO", r.URL.Path,
		"PATH_TRANSLATED", r.URL.Path,
		"QUERY_STRING", r.URL.RawQuery,
		"REMOTE_ADDR", remote,
		"REMOTE_HOST", remote,
		"AUTH_TYPE", "",
		"REMOTE_USER", "",
		"CONTENT_TYPE", r.Header.Get("Content-Type"),
		"X_FULL_URL", scheme + "://" + host + r.URL.RequestURI(),
		"X_RAW_PATH_INFO", r.URL.EscapedPath(),
		"X_MATCHED_ROUTE", "/...",
		"HTTP_HOST", host,
	}
	if r.ContentLength >= 0 {
		// Unknown for chunked bodies: the guest reads stdin to EOF.
		env = append(env, "CONTENT_LENGTH", strconv.FormatInt(r.ContentLength, 10))
	}
	if r.TLS != nil {
		env = append(env, "HTTPS", "on")
	}
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic environments
	for _, k := range keys {
		switch {
		case k == "Content-Type", k == "Content-Length", k == "Host":
			continue // CONTENT_TYPE, CONTENT_LENGTH and HTTP_HOST above
		case k == "Proxy":
			continue // httpoxy: HTTP_PROXY would configure the guest's HTTP client
		case strings.Contains(k, "_"):
			// X-Foo and X_Foo would both be HTTP_X_FOO; as Apache and nginx
			// do, drop the spoofable spelling.
			continue
		}
		sep := ", "
		if k == "Cookie" {
			sep = "; "
		}
		env = append(env, "HTTP_"+strings.ToUpper(strings.ReplaceAll(k, "-", "_")), strings.Join(r.Header[k], sep))
	}
	return appendGeo(env, info)
}

// appendGeo adds what the front knows about the client, as Fastly's
// client.geo and Cloudflare's request.cf expose it, skipping unknowns.
func appendGeo(env []string, info *edgeinfo.Info) []string {
	if info == nil {
		return env
	}
	loc := info.Location
	add := func(k, v string) {
		if v != "" {
			env = append(env, k, v)
		}
	}
	add("X_VERGE_COLO", info.Colo)
	add("X_VERGE_COUNTRY", loc.Country)
	add("X_VERGE_CITY", loc.City)
	add("X_VERGE_CONTINENT", loc.Continent)
	add("X_VERGE_REGION", loc.Region)
	add("X_VERGE_REGION_CODE", loc.RegionCode)
	add("X_VERGE_POSTAL_CODE", loc.PostalCode)
	add("X_VERGE_METRO_CODE", loc.MetroCode)
	add("X_VERGE_LATITUDE", loc.Latitude)
	add("X_VERGE_LONGITUDE", loc.Longitude)
	add("X_VERGE_TIMEZONE", loc.Timezone)
	add("X_VERGE_AS_ORGANIZATION", loc.ASOrganization)
	if loc.ASN != 0 {
		add("X_VERGE_ASN", strconv.Itoa(loc.ASN))
	}
	return env
}

// remoteAddr is the client's address: the front's view when it has one
// (it knows about trusted proxies), else the connection's peer.
func remoteAddr(r *http.Request, info *edgeinfo.Info) string {
	if info != nil && info.ClientIP.IsValid() {
		return info.ClientIP.String()
	}
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

// cgiArgs returns WAGI's command line: the path, then each query parameter.
func cgiArgs(u *url.URL) []string {
	args := []string{u.Path}
	if u.RawQuery == "" {
		return args
	}
	for p := range strings.SplitSeq(u.RawQuery, "&") {
		if s, err := url.QueryUnescape(p); err == nil {
			p = s
		}
		args = append(args, p)
	}
	return args
}

// responseError is a CGI response the guest got wrong.
type responseError struct{ detail string }

func (e *responseError) Error() string { return "malformed CGI response: " + e.detail }

var errNoOutput = &responseError{"the module exited without writing a header block to stdout"}

// hopByHop reports headers that belong to the connection, which the front
// owns.
func hopByHop(k string) bool {
	switch k {
	case "Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade":
		return true
	}
	return false
}

// parseHeader parses a CGI header block (without its blank line) into h
// and returns the status: Status's code, else 302 with a Location, else
// 200 (RFC 3875 section 6.3).
func parseHeader(block []byte, h http.Header) (int, error) {
	status := 0
	for line := range bytes.SplitSeq(block, []byte("\n")) {
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			return 0, &responseError{"folded header line " + strconv.Quote(string(line))}
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || !httpguts.ValidHeaderFieldName(string(name)) {
			return 0, &responseError{"bad header line " + strconv.Quote(string(line))}
		}
		v := string(bytes.TrimSpace(value))
		if !httpguts.ValidHeaderFieldValue(v) {
			return 0, &responseError{"bad value for header " + string(name)}
		}
		k := http.CanonicalHeaderKey(string(name))
		switch {
		case k == "Status":
			code, _, _ := strings.Cut(v, " ")
			n, err := strconv.Atoi(code)
			if err != nil || len(code) != 3 || n < 200 || n > 599 {
				return 0, &responseError{"bad Status " + strconv.Quote(v)}
			}
			status = n
		case hopByHop(k):
			// The front owns the connection: drop.
		default:
			h.Add(k, v)
		}
	}
	switch {
	case status != 0:
	case h.Get("Location") != "":
		status = http.StatusFound
	default:
		status = http.StatusOK
	}
	return status, nil
}

// cgiResponse is the guest's stdout. It collects the header block (up to a
// limit), then streams the body to the client: each guest write is written
// through and flushed, as a CGI server forwards what it reads from the pipe.
// The status line is delayed until the first body byte or the end, so a
// guest that fails before writing its body still gets a clean error page.
type cgiResponse struct {
	w         http.ResponseWriter
	rc        *http.ResponseController
	maxHeader int
	maxBody   int64
	stop      func() // ends the instance, for a body over maxBody
	written   int64  // body bytes sent
	exceeded  bool   // the guest wrote past maxBody

	hdr       []byte // the header block so far
	lineStart bool   // the last byte of hdr ended a line
	parsed    bool   // the header block is complete and parsed
	status    int
	started   bool  // the status line went to the client
	err       error // a malformed response; later writes fail
	clientErr error // writing to the client failed
}

func newCGIResponse(w http.ResponseWriter, maxHeader int, maxBody int64, stop func()) *cgiResponse {
	return &cgiResponse{w: w, rc: http.NewResponseController(w), maxHeader: maxHeader, maxBody: maxBody, stop: stop, lineStart: true}
}

// errResponseBody is a guest that wrote more than Options.ResponseBody.
var errResponseBody = errors.New("the response body is over the limit")

// Write implements io.Writer for the guest's stdout.
func (c *cgiResponse) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.clientErr != nil {
		return 0, c.clientErr
	}
	body := p
	if !c.parsed {
		end := -1
		for i, b := range p {
			if b == '\n' {
				if c.lineStart {
					end = i + 1
					break
				}
				c.lineStart = true
			} else if b != '\r' {
				c.lineStart = false
			}
		}
		if end < 0 {
			if len(c.hdr)+len(p) > c.maxHeader {
				c.err = &responseError{fmt.Sprintf("header block over %d bytes (no blank line)", c.maxHeader)}
				return 0, c.err
			}
			c.hdr = append(c.hdr, p...)
			return len(p), nil
		}
		if len(c.hdr)+end > c.maxHeader+2 { // the blank line does not count
			c.err = &responseError{fmt.Sprintf("header block over %d bytes", c.maxHeader)}
			return 0, c.err
		}
		c.hdr = append(c.hdr, p[:end]...)
		if err := c.parse(); err != nil {
			return 0, err
		}
		body = p[end:]
		if len(body) == 0 {
			return len(p), nil
		}
	}
	over := false
	if rest := c.maxBody - c.written; int64(len(body)) > rest {
		body, over = body[:rest], true
	}
	c.start()
	if _, err := c.w.Write(body); err != nil {
		c.clientErr = fmt.Errorf("writing the response: %w", err)
		return 0, c.clientErr
	}
	c.written += int64(len(body))
	if err := c.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		c.clientErr = fmt.Errorf("flushing the response: %w", err)
		return 0, c.clientErr
	}
	if over {
		// Stop the guest rather than fail its writes: one that ignores
		// write errors would spin until the wall time.
		c.exceeded, c.err = true, errResponseBody
		c.stop()
		return 0, c.err
	}
	return len(p), nil
}

func (c *cgiResponse) parse() error {
	status, err := parseHeader(c.hdr, c.w.Header())
	if err != nil {
		c.err = err
		return err
	}
	c.status, c.parsed, c.hdr = status, true, nil
	return nil
}

// start sends the status line once.
func (c *cgiResponse) start() {
	if !c.started {
		c.started = true
		c.w.WriteHeader(c.status)
	}
}

// finish completes a response after the guest exited successfully. A
// header block ended by EOF instead of a blank line is accepted.
func (c *cgiResponse) finish() error {
	switch {
	case c.err != nil:
		return c.err
	case c.clientErr != nil:
		return c.clientErr
	case !c.parsed && len(c.hdr) == 0:
		c.err = errNoOutput
		return c.err
	case !c.parsed:
		if err := c.parse(); err != nil {
			return err
		}
	}
	c.start()
	return nil
}

// stdinReader is the request body as the guest's stdin, limited.
type stdinReader struct {
	r        io.Reader
	exceeded bool
}

func (s *stdinReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		s.exceeded = true
	}
	return n, err
}

// stderrLog keeps the first max bytes of the guest's stderr for the log.
type stderrLog struct {
	buf     []byte
	max     int
	dropped int
}

func (s *stderrLog) Write(p []byte) (int, error) {
	n := min(len(p), s.max-len(s.buf))
	s.buf = append(s.buf, p[:n]...)
	s.dropped += len(p) - n
	return len(p), nil // never fail the guest for logging too much
}

func (s *stderrLog) String() string {
	out := strings.TrimRight(string(s.buf), "\n")
	if s.dropped > 0 {
		out += fmt.Sprintf("\n[%d more bytes dropped]", s.dropped)
	}
	return out
}
