// Package console implements the console global. Output goes to a per-VM
// sink that the host sets (the dev server prints it, a PoP publishes it to
// tail).
package console

import (
	_ "embed"
	"log/slog"

	"github.com/verge-edge/verge/engine"
)

//go:embed console.js
var source string

// Sink receives one console call: its level ("log", "info", "debug",
// "warn", "error") and the formatted message.
type Sink func(level, message string)

const stateKey = "console.sink"

// SetSink routes the VM's console output to sink.
func SetSink(vm *engine.VM, sink Sink) { vm.SetState(stateKey, sink) }

// Extension returns the console Web API.
func Extension() engine.Extension {
	return engine.Extension{
		Name:    "console",
		Scripts: []engine.Script{{Name: "ext:console/console.js", Source: source}},
		Ops:     map[string]engine.Op{"console_write": opWrite},
	}
}

func opWrite(c *engine.Call) (engine.Value, error) {
	level, err := c.String(0)
	if err != nil {
		return engine.Value{}, err
	}
	msg, err := c.String(1)
	if err != nil {
		return engine.Value{}, err
	}
	if sink, ok := c.VM.State(stateKey).(Sink); ok {
		sink(level, msg)
	} else {
		slog.Debug("console", "level", level, "message", msg)
	}
	return c.VM.Undefined(), nil
}
