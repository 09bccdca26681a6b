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

	httpcache "github.com/verge-edge/verge/cache"
	webcache "github.com/verge-edge/verge/webapi/cache"
	"golang.org/x/net/http2"
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
	cc, err := (&http2.Transport{AllowHTTP: true}).NewClientConn(conn)
	if err != nil {
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

// ServicesHandler is the front's side of the services connection, over
// the node's cache.
func ServicesHandler(c *httpcache.Cache) http.Handler {
	mux := http.NewServeMux()
	decode := func(r *http.Request, meta *cacheCall) error {
		if h := r.Header.Get("Verge-Cache"); h != "" {
			s, err := url.QueryUnescape(h)
			if err != nil {
				return err
			}
			return json.Unmarshal([]byte(s), meta)
		}
		return json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(meta)
	}
	request := func(meta *cacheCall) (*http.Request, error) {
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
	fail := func(rw http.ResponseWriter, err error) { http.Error(rw, err.Error(), http.StatusBadRequest) }
	mux.HandleFunc("POST /cache/match", func(rw http.ResponseWriter, r *http.Request) {
		var meta cacheCall
		if err := decode(r, &meta); err != nil {
			fail(rw, err)
			return
		}
		req, err := request(&meta)
		if err != nil {
			fail(rw, err)
			return
		}
		obj, ok, err := webcache.Local(c, meta.NS).Match(r.Context(), meta.Name, req, meta.IgnoreMethod)
		if err != nil {
			fail(rw, err)
			return
		}
		if !ok {
			rw.WriteHeader(http.StatusNotFound)
			return
		}
		m, _ := json.Marshal(cacheCall{Status: obj.Status, ResponseHeader: obj.Header})
		rw.Header().Set("Verge-Cache", string(m))
		rw.Write(obj.Body)
	})
	mux.HandleFunc("POST /cache/put", func(rw http.ResponseWriter, r *http.Request) {
		var meta cacheCall
		if err := decode(r, &meta); err != nil {
			fail(rw, err)
			return
		}
		req, err := request(&meta)
		if err != nil {
			fail(rw, err)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			fail(rw, err)
			return
		}
		err = webcache.Local(c, meta.NS).Put(r.Context(), meta.Name, req, httpcache.Object{Status: meta.Status, Header: meta.ResponseHeader, Body: body})
		if err != nil {
			fail(rw, err)
			return
		}
		rw.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /cache/delete", func(rw http.ResponseWriter, r *http.Request) {
		var meta cacheCall
		if err := decode(r, &meta); err != nil {
			fail(rw, err)
			return
		}
		req, err := request(&meta)
		if err != nil {
			fail(rw, err)
			return
		}
		deleted, err := webcache.Local(c, meta.NS).Delete(r.Context(), meta.Name, req, meta.IgnoreMethod)
		if err != nil {
			fail(rw, err)
			return
		}
		json.NewEncoder(rw).Encode(map[string]bool{"deleted": deleted})
	})
	return mux
}
