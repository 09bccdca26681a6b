// Package kv is the Workers KV binding: env.MY_KV.get(key, type),
// getWithMetadata, put(key, value, { expiration, expirationTtl, metadata }),
// delete and list({ prefix, limit, cursor }), over a Store: the node's KV
// (package kv, JetStream), in process (verge dev) or in the front, reached
// from an isolate host over its services connection.
package kv

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/verge-edge/verge/engine"
	"github.com/verge-edge/verge/kv"
)

//go:embed kv.js
var source string

// Type is the binding type in worker.Binding.
const Type = "kv"

// Extension returns the binding's script and ops.
func Extension() engine.Extension {
	return engine.Extension{
		Name:    "kv",
		Scripts: []engine.Script{{Name: "ext:bindings/kv.js", Source: source}},
		Ops: map[string]engine.Op{
			"kv_get":    opGet,
			"kv_put":    opPut,
			"kv_delete": opDelete,
			"kv_list":   opList,
		},
	}
}

// Config is one [[kv_namespaces]] binding, as the worker's Binding config.
type Config struct {
	Namespace string `json:"namespace"`
}

// JSON returns c as a binding config.
func (c Config) JSON() json.RawMessage {
	b, _ := json.Marshal(c) // plain fields: cannot fail
	return b
}

// Store holds the namespaces' keys.
type Store interface {
	Get(ctx context.Context, ns, key string) (value []byte, meta json.RawMessage, found bool, err error)
	Put(ctx context.Context, ns, key string, value []byte, opts kv.PutOptions) error
	Delete(ctx context.Context, ns, key string) error
	List(ctx context.Context, ns string, opts kv.ListOptions) (kv.ListResult, error)
}

const stateKey = "bindings.kv"

// timeout bounds one KV call, which may cross a process and the network.
const timeout = 30 * time.Second

// SetStore sets the VM's store; without one, KV calls reject.
func SetStore(vm *engine.VM, s Store) {
	if s != nil {
		vm.SetState(stateKey, s)
	}
}

func store(c *engine.Call) (Store, error) {
	s, _ := c.VM.State(stateKey).(Store)
	if s == nil {
		return nil, engine.TypeError("KV is not available here")
	}
	return s, nil
}

// strings reads the first n string arguments.
func stringArgs(c *engine.Call, n int) ([]string, error) {
	out := make([]string, n)
	for i := range out {
		s, err := c.String(i)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// call runs f off the VM's goroutine and settles with done's value, or
// rejects with "KV <op> failed: <err>" as Cloudflare words it.
func call(c *engine.Call, op string, f func(ctx context.Context) (func(vm *engine.VM) (engine.Value, error), error)) (engine.Value, error) {
	return c.Async(func(ctx context.Context) engine.Completion {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		done, err := f(ctx)
		cancel()
		return func(vm *engine.VM) (engine.Value, error) {
			if err != nil {
				return engine.Value{}, fmt.Errorf("KV %s failed: %w", op, err)
			}
			return done(vm)
		}
	})
}

func opGet(c *engine.Call) (engine.Value, error) {
	s, err := store(c)
	if err != nil {
		return engine.Value{}, err
	}
	a, err := stringArgs(c, 2)
	if err != nil {
		return engine.Value{}, err
	}
	return call(c, "GET", func(ctx context.Context) (func(*engine.VM) (engine.Value, error), error) {
		value, meta, found, err := s.Get(ctx, a[0], a[1])
		return func(vm *engine.VM) (engine.Value, error) {
			if !found {
				return vm.Null(), nil
			}
			o := vm.NewObject()
			if err := o.Set("value", vm.NewBytes(value)); err != nil {
				o.Free()
				return engine.Value{}, err
			}
			if err := o.Set("metadata", vm.NewString(string(meta))); err != nil {
				o.Free()
				return engine.Value{}, err
			}
			return o, nil
		}, err
	})
}

func opPut(c *engine.Call) (engine.Value, error) {
	s, err := store(c)
	if err != nil {
		return engine.Value{}, err
	}
	a, err := stringArgs(c, 2)
	if err != nil {
		return engine.Value{}, err
	}
	value, err := c.Bytes(2)
	if err != nil {
		return engine.Value{}, err
	}
	expiration, err := c.Float(3)
	if err != nil {
		return engine.Value{}, err
	}
	ttl, err := c.Float(4)
	if err != nil {
		return engine.Value{}, err
	}
	meta, err := c.String(5)
	if err != nil {
		return engine.Value{}, err
	}
	var opts kv.PutOptions
	if expiration > 0 {
		opts.Expiration = time.Unix(int64(expiration), 0)
	}
	if ttl > 0 {
		opts.ExpirationTTL = time.Duration(ttl) * time.Second
	}
	if meta != "" {
		opts.Metadata = json.RawMessage(meta)
	}
	return call(c, "PUT", func(ctx context.Context) (func(*engine.VM) (engine.Value, error), error) {
		err := s.Put(ctx, a[0], a[1], value, opts)
		return func(vm *engine.VM) (engine.Value, error) { return vm.Undefined(), nil }, err
	})
}

func opDelete(c *engine.Call) (engine.Value, error) {
	s, err := store(c)
	if err != nil {
		return engine.Value{}, err
	}
	a, err := stringArgs(c, 2)
	if err != nil {
		return engine.Value{}, err
	}
	return call(c, "DELETE", func(ctx context.Context) (func(*engine.VM) (engine.Value, error), error) {
		err := s.Delete(ctx, a[0], a[1])
		return func(vm *engine.VM) (engine.Value, error) { return vm.Undefined(), nil }, err
	})
}

func opList(c *engine.Call) (engine.Value, error) {
	s, err := store(c)
	if err != nil {
		return engine.Value{}, err
	}
	a, err := stringArgs(c, 2)
	if err != nil {
		return engine.Value{}, err
	}
	limit, err := c.Int(2)
	if err != nil {
		return engine.Value{}, err
	}
	cursor, err := c.String(3)
	if err != nil {
		return engine.Value{}, err
	}
	return call(c, "LIST", func(ctx context.Context) (func(*engine.VM) (engine.Value, error), error) {
		res, err := s.List(ctx, a[0], kv.ListOptions{Prefix: a[1], Limit: int(limit), Cursor: cursor})
		var js []byte
		if err == nil {
			js, err = json.Marshal(res)
		}
		return func(vm *engine.VM) (engine.Value, error) { return vm.NewString(string(js)), nil }, err
	})
}
