// Package cache implements the Workers Cache API (caches.default,
// caches.open) over a Store: the PoP's HTTP cache, in process (verge dev)
// or in the front, reached from an isolate host over its services
// connection.
package cache

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	httpcache "github.com/verge-edge/verge/cache"
	"github.com/verge-edge/verge/engine"
)

//go:embed cache.js
var source string

// Extension returns the Cache API. It needs fetch (Request, Response)
// and headers before it.
func Extension() engine.Extension {
	return engine.Extension{
		Name:    "cache",
		Scripts: []engine.Script{{Name: "ext:cache/cache.js", Source: source}},
		Lazy:    []string{"caches", "Cache", "CacheStorage"},
		Ops: map[string]engine.Op{
			"cache_match":  opMatch,
			"cache_put":    opPut,
			"cache_delete": opDelete,
		},
	}
}

// Store is where the Cache API keeps responses. name is "" for
// caches.default.
type Store interface {
	Match(ctx context.Context, name string, req *http.Request, ignoreMethod bool) (httpcache.Object, bool, error)
	Put(ctx context.Context, name string, req *http.Request, obj httpcache.Object) error
	Delete(ctx context.Context, name string, req *http.Request, ignoreMethod bool) (bool, error)
}

// Local is a Store on a cache in this process. Its caches live in their
// own namespace ns (the worker's name), so one tenant's worker can neither
// read nor poison another's entries; unlike Cloudflare's zone-wide
// caches.default, they are not shared with the HTTP cache.
func Local(c *httpcache.Cache, ns string) Store { return local{c, ns} }

type local struct {
	c  *httpcache.Cache
	ns string
}

func (l local) name(name string) string {
	if name == "" {
		name = "default"
	}
	return l.ns + "/" + name
}

func (l local) Match(_ context.Context, name string, req *http.Request, ignoreMethod bool) (httpcache.Object, bool, error) {
	return l.c.APIMatch(l.name(name), req, ignoreMethod)
}

func (l local) Put(_ context.Context, name string, req *http.Request, obj httpcache.Object) error {
	return l.c.APIPut(l.name(name), req, obj)
}

func (l local) Delete(_ context.Context, name string, req *http.Request, ignoreMethod bool) (bool, error) {
	return l.c.APIDelete(l.name(name), req, ignoreMethod)
}

const stateKey = "cache"

type state struct{ store Store }

// SetStore sets the VM's store; without one the Cache API stores nothing
// (as workerd without a cache service).
func SetStore(vm *engine.VM, s Store) {
	vm.SetState(stateKey, &state{store: s})
}

func storeOf(vm *engine.VM) Store {
	if st, ok := vm.State(stateKey).(*state); ok {
		return st.store
	}
	return nil
}

// timeout bounds one Cache API call.
const timeout = 10 * time.Second

func request(method, url, flat string) (*http.Request, error) {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return nil, engine.TypeError("Invalid cache key: %v", err)
	}
	if flat != "" {
		if req.Header, err = headersFromJSON(flat); err != nil {
			return nil, err
		}
	}
	return req, nil
}

func headersFromJSON(s string) (http.Header, error) {
	var flat []string
	if err := json.Unmarshal([]byte(s), &flat); err != nil || len(flat)%2 != 0 {
		return nil, errors.New("cache: malformed header list")
	}
	h := make(http.Header, len(flat)/2)
	for i := 0; i < len(flat); i += 2 {
		h.Add(flat[i], flat[i+1])
	}
	return h, nil
}

func opMatch(c *engine.Call) (engine.Value, error) {
	name, _ := c.String(0)
	method, _ := c.String(1)
	url, _ := c.String(2)
	flat, _ := c.String(3)
	ignoreMethod := c.Bool(4)
	req, err := request(method, url, flat)
	if err != nil {
		return engine.Value{}, err
	}
	store := storeOf(c.VM)
	return c.Async(func(ctx context.Context) engine.Completion {
		var obj httpcache.Object
		var ok bool
		var err error
		if store != nil {
			ctx, cancel := context.WithTimeout(ctx, timeout)
			obj, ok, err = store.Match(ctx, name, req.WithContext(ctx), ignoreMethod)
			cancel()
		}
		return func(vm *engine.VM) (engine.Value, error) {
			if err != nil {
				return engine.Value{}, fmt.Errorf("cache.match: %w", err)
			}
			if !ok {
				return vm.Null(), nil
			}
			var flat []string
			for k, vs := range obj.Header {
				for _, v := range vs {
					flat = append(flat, k, v)
				}
			}
			hj, _ := json.Marshal(flat)
			o := vm.NewObject()
			o.Set("status", vm.NewInt(int64(obj.Status)))
			o.Set("headers", vm.NewString(string(hj)))
			o.Set("body", vm.NewBytes(obj.Body))
			return o, nil
		}
	})
}

func opPut(c *engine.Call) (engine.Value, error) {
	name, _ := c.String(0)
	url, _ := c.String(1)
	reqFlat, _ := c.String(2)
	status, _ := c.Int(3)
	respFlat, _ := c.String(4)
	body, err := c.Bytes(5)
	if err != nil {
		return engine.Value{}, err
	}
	req, err := request(http.MethodGet, url, reqFlat)
	if err != nil {
		return engine.Value{}, err
	}
	hdr, err := headersFromJSON(respFlat)
	if err != nil {
		return engine.Value{}, err
	}
	store := storeOf(c.VM)
	return c.Async(func(ctx context.Context) engine.Completion {
		var err error
		if store != nil {
			ctx, cancel := context.WithTimeout(ctx, timeout)
			err = store.Put(ctx, name, req.WithContext(ctx), httpcache.Object{Status: int(status), Header: hdr, Body: body})
			cancel()
		}
		return func(vm *engine.VM) (engine.Value, error) {
			if err != nil {
				return engine.Value{}, engine.TypeError("cache.put: %v", err)
			}
			return vm.Undefined(), nil
		}
	})
}

func opDelete(c *engine.Call) (engine.Value, error) {
	name, _ := c.String(0)
	method, _ := c.String(1)
	url, _ := c.String(2)
	ignoreMethod := c.Bool(3)
	req, err := request(method, url, "")
	if err != nil {
		return engine.Value{}, err
	}
	store := storeOf(c.VM)
	return c.Async(func(ctx context.Context) engine.Completion {
		var deleted bool
		var err error
		if store != nil {
			ctx, cancel := context.WithTimeout(ctx, timeout)
			deleted, err = store.Delete(ctx, name, req.WithContext(ctx), ignoreMethod)
			cancel()
		}
		return func(vm *engine.VM) (engine.Value, error) {
			if err != nil {
				return engine.Value{}, fmt.Errorf("cache.delete: %w", err)
			}
			return vm.NewBool(deleted), nil
		}
	})
}
