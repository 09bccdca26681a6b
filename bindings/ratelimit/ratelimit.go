// Package ratelimit is the worker binding for rate limiting, with
// Cloudflare's shape: env.MY_LIMITER.limit({ key }) resolves to
// { success }. The counting is done by a Limiter outside the VM: the PoP
// front (policy/ratelimit), reached from isolate hosts over the services
// connection, or an in-process one in verge dev.
package ratelimit

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/verge-edge/verge/engine"
)

//go:embed ratelimit.js
var source string

// Type is the binding type in worker.Binding.
const Type = "ratelimit"

// Extension returns the binding's script and op.
func Extension() engine.Extension {
	return engine.Extension{
		Name:    "ratelimit",
		Scripts: []engine.Script{{Name: "ext:bindings/ratelimit.js", Source: source}},
		Ops:     map[string]engine.Op{"ratelimit_limit": opLimit},
	}
}

// Config is one [[ratelimits]] binding, as the worker's Binding config.
type Config struct {
	Namespace string `json:"namespace"`
	Limit     int    `json:"limit"`
	Period    int    `json:"period"` // seconds
}

// JSON returns c as a binding config.
func (c Config) JSON() json.RawMessage {
	b, _ := json.Marshal(c) // plain fields: cannot fail
	return b
}

// Limiter counts requests. It scopes namespaces itself (per worker), so
// one tenant's limiter cannot spend another's quota.
type Limiter interface {
	Limit(ctx context.Context, namespace string, limit int, period time.Duration, key string) (bool, error)
}

const stateKey = "bindings.ratelimit"

// timeout bounds a call to the Limiter, which may cross a process.
const timeout = 5 * time.Second

// SetLimiter sets the VM's Limiter; without one, limit() rejects.
func SetLimiter(vm *engine.VM, l Limiter) {
	if l != nil {
		vm.SetState(stateKey, l)
	}
}

func opLimit(c *engine.Call) (engine.Value, error) {
	ns, err := c.String(0)
	if err != nil {
		return engine.Value{}, err
	}
	limit, err := c.Int(1)
	if err != nil {
		return engine.Value{}, err
	}
	period, err := c.Int(2)
	if err != nil {
		return engine.Value{}, err
	}
	key, err := c.String(3)
	if err != nil {
		return engine.Value{}, err
	}
	l, _ := c.VM.State(stateKey).(Limiter)
	if l == nil {
		return engine.Value{}, engine.TypeError("rate limiting is not available here")
	}
	return c.Async(func(ctx context.Context) engine.Completion {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		ok, err := l.Limit(ctx, ns, int(limit), time.Duration(period)*time.Second, key)
		cancel()
		return func(vm *engine.VM) (engine.Value, error) {
			if err != nil {
				return engine.Value{}, fmt.Errorf("rate limiter: %w", err)
			}
			return vm.NewBool(ok), nil
		}
	})
}
