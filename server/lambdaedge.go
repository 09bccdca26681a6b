package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"

	"github.com/verge-edge/verge/compat/lambdaedge"
	"github.com/verge-edge/verge/edgeinfo"
	"github.com/verge-edge/verge/geo"
	"github.com/verge-edge/verge/hostpool"
	"github.com/verge-edge/verge/webapi/fetch"
	"github.com/verge-edge/verge/worker"
)

// LambdaEdgeConfig is a route's [routes.lambda_edge] table: the projects
// (Lambda@Edge handlers, exports.handler) run at CloudFront's four trigger
// points around the route's cache and origin.
type LambdaEdgeConfig struct {
	ViewerRequest  string `toml:"viewer_request"`  // before the cache
	OriginRequest  string `toml:"origin_request"`  // on a cache miss, before the origin
	OriginResponse string `toml:"origin_response"` // after the origin, before caching
	ViewerResponse string `toml:"viewer_response"` // before the client
	// IncludeBody exposes request bodies to the request triggers
	// (CloudFront's "include body"), base64 and truncated at 40 KB
	// (viewer) or 1 MB (origin).
	IncludeBody bool `toml:"include_body"`
	// DistributionID is cf.config.distributionId (default "VERGE").
	DistributionID string `toml:"distribution_id"`
	// ViewerTimeout and OriginTimeout bound one handler run (AWS: 5 s and
	// 30 s, the defaults); MaxViewerResponseKB and MaxOriginResponseKB
	// bound a generated response (AWS: 40 KB and 1024 KB).
	ViewerTimeout       duration `toml:"viewer_timeout"`
	OriginTimeout       duration `toml:"origin_timeout"`
	MaxViewerResponseKB int      `toml:"max_viewer_response_kb"`
	MaxOriginResponseKB int      `toml:"max_origin_response_kb"`
}

// limits are the trigger's limits: AWS's, with the route's overrides.
func (c *LambdaEdgeConfig) limits(t lambdaedge.EventType) lambdaedge.Limits {
	l := lambdaedge.DefaultLimits(t)
	timeout, kb := c.OriginTimeout.Duration, c.MaxOriginResponseKB
	if t.IsViewer() {
		timeout, kb = c.ViewerTimeout.Duration, c.MaxViewerResponseKB
	}
	if timeout > 0 {
		l.Timeout = timeout
	}
	if kb > 0 {
		l.MaxGeneratedResponse = kb * 1024
	}
	return l
}

// maxLambdaResult bounds a handler's JSON result: a generated response is
// at most 1 MB, and base64 and JSON add to that.
const maxLambdaResult = 2 << 20

// lambdaFunc is a Lambda@Edge handler loaded in the isolate hosts. The
// event goes to it as a request body, its result comes back as the
// response body (see worker.js, style "lambda-edge").
type lambdaFunc struct {
	pool *hostpool.Pool
	id   string
	name string
}

// invokeError is a handler that failed (threw, timed out, hit a limit):
// CloudFront answers 503 for those.
type invokeError struct {
	name   string
	status int
	body   string
}

func (e *invokeError) Error() string {
	return fmt.Sprintf("Lambda@Edge function %s failed (%d): %s", e.name, e.status, strings.TrimSpace(e.body))
}

func (f *lambdaFunc) invoke(ctx context.Context, ev *lambdaedge.Event, limits lambdaedge.Limits) (json.RawMessage, error) {
	body, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, limits.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://lambda-edge.invalid/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	rec := &resultWriter{header: http.Header{}, max: maxLambdaResult}
	f.pool.Serve(rec, req, f.id, worker.RequestInfo{URL: req.URL.String()})
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if rec.status != http.StatusOK || rec.over {
		if rec.over {
			rec.buf.Reset()
			rec.buf.WriteString("the result is over 2 MB")
		}
		return nil, &invokeError{name: f.name, status: rec.status, body: rec.buf.String()}
	}
	return rec.buf.Bytes(), nil
}

// resultWriter keeps a handler's (bounded) response in memory.
type resultWriter struct {
	header http.Header
	status int
	buf    bytes.Buffer
	max    int
	over   bool
}

func (w *resultWriter) Header() http.Header { return w.header }

func (w *resultWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *resultWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.buf.Len()+len(p) > w.max {
		w.over = true
		return 0, errors.New("result too large")
	}
	return w.buf.Write(p)
}

// lambdaTriggers are a route's handlers and what the events need.
type lambdaTriggers struct {
	log        *slog.Logger
	cfg        LambdaEdgeConfig
	fns        map[lambdaedge.EventType]*lambdaFunc
	originURL  *url.URL // the route's origin, cf.request.origin in origin events
	originHost string
	switchTo   *httputil.ReverseProxy // origin-request switched the origin
}

func (lt *lambdaTriggers) config(r *http.Request, t lambdaedge.EventType) lambdaedge.Config {
	id := lt.cfg.DistributionID
	if id == "" {
		id = "VERGE"
	}
	var b [18]byte
	rand.Read(b[:])
	return lambdaedge.Config{DistributionDomainName: stripPort(r.Host), DistributionID: id, EventType: t,
		RequestID: base64.RawURLEncoding.EncodeToString(b[:])}
}

// origin is cf.request.origin for origin events: the route's origin.
func (lt *lambdaTriggers) origin() *lambdaedge.Origin {
	if lt.originURL == nil {
		return nil
	}
	u := lt.originURL
	port, _ := strconv.Atoi(u.Port())
	if port == 0 {
		port = 80
		if u.Scheme == "https" {
			port = 443
		}
	}
	return &lambdaedge.Origin{Custom: &lambdaedge.CustomOrigin{
		CustomHeaders: lambdaedge.Headers{}, DomainName: u.Hostname(), KeepaliveTimeout: 5, Path: strings.TrimSuffix(u.Path, "/"),
		Port: port, Protocol: u.Scheme, ReadTimeout: 30, SSLProtocols: []string{"TLSv1.2"},
	}}
}

func (lt *lambdaTriggers) request(r *http.Request, t lambdaedge.EventType, body bool) (*lambdaedge.Request, error) {
	opts := lambdaedge.RequestOptions{EventType: t, IncludeBody: body && lt.cfg.IncludeBody}
	if info := edgeinfo.From(r.Context()); info != nil {
		if info.ClientIP.IsValid() {
			opts.ClientIP = info.ClientIP.String()
		}
		// CloudFront adds its viewer headers after the viewer-request
		// event, so origin events see them.
		if t == lambdaedge.OriginRequest {
			opts.ExtraHeaders = geo.CloudFrontHeaders(info.Location)
		}
	}
	if t == lambdaedge.OriginRequest {
		opts.Origin = lt.origin()
	}
	return lambdaedge.NewRequest(r, opts)
}

// fail answers a request whose trigger failed the way CloudFront does (503
// for a function error, 502 for an invalid result) and logs why.
func (lt *lambdaTriggers) fail(rw http.ResponseWriter, r *http.Request, t lambdaedge.EventType, err error) {
	status := http.StatusServiceUnavailable
	var le *lambdaedge.Error
	if errors.As(err, &le) {
		status = le.Status()
	}
	lt.log.Warn("Lambda@Edge trigger failed", "trigger", string(t), "function", lt.fnName(t), "status", status,
		"method", r.Method, "path", r.URL.Path, "err", err)
	http.Error(rw, fmt.Sprintf("verge: Lambda@Edge %s: %v", t, err), status)
}

func (lt *lambdaTriggers) fnName(t lambdaedge.EventType) string {
	if fn := lt.fns[t]; fn != nil {
		return fn.name
	}
	return ""
}

// requestTrigger runs a viewer-request or origin-request handler in front
// of next.
type requestTrigger struct {
	lt   *lambdaTriggers
	t    lambdaedge.EventType
	fn   *lambdaFunc
	next http.Handler
}

func (h *requestTrigger) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	t := h.t
	req, err := h.lt.request(r, t, true)
	if err != nil {
		h.lt.fail(rw, r, t, err)
		return
	}
	limits := h.lt.cfg.limits(t)
	raw, err := h.fn.invoke(r.Context(), lambdaedge.NewEvent(h.lt.config(r, t), req, nil), limits)
	if err != nil {
		h.lt.fail(rw, r, t, err)
		return
	}
	res, err := lambdaedge.ParseResult(raw)
	if err != nil {
		h.lt.fail(rw, r, t, err)
		return
	}
	if res.Response != nil {
		if err := lambdaedge.WriteResponse(t, rw, res.Response, limits); err != nil {
			h.lt.fail(rw, r, t, err)
		}
		return
	}
	out, err := lambdaedge.ApplyRequest(t, r, res.Request)
	if err != nil {
		h.lt.fail(rw, r, t, err)
		return
	}
	if t == lambdaedge.OriginRequest && out.URL.Host != "" {
		if out.URL.Host == h.lt.originHost {
			// The route's own origin: it adds its path and headers again.
			out.URL.Path = strings.TrimPrefix(out.URL.Path, strings.TrimSuffix(h.lt.originURL.Path, "/"))
			out.URL.RawPath = ""
			out.URL.Scheme, out.URL.Host = "", ""
		} else {
			h.lt.switchTo.ServeHTTP(rw, out)
			return
		}
	}
	h.next.ServeHTTP(rw, out)
}

// responseTrigger runs an origin-response or viewer-response handler on
// the response next writes, before its body.
type responseTrigger struct {
	lt   *lambdaTriggers
	t    lambdaedge.EventType
	fn   *lambdaFunc
	next http.Handler
}

func (h *responseTrigger) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w := &triggerWriter{rw: rw, h: h, r: r, header: http.Header{}}
	h.next.ServeHTTP(w, r)
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
}

// triggerWriter holds back the response's header until the handler has
// seen (and maybe changed) it.
type triggerWriter struct {
	rw      http.ResponseWriter
	h       *responseTrigger
	r       *http.Request
	header  http.Header
	wrote   bool
	discard bool // the body was replaced or the trigger failed
}

func (w *triggerWriter) Header() http.Header { return w.header }

func (w *triggerWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	t := w.h.t
	resp := &http.Response{StatusCode: code, Status: strconv.Itoa(code) + " " + http.StatusText(code), Header: w.header, ContentLength: -1}
	if cl, err := strconv.ParseInt(w.header.Get("Content-Length"), 10, 64); err == nil {
		resp.ContentLength = cl
	}
	reqType := lambdaedge.ViewerRequest
	if t == lambdaedge.OriginResponse {
		reqType = lambdaedge.OriginRequest
	}
	err := func() error {
		req, err := w.h.lt.request(w.r, reqType, false)
		if err != nil {
			return err
		}
		ev := lambdaedge.NewEvent(w.h.lt.config(w.r, t), req, lambdaedge.NewResponse(resp))
		raw, err := w.h.fn.invoke(w.r.Context(), ev, w.h.lt.cfg.limits(t))
		if err != nil {
			return err
		}
		res, err := lambdaedge.ParseResult(raw)
		if err != nil {
			return err
		}
		return lambdaedge.ApplyResponse(t, resp, res.Response)
	}()
	if err != nil {
		w.discard = true
		w.h.lt.fail(w.rw, w.r, t, err)
		return
	}
	dst := w.rw.Header()
	for k := range dst {
		delete(dst, k)
	}
	for k, v := range resp.Header {
		dst[k] = v
	}
	w.rw.WriteHeader(resp.StatusCode)
	if resp.Body != nil {
		w.discard = true
		io.Copy(w.rw, resp.Body)
	}
}

func (w *triggerWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.discard {
		return len(p), nil
	}
	return w.rw.Write(p)
}

func (w *triggerWriter) Flush() {
	if f, ok := w.rw.(http.Flusher); ok && w.wrote && !w.discard {
		f.Flush()
	}
}

// newLambdaTriggers resolves the trigger table's project names.
func (s *Server) newLambdaTriggers(cfg LambdaEdgeConfig, byName map[string]*project, o *origin, origins map[string]*origin) (*lambdaTriggers, error) {
	lt := &lambdaTriggers{log: s.log, cfg: cfg, fns: map[lambdaedge.EventType]*lambdaFunc{}}
	for t, name := range map[lambdaedge.EventType]string{
		lambdaedge.ViewerRequest: cfg.ViewerRequest, lambdaedge.OriginRequest: cfg.OriginRequest,
		lambdaedge.OriginResponse: cfg.OriginResponse, lambdaedge.ViewerResponse: cfg.ViewerResponse,
	} {
		if name == "" {
			continue
		}
		key := "lambda_edge." + strings.ReplaceAll(string(t), "-", "_")
		pr := byName[name]
		if pr == nil {
			return nil, fmt.Errorf("%s: no project named %q", key, name)
		}
		if info, ok := s.pool.Info(pr.spec.ID); !ok || info.Style != "lambda-edge" {
			return nil, fmt.Errorf("%s: project %q is not a Lambda@Edge handler (exports.handler = async (event, context) => ...)", key, name)
		}
		lt.fns[t] = &lambdaFunc{pool: s.pool, id: pr.spec.ID, name: name}
	}
	if len(lt.fns) == 0 {
		return nil, errors.New("lambda_edge: name a project for at least one trigger")
	}
	if cfg.ViewerTimeout.Duration < 0 || cfg.OriginTimeout.Duration < 0 || cfg.MaxViewerResponseKB < 0 || cfg.MaxOriginResponseKB < 0 {
		return nil, errors.New("lambda_edge: timeouts and sizes must not be negative")
	}
	if o != nil {
		lt.originURL, lt.originHost = o.url, o.url.Host
	}
	allowed := map[string]bool{}
	for _, o := range origins {
		allowed[canonicalHostPort(o.url)] = true
	}
	lt.switchTo = &httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetXForwarded() },
		Transport: fetch.GuardedTransport(func(hostport string) bool { return allowed[hostport] }),
		ErrorHandler: func(rw http.ResponseWriter, r *http.Request, err error) {
			http.Error(rw, "verge: Lambda@Edge origin: "+err.Error(), http.StatusBadGateway)
		},
	}
	return lt, nil
}

// wrap puts the triggers around the route's handlers: viewer-request and
// viewer-response around the cache (outer), origin-request and
// origin-response around the origin (inner, so they run on misses only and
// before a response is cached).
func (lt *lambdaTriggers) wrapOrigin(h http.Handler) http.Handler {
	if fn := lt.fns[lambdaedge.OriginResponse]; fn != nil {
		h = &responseTrigger{lt: lt, t: lambdaedge.OriginResponse, fn: fn, next: h}
	}
	if fn := lt.fns[lambdaedge.OriginRequest]; fn != nil {
		h = &requestTrigger{lt: lt, t: lambdaedge.OriginRequest, fn: fn, next: h}
	}
	return h
}

func (lt *lambdaTriggers) wrapViewer(h http.Handler) http.Handler {
	if fn := lt.fns[lambdaedge.ViewerResponse]; fn != nil {
		h = &responseTrigger{lt: lt, t: lambdaedge.ViewerResponse, fn: fn, next: h}
	}
	if fn := lt.fns[lambdaedge.ViewerRequest]; fn != nil {
		h = &requestTrigger{lt: lt, t: lambdaedge.ViewerRequest, fn: fn, next: h}
	}
	return h
}

// canonicalHostPort is u's host:port with the scheme's default port.
func canonicalHostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	port := "80"
	if u.Scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
}
