package wasm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"golang.org/x/net/http/httpguts"

	"github.com/verge-edge/verge/edgeinfo"
)

// The host side of the reactor ABI (docs/wasm-abi.md): the functions of
// the "verge" import module. They find the request in flight through the
// context of the verge_handle call, so one host module serves every
// instance and needs no lock: an instance runs one call at a time, on the
// goroutine that serves its request.

// abiVersion is the major version of the ABI this host implements; a
// guest's verge_abi_version must return it.
const abiVersion = 1

// Error codes returned to the guest; docs/wasm-abi.md explains each.
const (
	errHandle      = -1
	errNotFound    = -2
	errInvalid     = -3
	errState       = -4
	errIO          = -5
	errLimit       = -6
	errUnsupported = -7
)

// call is one request in flight in an instance.
type call struct {
	id   uint32 // the guest's handle; fresh per request so stale ones fail
	r    *http.Request
	info *edgeinfo.Info
	w    http.ResponseWriter
	rc   *http.ResponseController
	body *stdinReader

	headers []byte // req_headers' block, built on first use

	status    int // what resp_set_status set; 200 until then
	hdrSize   int // bytes of response headers added, against Options.ResponseHeader
	started   bool
	clientErr error
	bad       error  // a response the guest got wrong
	written   int64  // body bytes sent, against Options.ResponseBody
	exceeded  bool   // the guest wrote past Options.ResponseBody
	stop      func() // ends the call, for a body over the limit

	kvPending     *kvResult // a KV value too large for the guest's last buffer
	unboundLogged bool      // an unbound KV binding was logged

	out       *stderrLog // the guest's stdout and stderr, logged at the end
	logged    int        // bytes of log calls, against Options.Stderr
	logMisses int        // bytes of log calls dropped over the limit
}

type callKey struct{}

// current returns the call in ctx if req is its handle.
func current(ctx context.Context, req uint32) *call {
	c, _ := ctx.Value(callKey{}).(*call)
	if c == nil || c.id != req {
		return nil
	}
	return c
}

// start sends the status line once; the response can no longer change.
func (c *call) start() {
	if !c.started {
		c.started = true
		c.w.WriteHeader(c.status)
	}
}

// finish completes a response after verge_handle returned 0.
func (c *call) finish() error {
	if c.exceeded {
		// The instance may have been stopped as the call returned.
		return errResponseBody
	}
	if c.clientErr != nil {
		return c.clientErr
	}
	c.start()
	return nil
}

// put writes v to the guest's buffer with the ABI's length convention: the
// length of v is returned, and v is written only when it fits.
func put(mod api.Module, ptr, size uint32, v []byte) uint64 {
	if len(v) > math.MaxInt32 {
		return result(errLimit)
	}
	if uint32(len(v)) <= size && !mod.Memory().Write(ptr, v) {
		return result(errInvalid)
	}
	return uint64(len(v))
}

func putString(mod api.Module, ptr, size uint32, v string) uint64 {
	if len(v) > math.MaxInt32 {
		return result(errLimit)
	}
	if uint32(len(v)) <= size && !mod.Memory().WriteString(ptr, v) {
		return result(errInvalid)
	}
	return uint64(len(v))
}

// result encodes an i32 result on wazero's stack.
func result(code int32) uint64 { return api.EncodeI32(code) }

// read returns a copy of a guest string argument.
func read(mod api.Module, ptr, size uint32) (string, bool) {
	b, ok := mod.Memory().Read(ptr, size)
	return string(b), ok
}

// hostFunc is the shape of every ABI function: the call's context, the
// calling instance, and the i32 arguments; it returns an i32.
type hostFunc func(ctx context.Context, mod api.Module, args []uint32) int32

// instantiateABI adds the "verge" module to rt, closing over x for the
// options and the log.
func (x *Reactor) instantiateABI(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder("verge")
	add := func(name string, params int, f hostFunc) {
		types := slices.Repeat([]api.ValueType{api.ValueTypeI32}, params)
		b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, mod api.Module, stack []uint64) {
			var args [8]uint32
			for i := range params {
				args[i] = api.DecodeU32(stack[i])
			}
			stack[0] = result(f(ctx, mod, args[:params]))
		}), types, []api.ValueType{api.ValueTypeI32}).Export(name)
	}
	add("req_method", 3, x.reqMethod)
	add("req_url", 3, x.reqURL)
	add("req_headers", 3, x.reqHeaders)
	add("req_header", 5, x.reqHeader)
	add("req_info", 5, x.reqInfo)
	add("req_body_read", 3, x.reqBodyRead)
	add("resp_set_status", 2, x.respSetStatus)
	add("resp_add_header", 5, x.respAddHeader)
	add("resp_write", 3, x.respWrite)
	add("log", 3, x.guestLog)
	add("env_get", 4, x.envGet)
	add("kv_get", 6, x.kvGet)
	add("kv_put", 7, x.kvPut)
	add("kv_delete", 4, x.kvDelete)
	add("kv_list", 8, x.kvList)
	if _, err := b.Instantiate(ctx); err != nil {
		return fmt.Errorf("wasm: instantiating the verge host module: %w", err)
	}
	return nil
}

// req_method(req, buf, buf_len) -> len
func (x *Reactor) reqMethod(ctx context.Context, mod api.Module, a []uint32) int32 {
	c := current(ctx, a[0])
	if c == nil {
		return errHandle
	}
	return int32(putString(mod, a[1], a[2], c.r.Method))
}

// req_url(req, buf, buf_len) -> len: the absolute URL, as WAGI's X_FULL_URL.
func (x *Reactor) reqURL(ctx context.Context, mod api.Module, a []uint32) int32 {
	c := current(ctx, a[0])
	if c == nil {
		return errHandle
	}
	return int32(putString(mod, a[1], a[2], fullURL(c.r)))
}

// req_headers(req, buf, buf_len) -> len: "Name: value\n" per value.
func (x *Reactor) reqHeaders(ctx context.Context, mod api.Module, a []uint32) int32 {
	c := current(ctx, a[0])
	if c == nil {
		return errHandle
	}
	if c.headers == nil {
		c.headers = headerBlock(c.r.Header)
	}
	return int32(put(mod, a[1], a[2], c.headers))
}

// req_header(req, name, name_len, buf, buf_len) -> len: the values of one
// header, one per line.
func (x *Reactor) reqHeader(ctx context.Context, mod api.Module, a []uint32) int32 {
	c := current(ctx, a[0])
	if c == nil {
		return errHandle
	}
	name, ok := read(mod, a[1], a[2])
	if !ok {
		return errInvalid
	}
	values := c.r.Header.Values(name)
	if len(values) == 0 || http.CanonicalHeaderKey(name) == "Host" {
		return errNotFound
	}
	return int32(putString(mod, a[3], a[4], strings.Join(values, "\n")))
}

// req_info(req, key, key_len, buf, buf_len) -> len: a named property of
// the request; errUnsupported for a key this host does not know.
func (x *Reactor) reqInfo(ctx context.Context, mod api.Module, a []uint32) int32 {
	c := current(ctx, a[0])
	if c == nil {
		return errHandle
	}
	key, ok := read(mod, a[1], a[2])
	if !ok {
		return errInvalid
	}
	v, known := requestInfo(c.r, c.info, key)
	switch {
	case !known:
		return errUnsupported
	case v == "":
		return errNotFound
	}
	return int32(putString(mod, a[3], a[4], v))
}

// requestInfo returns req_info's value for key, and whether key is known.
func requestInfo(r *http.Request, info *edgeinfo.Info, key string) (string, bool) {
	switch key {
	case "proto":
		return r.Proto, true
	case "remote_addr":
		return remoteAddr(r, info), true
	case "content_length":
		return strconv.FormatInt(r.ContentLength, 10), true
	}
	if !strings.HasPrefix(key, "geo.") && key != "colo" {
		return "", false
	}
	var in edgeinfo.Info // without one, known keys have no values
	if info != nil {
		in = *info
	}
	l := in.Location
	switch key {
	case "colo":
		return in.Colo, true
	case "geo.country":
		return l.Country, true
	case "geo.country_name":
		return l.CountryName, true
	case "geo.city":
		return l.City, true
	case "geo.continent":
		return l.Continent, true
	case "geo.region":
		return l.Region, true
	case "geo.region_code":
		return l.RegionCode, true
	case "geo.postal_code":
		return l.PostalCode, true
	case "geo.metro_code":
		return l.MetroCode, true
	case "geo.latitude":
		return l.Latitude, true
	case "geo.longitude":
		return l.Longitude, true
	case "geo.timezone":
		return l.Timezone, true
	case "geo.as_organization":
		return l.ASOrganization, true
	case "geo.asn":
		if l.ASN == 0 {
			return "", true
		}
		return strconv.Itoa(l.ASN), true
	}
	return "", false
}

// req_body_read(req, buf, buf_len) -> n; 0 at the end of the body. The
// body is read straight into the guest's memory.
func (x *Reactor) reqBodyRead(ctx context.Context, mod api.Module, a []uint32) int32 {
	c := current(ctx, a[0])
	if c == nil {
		return errHandle
	}
	if a[2] == 0 {
		return 0
	}
	buf, ok := mod.Memory().Read(a[1], min(a[2], math.MaxInt32))
	if !ok {
		return errInvalid
	}
	for {
		n, err := c.body.Read(buf)
		switch {
		case n > 0:
			return int32(n)
		case errors.Is(err, io.EOF):
			return 0
		case c.body.exceeded:
			return errLimit
		case err != nil:
			x.log.DebugContext(ctx, "reading the request body", "err", err)
			return errIO
		}
	}
}

// resp_set_status(req, status) -> 0
func (x *Reactor) respSetStatus(ctx context.Context, _ api.Module, a []uint32) int32 {
	c := current(ctx, a[0])
	switch {
	case c == nil:
		return errHandle
	case c.started:
		return errState
	case a[1] < 200 || a[1] > 599:
		return errInvalid
	}
	c.status = int(a[1])
	return 0
}

// resp_add_header(req, name, name_len, value, value_len) -> 0. Headers of
// the connection (Connection, Transfer-Encoding...) are dropped: the front
// owns it.
func (x *Reactor) respAddHeader(ctx context.Context, mod api.Module, a []uint32) int32 {
	c := current(ctx, a[0])
	if c == nil {
		return errHandle
	}
	if c.started {
		return errState
	}
	name, ok1 := read(mod, a[1], a[2])
	value, ok2 := read(mod, a[3], a[4])
	if !ok1 || !ok2 || !httpguts.ValidHeaderFieldName(name) || !httpguts.ValidHeaderFieldValue(value) {
		return errInvalid
	}
	c.hdrSize += len(name) + len(value) + 4 // ": " and CRLF
	if c.hdrSize > x.opts.ResponseHeader {
		c.bad = &responseError{fmt.Sprintf("response headers over %d bytes", x.opts.ResponseHeader)}
		return errLimit
	}
	if k := http.CanonicalHeaderKey(name); !hopByHop(k) {
		c.w.Header()[k] = append(c.w.Header()[k], value)
	}
	return 0
}

// resp_write(req, buf, buf_len) -> n: sends the status line and headers
// with the first bytes, then streams: every write is flushed to the client.
func (x *Reactor) respWrite(ctx context.Context, mod api.Module, a []uint32) int32 {
	c := current(ctx, a[0])
	if c == nil {
		return errHandle
	}
	if c.clientErr != nil {
		return errIO
	}
	p, ok := mod.Memory().Read(a[1], min(a[2], math.MaxInt32))
	if !ok {
		return errInvalid
	}
	if len(p) == 0 {
		return 0
	}
	over := false
	if rest := x.opts.ResponseBody - c.written; int64(len(p)) > rest {
		p, over = p[:rest], true
	}
	c.start()
	n, err := c.w.Write(p)
	c.written += int64(n)
	switch {
	case errors.Is(err, http.ErrBodyNotAllowed):
		return errState
	case errors.Is(err, http.ErrContentLength):
		return errInvalid // more than the guest's own Content-Length
	case err != nil:
		c.clientErr = fmt.Errorf("writing the response: %w", err)
		return errIO
	}
	if err := c.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		c.clientErr = fmt.Errorf("flushing the response: %w", err)
		return errIO
	}
	if over {
		// Stop the guest rather than fail its writes: one that ignores
		// write errors would spin until the wall time.
		c.exceeded = true
		c.stop()
		return errLimit
	}
	return int32(n)
}

// log(level, msg, msg_len) -> 0: one record at a slog level. Per request,
// Options.Stderr bounds the bytes logged; the rest is counted.
func (x *Reactor) guestLog(ctx context.Context, mod api.Module, a []uint32) int32 {
	msg, ok := read(mod, a[1], a[2])
	if !ok {
		return errInvalid
	}
	level := slog.Level(int32(a[0]))
	c, _ := ctx.Value(callKey{}).(*call)
	if c == nil { // during _initialize: bound each record
		if len(msg) > x.opts.Stderr {
			msg = msg[:x.opts.Stderr] + "..."
		}
		x.log.Log(ctx, level, "module log", "log", msg)
		return 0
	}
	if n := x.opts.Stderr - c.logged; len(msg) > n {
		c.logMisses += len(msg) - max(n, 0)
		if n <= 0 {
			return 0
		}
		msg = msg[:n] + "..."
	}
	c.logged += len(msg)
	x.log.Log(ctx, level, "module log", "method", c.r.Method, "path", c.r.URL.Path, "log", msg)
	return 0
}

// env_get(name, name_len, buf, buf_len) -> len: Options.Env.
func (x *Reactor) envGet(_ context.Context, mod api.Module, a []uint32) int32 {
	name, ok := read(mod, a[0], a[1])
	if !ok {
		return errInvalid
	}
	v, ok := x.opts.Env[name]
	if !ok {
		return errNotFound
	}
	return int32(putString(mod, a[2], a[3], v))
}

// fullURL is the request's absolute URL, as WAGI's X_FULL_URL.
func fullURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	return scheme + "://" + host + r.URL.RequestURI()
}

// headerBlock serialises request headers for req_headers, sorted, without
// Host (it is in the URL) and without values a line cannot carry.
func headerBlock(h http.Header) []byte {
	keys := make([]string, 0, len(h))
	size := 0
	for k, vs := range h {
		keys = append(keys, k)
		for _, v := range vs {
			size += len(k) + len(v) + 3
		}
	}
	slices.Sort(keys)
	b := make([]byte, 0, size)
	for _, k := range keys {
		if k == "Host" || !httpguts.ValidHeaderFieldName(k) {
			continue
		}
		for _, v := range h[k] {
			if strings.ContainsAny(v, "\r\n") {
				continue
			}
			b = append(b, k...)
			b = append(b, ": "...)
			b = append(b, v...)
			b = append(b, '\n')
		}
	}
	return b
}
