// Package fetch implements Request, Response, the Body mixin and fetch()
// for workers, and the bridge between net/http and those objects that the
// worker runtime uses (NewRequest, WriteResponse).
//
// Worker code is untrusted: subrequests may reach only http(s) URLs, and
// never private, loopback or link-local addresses unless the operator's
// Policy allows the host. The check runs after DNS resolution, in the
// dialer, so a hostname that resolves to 127.0.0.1 is refused too.
package fetch

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/verge-edge/verge/engine"
)

//go:embed fetch.js
var source string

// Extension returns the fetch Web API. It needs headers, blob, formdata,
// abort and url before it, and streams for `body`.
func Extension() engine.Extension {
	return engine.Extension{
		Name:    "fetch",
		Scripts: []engine.Script{{Name: "ext:fetch/fetch.js", Source: source}},
		Ops: map[string]engine.Op{
			"fetch_register": opRegister,
			"fetch_start":    opFetchStart,
			"fetch_wait":     opFetchWait,
			"fetch_cancel":   opFetchCancel,
			"body_read":      opBodyRead,
			"body_read_all":  opBodyReadAll,
			"body_close":     opBodyClose,
			"body_write":     opBodyWrite,
		},
	}
}

// Policy is what a worker's subrequests may do.
type Policy struct {
	// AllowHost reports whether host ("name:port" as in the URL) may be
	// reached even when it resolves to a private or loopback address: the
	// origins the operator configured.
	AllowHost func(host string) bool
	// MaxSubrequests caps fetch() calls per request (0: unlimited).
	MaxSubrequests int
	// Client overrides the HTTP client (tests). Its transport is used as
	// given: the address policy then is the client's business.
	Client *http.Client
	// UserAgent is sent when the worker sets none.
	UserAgent string
	// Hosts, when set, are the only hosts fetch() may reach (besides the
	// zone's own, see SetZone): "api.example.com", or "*.example.com" for
	// its subdomains. Redirects are held to them too.
	Hosts []string
}

// hostAllowed reports whether the policy lets fetch() reach host.
func (p *Policy) hostAllowed(host string) bool {
	if len(p.Hosts) == 0 {
		return true
	}
	host = strings.ToLower(host)
	for _, h := range p.Hosts {
		if h == host || (strings.HasPrefix(h, "*.") && strings.HasSuffix(host, h[1:])) {
			return true
		}
	}
	return false
}

type hostRefusedError struct{ host string }

func (e *hostRefusedError) Error() string {
	return fmt.Sprintf("subrequests to %s are not allowed by this worker's fetch_allow", e.host)
}

type state struct {
	policy      Policy
	client      *http.Client // follows redirects
	noRedirect  *http.Client
	errRedirect *http.Client
	fns         [2]engine.Value // newIncoming, responseParts
	inflight    map[int64]*subrequest
	next        int64
	// flatBuf is reused to build incoming requests' headers (newFlat).
	flatBuf []byte
}

// request is the state of one request, kept in its engine.Task: a VM
// serves several requests at once.
type request struct {
	vm         *engine.VM
	count      int      // subrequests made
	zoneHost   string   // see SetZone
	zoneOrigin *url.URL // see SetZone
	// bodies are the body resources opened for the request (its own
	// body, subrequest responses), closed when its task ends.
	bodies []int
}

// Release closes the body resources the request left open (a body the
// worker never read pins its whole HTTP request).
func (r *request) Release() {
	for _, id := range r.bodies {
		r.vm.CloseResource(id) // a no-op for bodies already closed
	}
	r.bodies = nil
}

const requestKey = "fetch.request"

// requestState returns the current task's request state.
func requestState(vm *engine.VM) *request {
	t := vm.Task()
	r, _ := t.State(requestKey).(*request)
	if r == nil {
		r = &request{vm: vm}
		t.SetState(requestKey, r)
	}
	return r
}

// zoneKey carries a subrequest's zone host in its context, for the
// redirect check, which runs on the client's goroutine.
type zoneKey struct{}

func (s *state) Release() {
	s.fns[0].Free()
	s.fns[1].Free()
	for _, sr := range s.inflight {
		sr.cancel()
	}
}

const stateKey = "fetch"

func getState(vm *engine.VM) *state {
	st, _ := vm.State(stateKey).(*state)
	if st == nil {
		st = &state{}
		st.setPolicy(Policy{})
		vm.SetState(stateKey, st)
	}
	return st
}

// SetPolicy sets the VM's subrequest policy.
func SetPolicy(vm *engine.VM, p Policy) {
	getState(vm).setPolicy(p)
}

// ResetSubrequests starts a new subrequest count for the current task.
// (Each task starts at zero; ending it closes the bodies it opened.)
func ResetSubrequests(vm *engine.VM) { requestState(vm).count = 0 }

// SetZone makes the current request's subrequests to host (its own
// hostname, as on Cloudflare, where fetch(request) reaches the zone's
// origin) go to origin instead of resolving host, which would lead back
// to the edge. The Host header stays host. A nil origin turns it off.
func SetZone(vm *engine.VM, host string, origin *url.URL) {
	r := requestState(vm)
	r.zoneHost, r.zoneOrigin = strings.ToLower(host), origin
}

// Subrequests reports the subrequests of the current request.
func Subrequests(vm *engine.VM) int { return requestState(vm).count }

func (s *state) setPolicy(p Policy) {
	s.policy = p
	base := p.Client
	if base == nil {
		base = &http.Client{Transport: GuardedTransport(p.AllowHost)}
	}
	follow := *base
	follow.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 20 {
			return errors.New("too many redirects")
		}
		zone, _ := req.Context().Value(zoneKey{}).(string)
		if !s.policy.hostAllowed(req.URL.Hostname()) && !(zone != "" && strings.EqualFold(req.URL.Hostname(), zone)) {
			return &hostRefusedError{req.URL.Hostname()}
		}
		return nil
	}
	manual := *base
	manual.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	errc := *base
	errc.CheckRedirect = func(*http.Request, []*http.Request) error { return errRedirectMode }
	s.client, s.noRedirect, s.errRedirect = &follow, &manual, &errc
}

var errRedirectMode = errors.New(`redirect mode is "error"`)

// GuardedTransport dials only public addresses, except for allowed hosts
// (host:port). The front proxies middleware rewrites to other origins with it.
func GuardedTransport(allow func(string) bool) *http.Transport {
	open := &net.Dialer{Timeout: 10 * time.Second}
	guarded := &net.Dialer{Timeout: 10 * time.Second, Control: func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("refusing %s: %w", address, err)
		}
		if !Public(ap.Addr()) {
			return &refusedError{addr: ap.Addr()}
		}
		return nil
	}}
	return &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if allow != nil && allow(addr) {
				return open.DialContext(ctx, network, addr)
			}
			return guarded.DialContext(ctx, network, addr)
		},
		MaxIdleConnsPerHost:   256, // a worker's concurrent requests often share one origin
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
	}
}

type refusedError struct{ addr netip.Addr }

func (e *refusedError) Error() string {
	return fmt.Sprintf("subrequests to %s are not allowed (private, loopback or reserved address; configure it as an origin to allow it)", e.addr)
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// Public reports whether a worker may reach ip without an operator's
// permission.
func Public(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsValid() && !ip.IsLoopback() && !ip.IsPrivate() && !ip.IsLinkLocalUnicast() &&
		!ip.IsLinkLocalMulticast() && !ip.IsMulticast() && !ip.IsUnspecified() &&
		!ip.IsInterfaceLocalMulticast() && !cgnat.Contains(ip) && !(ip.Is4() && ip.As4()[0] == 0) &&
		ip != netip.MustParseAddr("255.255.255.255")
}

func opRegister(c *engine.Call) (engine.Value, error) {
	if !c.Arg(0).IsFunction() || !c.Arg(1).IsFunction() {
		return engine.Value{}, engine.TypeError("fetch_register: functions expected")
	}
	st := getState(c.VM)
	st.fns[0].Free()
	st.fns[1].Free()
	st.fns = [2]engine.Value{c.Arg(0).Dup(), c.Arg(1).Dup()}
	return c.VM.Undefined(), nil
}

// flatHeaders reads a flat [name, value, name, value...] array.
func flatHeaders(v engine.Value) (http.Header, error) {
	h := http.Header{}
	return h, addFlatHeaders(h, v)
}

// addFlatHeaders adds the flat header list v ([name, value, ...]) to h.
func addFlatHeaders(h http.Header, v engine.Value) error {
	n, err := v.Len()
	if err != nil {
		return err
	}
	for i := 0; i+1 < n; i += 2 {
		k, err := v.Index(i)
		if err != nil {
			return err
		}
		ks, err := k.String()
		k.Free()
		if err != nil {
			return err
		}
		val, err := v.Index(i + 1)
		if err != nil {
			return err
		}
		vs, err := val.String()
		val.Free()
		if err != nil {
			return err
		}
		ck := http.CanonicalHeaderKey(ks)
		h[ck] = append(h[ck], vs)
	}
	return nil
}

// newFlat makes the flat headers JS expects (internals.headers.fromFlat):
// one string, lowercase names and values separated by NUL, split in JS
// only if the worker reads them. A name or value with a NUL in it (net/http
// refuses them on the wire) is left out rather than misread.
func newFlat(vm *engine.VM, h http.Header, buf []byte) (engine.Value, []byte) {
	buf = appendFlat(buf[:0], h)
	return vm.NewStringBytes(buf), buf
}

// appendFlat appends the NUL-separated form of h to buf (see newFlat).
func appendFlat(buf []byte, h http.Header) []byte {
	for k, vs := range h {
		if strings.IndexByte(k, 0) >= 0 {
			continue
		}
		for _, v := range vs {
			if strings.IndexByte(v, 0) >= 0 {
				continue
			}
			buf = appendFlatPair(buf, k, v)
		}
	}
	return buf
}

// appendTabsAsNUL appends s with its tabs turned into NULs: tab-separated
// pairs become the flat form.
func appendTabsAsNUL(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\t' {
			c = 0
		}
		buf = append(buf, c)
	}
	return buf
}

// appendFlatPair appends one header, its name lowercased (ASCII: header
// names are tokens).
func appendFlatPair(buf []byte, name, value string) []byte {
	if len(buf) > 0 {
		buf = append(buf, 0)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
	}
	buf = append(buf, 0)
	return append(buf, value...)
}

type subrequest struct {
	cancel context.CancelFunc
	done   chan struct{}
	res    *http.Response
	err    error
}

func opFetchStart(c *engine.Call) (engine.Value, error) {
	vm := c.VM
	st := getState(vm)
	rs := requestState(vm)
	if st.policy.MaxSubrequests > 0 && rs.count >= st.policy.MaxSubrequests {
		return engine.Value{}, engine.TypeError("Too many subrequests: the limit is %d per request.", st.policy.MaxSubrequests)
	}
	method, err := c.String(0)
	if err != nil {
		return engine.Value{}, err
	}
	url, err := c.String(1)
	if err != nil {
		return engine.Value{}, err
	}
	hdr, err := flatHeaders(c.Arg(2))
	if err != nil {
		return engine.Value{}, err
	}
	var body []byte
	if !c.Arg(3).IsNullish() {
		if body, err = c.Bytes(3); err != nil {
			return engine.Value{}, err
		}
	}
	mode, err := c.String(4)
	if err != nil {
		return engine.Value{}, err
	}
	ctx, cancel := context.WithCancel(vm.Context())
	if rs.zoneOrigin != nil {
		ctx = context.WithValue(ctx, zoneKey{}, rs.zoneHost)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		cancel()
		return engine.Value{}, engine.TypeError("Invalid request: %v", err)
	}
	if body != nil {
		req.Body = io.NopCloser(strings.NewReader(string(body)))
		req.ContentLength = int64(len(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(string(body))), nil }
	}
	req.Header = hdr
	req.Host = hdr.Get("Host")
	req.Header.Del("Host")
	if h := req.URL.Hostname(); !st.policy.hostAllowed(h) && !(rs.zoneOrigin != nil && strings.EqualFold(h, rs.zoneHost)) {
		cancel()
		return engine.Value{}, engine.TypeError("Fetch failed: %v", &hostRefusedError{h})
	}
	if rs.zoneOrigin != nil && strings.EqualFold(req.URL.Hostname(), rs.zoneHost) {
		if req.Host == "" {
			req.Host = req.URL.Host
		}
		req.URL.Scheme, req.URL.Host = rs.zoneOrigin.Scheme, rs.zoneOrigin.Host
	}
	if req.Header.Get("User-Agent") == "" && st.policy.UserAgent != "" {
		req.Header.Set("User-Agent", st.policy.UserAgent)
	}
	client := st.client
	switch mode {
	case "manual":
		client = st.noRedirect
	case "error":
		client = st.errRedirect
	}
	rs.count++
	st.next++
	id := st.next
	sr := &subrequest{cancel: cancel, done: make(chan struct{})}
	if st.inflight == nil {
		st.inflight = map[int64]*subrequest{}
	}
	st.inflight[id] = sr
	go func() {
		sr.res, sr.err = client.Do(req)
		close(sr.done)
	}()
	return vm.NewInt(id), nil
}

func opFetchWait(c *engine.Call) (engine.Value, error) {
	id, err := c.Int(0)
	if err != nil {
		return engine.Value{}, err
	}
	st := getState(c.VM)
	sr, ok := st.inflight[id]
	if !ok {
		return engine.Value{}, engine.TypeError("fetch_wait: unknown subrequest")
	}
	return c.Async(func(ctx context.Context) engine.Completion {
		select {
		case <-sr.done:
		case <-ctx.Done():
			sr.cancel()
			<-sr.done
		}
		return func(vm *engine.VM) (engine.Value, error) {
			delete(st.inflight, id)
			if sr.err != nil {
				sr.cancel()
				var re *refusedError
				if errors.As(sr.err, &re) {
					return engine.Value{}, engine.TypeError("Fetch failed: %v", re)
				}
				var he *hostRefusedError
				if errors.As(sr.err, &he) {
					return engine.Value{}, engine.TypeError("Fetch failed: %v", he)
				}
				if errors.Is(sr.err, errRedirectMode) {
					return engine.Value{}, engine.TypeError("Fetch failed: a redirect was returned and the request's redirect mode is \"error\"")
				}
				return engine.Value{}, engine.TypeError("Network connection lost: %v", sr.err)
			}
			return responseValue(vm, sr)
		}
	})
}

func responseValue(vm *engine.VM, sr *subrequest) (engine.Value, error) {
	res := sr.res
	obj := vm.NewObject()
	obj.Set("status", vm.NewInt(int64(res.StatusCode)))
	obj.Set("statusText", vm.NewString(strings.TrimSpace(strings.TrimPrefix(res.Status, fmt.Sprint(res.StatusCode)))))
	h, _ := newFlat(vm, res.Header, nil)
	obj.Set("headers", h)
	obj.Set("url", vm.NewString(res.Request.URL.String()))
	obj.Set("redirected", vm.NewBool(res.Request.URL.String() != sr.firstURL()))
	rid := 0
	if res.Body != nil && res.Body != http.NoBody {
		rid = vm.AddResource(&bodyResource{r: res.Body, cancel: sr.cancel})
		rs := requestState(vm)
		rs.bodies = append(rs.bodies, rid)
	} else {
		sr.cancel()
	}
	obj.Set("rid", vm.NewInt(int64(rid)))
	return obj, nil
}

func (sr *subrequest) firstURL() string {
	r := sr.res.Request
	for r.Response != nil && r.Response.Request != nil {
		r = r.Response.Request
	}
	return r.URL.String()
}

func opFetchCancel(c *engine.Call) (engine.Value, error) {
	id, err := c.Int(0)
	if err != nil {
		return engine.Value{}, err
	}
	if sr, ok := getState(c.VM).inflight[id]; ok {
		sr.cancel()
	}
	return c.VM.Undefined(), nil
}

// bodyResource is a body read from Go in chunks. Only one read is in
// flight at a time (the JS stream pulls one chunk at a time).
type bodyResource struct {
	mu     sync.Mutex
	r      io.ReadCloser
	cancel context.CancelFunc
}

// Close does not take mu: a read in flight on a stalled client would hold
// it. Closing an HTTP body concurrently with a Read is safe and makes the
// Read return.
func (b *bodyResource) Close() error {
	if b.cancel != nil {
		b.cancel()
	}
	return b.r.Close()
}

const chunkSize = 64 << 10

// chunkPool holds read buffers: a body read is copied into the VM, so its
// buffer can serve the next read.
var chunkPool = sync.Pool{New: func() any { b := make([]byte, chunkSize); return &b }}

func body(c *engine.Call) (int, *bodyResource, error) {
	id, err := c.Int(0)
	if err != nil {
		return 0, nil, err
	}
	r, ok := c.VM.Resource(int(id))
	br, ok2 := r.(*bodyResource)
	if !ok || !ok2 {
		return 0, nil, engine.TypeError("body: the body was closed")
	}
	return int(id), br, nil
}

func opBodyRead(c *engine.Call) (engine.Value, error) {
	_, br, err := body(c)
	if err != nil {
		return engine.Value{}, err
	}
	return c.Async(func(ctx context.Context) engine.Completion {
		bufp := chunkPool.Get().(*[]byte)
		br.mu.Lock()
		n, err := io.ReadAtLeast(br.r, *bufp, 1)
		br.mu.Unlock()
		return func(vm *engine.VM) (engine.Value, error) {
			defer chunkPool.Put(bufp)
			if n > 0 {
				return vm.NewBytes((*bufp)[:n]), nil
			}
			if err == io.EOF {
				return vm.Null(), nil
			}
			return engine.Value{}, engine.TypeError("Network connection lost: %v", err)
		}
	})
}

func opBodyReadAll(c *engine.Call) (engine.Value, error) {
	id, br, err := body(c)
	if err != nil {
		return engine.Value{}, err
	}
	return c.Async(func(ctx context.Context) engine.Completion {
		br.mu.Lock()
		b, err := io.ReadAll(br.r)
		br.mu.Unlock()
		return func(vm *engine.VM) (engine.Value, error) {
			vm.CloseResource(id)
			if err != nil {
				return engine.Value{}, engine.TypeError("Network connection lost: %v", err)
			}
			return vm.NewBytes(b), nil
		}
	})
}

func opBodyClose(c *engine.Call) (engine.Value, error) {
	id, err := c.Int(0)
	if err != nil {
		return engine.Value{}, err
	}
	if r, ok := c.VM.Resource(int(id)); ok {
		if _, isBody := r.(*bodyResource); isBody {
			c.VM.CloseResource(int(id))
		}
	}
	return c.VM.Undefined(), nil
}

// writerResource is a response being streamed to the client. Writes go
// out one at a time (the stream awaits each) on a goroutine of their own,
// so that a slow client holds up only its own request, not the VM.
type writerResource struct {
	w       http.ResponseWriter
	written int64
	err     error
	busy    sync.WaitGroup // a write in flight
}

func opBodyWrite(c *engine.Call) (engine.Value, error) {
	id, err := c.Int(0)
	if err != nil {
		return engine.Value{}, err
	}
	r, _ := c.VM.Resource(int(id))
	wr, ok := r.(*writerResource)
	if !ok {
		return engine.Value{}, engine.TypeError("body_write: unknown writer")
	}
	b, err := c.Bytes(1)
	if err != nil {
		return engine.Value{}, err
	}
	if wr.err != nil {
		return engine.Value{}, engine.TypeError("Network connection lost: %v", wr.err)
	}
	wr.busy.Add(1)
	return c.Async(func(ctx context.Context) engine.Completion {
		defer wr.busy.Done()
		n, err := wr.w.Write(b)
		if err == nil {
			if f, ok := wr.w.(http.Flusher); ok {
				f.Flush()
			}
		}
		return func(vm *engine.VM) (engine.Value, error) {
			wr.written += int64(n)
			if err != nil {
				wr.err = err
				return engine.Value{}, engine.TypeError("Network connection lost: %v", err)
			}
			return vm.Undefined(), nil
		}
	})
}
