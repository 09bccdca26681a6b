// Package timers implements setTimeout, setInterval and queueMicrotask on the
// VM's event loop.
package timers

import (
	_ "embed"
	"time"

	"github.com/verge-edge/verge/engine"
)

//go:embed timers.js
var source string

// state is per VM: the JS function that runs a timer's callback.
type state struct{ fire engine.Value }

// Extension returns the timers Web API.
func Extension() engine.Extension {
	return engine.Extension{
		Name:    "timers",
		Scripts: []engine.Script{{Name: "ext:timers/timers.js", Source: source}},
		Ops: map[string]engine.Op{
			"timer_init":   opInit,
			"timer_start":  opStart,
			"timer_cancel": opCancel,
		},
	}
}

const stateKey = "timers"

func opInit(c *engine.Call) (engine.Value, error) {
	if !c.Arg(0).IsFunction() {
		return engine.Value{}, engine.TypeError("timer_init: not a function")
	}
	c.VM.SetState(stateKey, &state{fire: c.Arg(0).Dup()})
	return c.VM.Undefined(), nil
}

func opStart(c *engine.Call) (engine.Value, error) {
	ms, err := c.Float(0)
	if err != nil {
		return engine.Value{}, err
	}
	jsID, err := c.Int(1)
	if err != nil {
		return engine.Value{}, err
	}
	st, ok := c.VM.State(stateKey).(*state)
	if !ok {
		return engine.Value{}, engine.TypeError("timers not initialised")
	}
	vm := c.VM
	id := vm.AfterFunc(time.Duration(ms*float64(time.Millisecond)), func() {
		r, err := st.fire.Call(vm.Undefined(), vm.NewInt(jsID))
		r.Free()
		vm.ReportError(err)
	})
	return vm.NewInt(id), nil
}

func opCancel(c *engine.Call) (engine.Value, error) {
	id, err := c.Int(0)
	if err != nil {
		return engine.Value{}, err
	}
	c.VM.CancelTimer(id)
	return c.VM.Undefined(), nil
}

// Release frees the callback when the VM closes.
func (s *state) Release() { s.fire.Free() }
