package verge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
)

// handler is the one handler of this reactor. It is package-level state
// because the verge_handle export it serves is: a module has one.
var handler http.Handler

// Serve makes h the handler of every request this instance gets. Call it
// once, from an init function: a reactor's runtime runs initialisers but
// never main. Outside GOOS=wasip1 it only records h.
func Serve(h http.Handler) {
	if h == nil {
		panic("verge: Serve(nil)")
	}
	if handler != nil {
		panic("verge: Serve called twice")
	}
	handler = h
}

// ServeFunc is Serve for a handler function.
func ServeFunc(f func(http.ResponseWriter, *http.Request)) { Serve(http.HandlerFunc(f)) }

// reqKey is the context key of the request's host handle, for Geo.
type reqKey struct{}

// handle serves request req; the host's verge_handle export calls it. It
// returns 0 when the handler returned normally, 1 when it failed, which
// tells the host to answer 500 (or cut the response) and to replace this
// instance, whose state the failure may have left inconsistent.
func handle(req uint32) (code int32) {
	if handler == nil {
		Log(slog.LevelError, "verge: no handler: call verge.Serve from an init function (a reactor never runs main)")
		return 1
	}
	r, err := newRequest(req)
	if err != nil {
		Log(slog.LevelError, err.Error())
		return 1
	}
	w := &responseWriter{req: req, method: r.Method, header: make(http.Header)}
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler { // net/http's quiet abort
				Log(slog.LevelError, fmt.Sprintf("panic serving %s %s: %v\n%s", r.Method, r.URL.Path, v, debug.Stack()))
			}
			code = 1
		}
	}()
	handler.ServeHTTP(w, r)
	if err := w.finish(); err != nil && !w.clientGone {
		Log(slog.LevelError, err.Error())
		return 1
	}
	return 0
}

// newRequest builds the server-side *http.Request of req from the host.
// Go's wasm code is slow (an empty handler through this package costs
// ~35 µs, a tenth of it url.Parse), so values are read through one
// scratch buffer and the URL the host built is split without url.Parse
// when it is plain.
func newRequest(req uint32) (*http.Request, error) {
	scratch := make([]byte, 1024)
	read := func(call string, f func(b []byte) int32) (string, error) {
		b, code := getInto(scratch, f)
		if code < 0 {
			return "", &hostError{call, code}
		}
		return string(b), nil
	}
	method, err := read("req_method", func(b []byte) int32 { return hostReqMethod(req, b) })
	if err != nil {
		return nil, err
	}
	rawURL, err := read("req_url", func(b []byte) int32 { return hostReqURL(req, b) })
	if err != nil {
		return nil, err
	}
	u, err := parseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("verge: request URL from the host: %w", err)
	}
	block, err := read("req_headers", func(b []byte) int32 { return hostReqHeaders(req, b) })
	if err != nil {
		return nil, err
	}
	h := make(http.Header)
	for line := range strings.SplitSeq(block, "\n") {
		name, value, ok := strings.Cut(line, ":")
		if ok {
			h[name] = append(h[name], strings.TrimPrefix(value, " "))
		}
	}
	r := &http.Request{
		Method:     method,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     h,
		Host:       u.Host,
		RequestURI: u.RequestURI(),
		Body:       http.NoBody,
	}
	infoKey := func(key string) (string, bool) {
		b, code := getInto(scratch, func(buf []byte) int32 { return hostReqInfo(req, key, buf) })
		return string(b), code == 0
	}
	if p, ok := infoKey("proto"); ok && p != "HTTP/1.1" {
		if major, minor, ok := http.ParseHTTPVersion(p); ok {
			r.Proto, r.ProtoMajor, r.ProtoMinor = p, major, minor
		}
	}
	if ip, ok := infoKey("remote_addr"); ok {
		r.RemoteAddr = net.JoinHostPort(ip, "0")
	}
	r.ContentLength = -1
	if s, ok := infoKey("content_length"); ok {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			r.ContentLength = n
		}
	}
	if r.ContentLength != 0 {
		r.Body = &body{req: req}
	}
	return r.WithContext(context.WithValue(context.Background(), reqKey{}, req)), nil
}

// info returns req_info's value for key.
func info(req uint32, key string) (string, bool) {
	b, code := get(func(buf []byte) int32 { return hostReqInfo(req, key, buf) })
	return string(b), code == 0
}

// parseURL is url.Parse for the absolute URLs the host sends. A plain one
// (scheme://host/path?query, nothing escaped) is split by hand, with the
// same result; anything else goes to url.Parse.
func parseURL(raw string) (*url.URL, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok || scheme == "" || strings.ContainsAny(rest, "%#@\\") {
		return url.Parse(raw)
	}
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c <= ' ' || c >= 0x7f {
			return url.Parse(raw)
		}
	}
	host, pathQuery := rest, ""
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		host, pathQuery = rest[:i], rest[i:]
	}
	path, query, _ := strings.Cut(pathQuery, "?")
	u := &url.URL{Scheme: strings.ToLower(scheme), Host: host, Path: path, RawQuery: query}
	if u.EscapedPath() != path {
		return url.Parse(raw)
	}
	return u, nil
}

// body reads the request body from the host.
type body struct {
	req uint32
	err error // sticky: io.EOF or a failure
}

func (b *body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	n := hostReqBodyRead(b.req, p)
	switch {
	case n < 0:
		b.err = &hostError{"req_body_read", n}
		return 0, b.err
	case n == 0:
		b.err = io.EOF
		return 0, io.EOF
	}
	return int(n), nil
}

// Close implements io.Closer; the host discards what the guest did not read.
func (b *body) Close() error { return nil }

// bufSize is how much the ResponseWriter buffers before streaming, as
// net/http's: small responses go out in one write with a Content-Length.
const bufSize = 4 << 10

// responseWriter streams the response through the host. The status and
// headers reach the host with the first body bytes (or at the end), so that
// Content-Type can be sniffed and Content-Length set for small responses.
type responseWriter struct {
	req         uint32
	method      string
	header      http.Header // the handler's
	snapshot    http.Header // header at WriteHeader, as net/http sends
	status      int
	wroteHeader bool
	sent        bool // status and headers went to the host
	buf         []byte
	err         error // sticky
	clientGone  bool
}

// Header implements http.ResponseWriter.
func (w *responseWriter) Header() http.Header { return w.header }

// WriteHeader implements http.ResponseWriter. Interim (1xx) responses are
// ignored: the ABI has no way to send them.
func (w *responseWriter) WriteHeader(code int) {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code)) // as net/http
	}
	if w.wroteHeader || code < 200 {
		return
	}
	w.wroteHeader, w.status = true, code
	w.snapshot = w.header.Clone()
}

// Write implements http.ResponseWriter.
func (w *responseWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.err != nil {
		return 0, w.err
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	if len(w.buf)+len(p) <= bufSize {
		if w.buf == nil {
			// Most responses are small: zeroing 4 KiB each time shows.
			w.buf = make([]byte, 0, max(len(p), 512))
		}
		w.buf = append(w.buf, p...)
		return len(p), nil
	}
	if !w.sent && len(w.buf) == 0 {
		w.sendHeader(p) // sniff from p
	}
	if err := w.flush(); err != nil {
		return 0, err
	}
	if len(p) < bufSize {
		w.buf = append(w.buf, p...)
		return len(p), nil
	}
	if err := w.send(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush implements http.Flusher.
func (w *responseWriter) Flush() { _ = w.FlushError() }

// FlushError sends what is buffered to the client; http.ResponseController
// uses it.
func (w *responseWriter) FlushError() error {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.flush()
}

func (w *responseWriter) flush() error {
	if w.err != nil {
		return w.err
	}
	if !w.sent {
		w.sendHeader(w.buf)
		if w.err != nil {
			return w.err
		}
	}
	if len(w.buf) > 0 {
		err := w.send(w.buf)
		w.buf = w.buf[:0]
		return err
	}
	return nil
}

// sendHeader gives the host the status and the header snapshot, with a
// sniffed Content-Type as net/http would add.
func (w *responseWriter) sendHeader(first []byte) {
	w.sent = true
	h := w.snapshot
	if _, ok := h["Content-Type"]; !ok && bodyAllowed(w.status) && len(first) > 0 && h.Get("Transfer-Encoding") == "" {
		h.Set("Content-Type", http.DetectContentType(first))
	}
	if code := hostRespSetStatus(w.req, w.status); code < 0 {
		w.fail(&hostError{"resp_set_status " + strconv.Itoa(w.status), code})
		return
	}
	for name, values := range h {
		for _, v := range values {
			switch code := hostRespAddHeader(w.req, name, v); code {
			case 0:
			case errInvalid:
				// net/http would send it mangled; the host refuses it.
				Log(slog.LevelWarn, fmt.Sprintf("verge: dropped invalid response header %q", name))
			default:
				w.fail(&hostError{"resp_add_header " + name, code})
				return
			}
		}
	}
}

// send writes p through the host to the client.
func (w *responseWriter) send(p []byte) error {
	for len(p) > 0 {
		n := hostRespWrite(w.req, p)
		if n < 0 {
			w.fail(&hostError{"resp_write", n})
			return w.err
		}
		p = p[n:]
	}
	return nil
}

func (w *responseWriter) fail(err error) {
	if w.err == nil {
		w.err = err
		var he *hostError
		w.clientGone = errors.As(err, &he) && he.code == errIO
	}
}

// finish completes the response after the handler returned. A response
// that fit the buffer gets a Content-Length, as with net/http.
func (w *responseWriter) finish() error {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.err != nil {
		return w.err
	}
	if !w.sent && bodyAllowed(w.status) && w.method != http.MethodHead &&
		w.snapshot.Get("Content-Length") == "" && w.snapshot.Get("Transfer-Encoding") == "" {
		w.snapshot.Set("Content-Length", strconv.Itoa(len(w.buf)))
	}
	return w.flush()
}

func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}
