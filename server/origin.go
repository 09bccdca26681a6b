package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/verge-edge/verge/edgeinfo"
	"github.com/verge-edge/verge/geo"
)

// origin forwards requests to one origin server.
type origin struct {
	name     string
	url      *url.URL
	host     string // Host header mode, see OriginConfig.HostHeader
	proxy    *httputil.ReverseProxy
	client   *http.Client // health checks
	down     atomic.Bool
	fallback *origin
	geo      []string // header sets, see OriginConfig.GeoHeaders
}

func newOrigin(name string, u *url.URL, cfg OriginConfig, log *slog.Logger) *origin {
	o := &origin{name: name, url: u, host: cfg.HostHeader, geo: cfg.GeoHeaders}
	timeout := cfg.Timeout.Duration
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	tr := &http.Transport{
		Proxy:                 nil, // never an environment proxy: origins are configured
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     true,
		TLSClientConfig:       &tls.Config{InsecureSkipVerify: cfg.InsecureSkipVerify},
	}
	o.client = &http.Client{Transport: tr, Timeout: min(cfg.HealthInterval.Duration, 5*time.Second),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	o.proxy = &httputil.ReverseProxy{
		Rewrite:   o.rewrite,
		Transport: retryTransport{tr},
		// Stream server-sent events and other unbounded bodies as they come.
		FlushInterval: -1,
		ErrorHandler: func(rw http.ResponseWriter, r *http.Request, err error) {
			status := http.StatusBadGateway
			var tooLarge *http.MaxBytesError
			switch {
			case errors.As(err, &tooLarge):
				// The client's chunked body went over [listen] max_body_mb.
				http.Error(rw, fmt.Sprintf("verge: request body over %d MB", tooLarge.Limit>>20), http.StatusRequestEntityTooLarge)
				return
			case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
				status = http.StatusGatewayTimeout
			}
			if r.Context().Err() == nil {
				log.Warn("origin failed", "origin", name, "url", u.String(), "err", err)
			}
			rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
			rw.WriteHeader(status)
			rw.Write([]byte("verge: origin " + name + " " + strings.ToLower(http.StatusText(status)) + "\n"))
		},
	}
	return o
}

func (o *origin) rewrite(pr *httputil.ProxyRequest) {
	clientHost := pr.In.Host
	pr.SetURL(o.url)
	switch o.host {
	case "":
		pr.Out.Host = clientHost
	case "origin":
		pr.Out.Host = o.url.Host
	default:
		pr.Out.Host = o.host
	}
	// X-Forwarded-For: the client as the front determined it (trusted
	// proxies' entries kept), never a client-supplied chain.
	pr.Out.Header.Del("X-Forwarded-For")
	pr.Out.Header.Del("Forwarded")
	proto := "http"
	if pr.In.TLS != nil {
		proto = "https"
	}
	pr.Out.Header.Set("X-Forwarded-Proto", proto)
	pr.Out.Header.Set("X-Forwarded-Host", clientHost)
	if info := edgeinfo.From(pr.In.Context()); info != nil && info.ClientIP.IsValid() {
		ip := info.ClientIP.String()
		pr.Out.Header.Set("X-Forwarded-For", ip)
		pr.Out.Header.Set("CF-Connecting-IP", ip)
		forIP := ip
		if info.ClientIP.Is6() {
			forIP = `"[` + ip + `]"`
		}
		pr.Out.Header.Set("Forwarded", "for="+forIP+";host="+quoteForwarded(clientHost)+";proto="+proto)
	}
	o.setGeoHeaders(pr.In, pr.Out.Header)
}

// setGeoHeaders sends the configured geolocation headers, replacing any
// the client sent.
func (o *origin) setGeoHeaders(in *http.Request, h http.Header) {
	info := edgeinfo.From(in.Context())
	for _, set := range o.geo {
		var add http.Header
		switch set {
		case "cloudflare":
			c := location(info).Country
			if c == "" {
				c = "XX" // Cloudflare's "unknown"
			}
			add = http.Header{"Cf-Ipcountry": {c}}
		case "vercel":
			deletePrefix(h, "X-Vercel-Ip-")
			add = geo.VercelHeaders(location(info))
		case "cloudfront":
			deletePrefix(h, "Cloudfront-Viewer-")
			add = geo.CloudFrontHeaders(location(info))
		}
		for k, v := range add {
			h[k] = v
		}
	}
}

func location(info *edgeinfo.Info) geo.Location {
	if info == nil {
		return geo.Location{}
	}
	return info.Location
}

// ServeHTTP forwards to this origin, or to its fallback while it is down.
func (o *origin) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if o.down.Load() && o.fallback != nil && !o.fallback.down.Load() {
		o.fallback.proxy.ServeHTTP(rw, r)
		return
	}
	o.proxy.ServeHTTP(rw, r)
}

// checkHealth probes path every interval until ctx ends.
func (o *origin) checkHealth(ctx context.Context, path string, interval time.Duration, log *slog.Logger) {
	u := *o.url
	u.Path, u.RawQuery = strings.TrimSuffix(u.Path, "/")+path, ""
	failures := 0
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		ok := o.probe(ctx, u.String())
		if ctx.Err() != nil {
			return
		}
		switch {
		case ok:
			failures = 0
			if o.down.Swap(false) {
				log.Info("origin up", "origin", o.name)
			}
		case failures < 2:
			if failures++; failures == 2 && !o.down.Swap(true) {
				log.Warn("origin down: health checks failed", "origin", o.name, "url", u.String())
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (o *origin) probe(ctx context.Context, u string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return false
	}
	req.Header.Set("User-Agent", "verge-health-check")
	resp, err := o.client.Do(req)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode < 500
}

func quoteForwarded(s string) string {
	if strings.ContainsAny(s, ":[]\" ;,") {
		return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
	}
	return s
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// retryTransport retries a request once when the connection to the origin
// failed before any of it was sent and it is safe to repeat: a method
// without side effects and no body.
type retryTransport struct{ http.RoundTripper }

func (t retryTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.RoundTripper.RoundTrip(r)
	if err == nil || r.Context().Err() != nil || !(r.Method == http.MethodGet || r.Method == http.MethodHead) ||
		(r.Body != nil && r.Body != http.NoBody) {
		return resp, err
	}
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "dial" {
		return resp, err
	}
	return t.RoundTripper.RoundTrip(r)
}

// deletePrefix removes the headers whose canonical name starts with
// prefix, so that a client cannot pass off its own geo headers as ours.
func deletePrefix(h http.Header, prefix string) {
	for k := range h {
		if strings.HasPrefix(k, prefix) {
			delete(h, k)
		}
	}
}
