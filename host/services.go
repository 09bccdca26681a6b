package host

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync/atomic"
	"time"

	httpcache "github.com/verge-edge/verge/cache"
	"github.com/verge-edge/verge/policy/ratelimit"
	webcache "github.com/verge-edge/verge/webapi/cache"
)

// ServicesFD is the file descriptor of a host's connection to the front's
// services, present when the environment has ServicesEnv=1.
const (
	ServicesFD  = 4
	ServicesEnv = "VERGE_SERVICES"
)

// servicesClient opens the inherited services connection: HTTP/2 without
// TLS over a socket pair (see hostpool).
func servicesClient() (http.RoundTripper, error) {
	if os.Getenv(ServicesEnv) != "1" {
		return nil, nil
	}
	f := os.NewFile(ServicesFD, "services")
	if f == nil {
		return nil, errors.New("host: no services connection on fd 4")
	}
	conn, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("host: services connection: %w", err)
	}
	// One connection, made by the front: the transport "dials" it once.
	var dialed atomic.Bool
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	tr := &http.Transport{
		Protocols: &protocols,
		DialContext: func(context.Context, string, string) (net.Conn, error) {
			if dialed.Swap(true) {
				return nil, errors.New("host: the services connection is closed")
			}
			return conn, nil
		},
	}
	cc, err := tr.NewClientConn(context.Background(), "http", "front:80")
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("host: services connection: %w", err)
	}
	return cc, nil
}

// Services protocol, spoken between host and front. The front's side is
// ServicesHandler.
//
//	POST /cache/match   {ns, name, method, url, header, ignoreMethod} -> 200 {status, header} + body, or 404
//	POST /cache/put     header Verge-Cache: {ns, name, url, header, status, responseHeader}; body = the response body
//	POST /cache/delete  {ns, name, method, url, ignoreMethod} -> {deleted}
//	POST /ratelimit     {scope, namespace, limit, periodMs, key} -> {success}
type cacheCall struct {
	NS             string      `json:"ns"`
	Name           string      `json:"name"`
	Method         string      `json:"method,omitempty"`
	URL            string      `json:"url"`
	Header         http.Header `json:"header,omitempty"`
	IgnoreMethod   bool        `json:"ignoreMethod,omitempty"`
	Status         int         `json:"status,omitempty"`
	ResponseHeader http.Header `json:"responseHeader,omitempty"`
}

// remoteCache is the Cache API store of a worker in a host: the front's
// cache, in the worker's own namespace (ns), so one tenant's worker can
// neither read nor poison another's entries.
type remoteCache struct {
	rt http.RoundTripper
	ns string
}

func (c remoteCache) call(ctx context.Context, path string, body io.Reader, meta *cacheCall) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://front"+path, body)
	if err != nil {
		return nil, err
	}
	m, _ := json.Marshal(meta)
	if body == nil {
		req.Body = io.NopCloser(bytes.NewReader(m))
		req.ContentLength = int64(len(m))
	} else {
		req.Header.Set("Verge-Cache", url.QueryEscape(string(m)))
	}
	resp, err := c.rt.RoundTrip(req)
	if err != nil {
		return nil, fmt.Errorf("cache service: %w", err)
	}
	if resp.StatusCode >= 400 && resp.StatusCode != http.StatusNotFound {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		return nil, fmt.Errorf("cache service: %s", bytes.TrimSpace(b))
	}
	return resp, nil
}

func (c remoteCache) Match(ctx context.Context, name string, req *http.Request, ignoreMethod bool) (httpcache.Object, bool, error) {
	resp, err := c.call(ctx, "/cache/match", nil, &cacheCall{NS: c.ns, Name: name, Method: req.Method, URL: req.URL.String(), Header: req.Header, IgnoreMethod: ignoreMethod})
	if err != nil {
		return httpcache.Object{}, false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return httpcache.Object{}, false, nil
	}
	var meta cacheCall
	if err := json.Unmarshal([]byte(resp.Header.Get("Verge-Cache")), &meta); err != nil {
		return httpcache.Object{}, false, fmt.Errorf("cache service: %w", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return httpcache.Object{}, false, fmt.Errorf("cache service: %w", err)
	}
	return httpcache.Object{Status: meta.Status, Header: meta.ResponseHeader, Body: body}, true, nil
}

func (c remoteCache) Put(ctx context.Context, name string, req *http.Request, obj httpcache.Object) error {
	resp, err := c.call(ctx, "/cache/put", bytes.NewReader(obj.Body), &cacheCall{NS: c.ns, Name: name, URL: req.URL.String(), Header: req.Header, Status: obj.Status, ResponseHeader: obj.Header})
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

func (c remoteCache) Delete(ctx context.Context, name string, req *http.Request, ignoreMethod bool) (bool, error) {
	resp, err := c.call(ctx, "/cache/delete", nil, &cacheCall{NS: c.ns, Name: name, Method: req.Method, URL: req.URL.String(), IgnoreMethod: ignoreMethod})
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	var out struct{ Deleted bool }
	err = json.NewDecoder(resp.Body).Decode(&out)
	return out.Deleted, err
}

// Services are what the front offers isolate hosts.
type Services struct {
	// Cache stores the Cache API's responses.
	Cache *httpcache.Cache
	// RateLimits count for the rate limiting bindings.
	RateLimits *ratelimit.Namespaces
	// KV holds the KV bindings' namespaces.
	KV KVStore
}

// ServicesHandler is the front's side of the services connection.
func ServicesHandler(s Services) http.Handler {
	mux := http.NewServeMux()
	fail := func(rw http.ResponseWriter, err error) { http.Error(rw, err.Error(), http.StatusBadRequest) }
	// cacheOp decodes a Cache API call and its request; serve returns an
	// error only before it writes.
	cacheOp := func(path string, serve func(rw http.ResponseWriter, r *http.Request, meta *cacheCall, store webcache.Store, req *http.Request) error) {
		mux.HandleFunc("POST "+path, func(rw http.ResponseWriter, r *http.Request) {
			var meta cacheCall
			req, err := meta.decode(r)
			if err == nil {
				err = serve(rw, r, &meta, webcache.Local(s.Cache, meta.NS), req)
			}
			if err != nil {
				fail(rw, err)
			}
		})
	}
	cacheOp("/cache/match", func(rw http.ResponseWriter, r *http.Request, meta *cacheCall, store webcache.Store, req *http.Request) error {
		obj, ok, err := store.Match(r.Context(), meta.Name, req, meta.IgnoreMethod)
		if err != nil {
			return err
		}
		if !ok {
			rw.WriteHeader(http.StatusNotFound)
			return nil
		}
		m, _ := json.Marshal(cacheCall{Status: obj.Status, ResponseHeader: obj.Header})
		rw.Header().Set("Verge-Cache", string(m))
		rw.Write(obj.Body)
		return nil
	})
	cacheOp("/cache/put", func(rw http.ResponseWriter, r *http.Request, meta *cacheCall, store webcache.Store, req *http.Request) error {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		if err := store.Put(r.Context(), meta.Name, req, httpcache.Object{Status: meta.Status, Header: meta.ResponseHeader, Body: body}); err != nil {
			return err
		}
		rw.WriteHeader(http.StatusNoContent)
		return nil
	})
	cacheOp("/cache/delete", func(rw http.ResponseWriter, r *http.Request, meta *cacheCall, store webcache.Store, req *http.Request) error {
		deleted, err := store.Delete(r.Context(), meta.Name, req, meta.IgnoreMethod)
		if err != nil {
			return err
		}
		return json.NewEncoder(rw).Encode(map[string]bool{"deleted": deleted})
	})
	kvHandlers(mux, s.KV)
	mux.HandleFunc("POST /ratelimit", func(rw http.ResponseWriter, r *http.Request) {
		var call limitCall
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&call); err != nil {
			fail(rw, err)
			return
		}
		if s.RateLimits == nil {
			fail(rw, errors.New("rate limiting is not configured on this node"))
			return
		}
		ok, err := s.RateLimits.Limit(call.Scope, call.Namespace, call.Limit, time.Duration(call.PeriodMs)*time.Millisecond, call.Key)
		if err != nil {
			fail(rw, err)
			return
		}
		json.NewEncoder(rw).Encode(limitResult{Success: ok})
	})
	return mux
}

// decode reads a Cache API call from r (its body, or the Verge-Cache
// header when the body is a response body) and makes its request.
func (meta *cacheCall) decode(r *http.Request) (*http.Request, error) {
	var err error
	if h := r.Header.Get("Verge-Cache"); h != "" {
		var s string
		if s, err = url.QueryUnescape(h); err == nil {
			err = json.Unmarshal([]byte(s), meta)
		}
	} else {
		err = json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(meta)
	}
	if err != nil {
		return nil, err
	}
	method := meta.Method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequest(method, meta.URL, nil)
	if err != nil {
		return nil, err
	}
	if meta.Header != nil {
		req.Header = meta.Header
	}
	return req, nil
}

// limitCall is a rate limiting binding's call.
type limitCall struct {
	Scope     string `json:"scope"`
	Namespace string `json:"namespace"`
	Limit     int    `json:"limit"`
	PeriodMs  int64  `json:"periodMs"`
	Key       string `json:"key"`
}

type limitResult struct {
	Success bool `json:"success"`
}

// remoteLimiter counts a worker's rate limiting bindings in the front,
// scoped to the worker's name.
type remoteLimiter struct {
	rt    http.RoundTripper
	scope string
}

func (l remoteLimiter) Limit(ctx context.Context, namespace string, limit int, period time.Duration, key string) (bool, error) {
	b, _ := json.Marshal(limitCall{Scope: l.scope, Namespace: namespace, Limit: limit, PeriodMs: period.Milliseconds(), Key: key})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://front/ratelimit", bytes.NewReader(b))
	if err != nil {
		return false, err
	}
	resp, err := l.rt.RoundTrip(req)
	if err != nil {
		return false, fmt.Errorf("rate limit service: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return false, fmt.Errorf("rate limit service: %s", bytes.TrimSpace(msg))
	}
	var res limitResult
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return false, fmt.Errorf("rate limit service: %w", err)
	}
	return res.Success, nil
}
