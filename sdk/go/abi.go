package verge

import (
	"errors"
	"fmt"
)

// abiVersion is what verge_abi_version returns: the ABI's major version.
// Adding host functions does not change it (a guest that imports a function
// the host lacks fails to instantiate, with the function's name).
const abiVersion = 1

// Error codes returned by host functions (docs/wasm-abi.md).
const (
	errHandle      = -1 // the request handle is not the request in flight
	errNotFound    = -2 // no such header, variable or value
	errInvalid     = -3 // bad argument: memory range, header, status
	errState       = -4 // too late: the response has started
	errIO          = -5 // the client went away, or reading the body failed
	errLimit       = -6 // a limit (request body, response header size)
	errUnsupported = -7 // unknown key, or not running under a Verge host
)

// ErrBodyTooLarge is returned by the request body's Read when the client
// sent more than the host's request body limit.
var ErrBodyTooLarge = errors.New("verge: request body over the limit")

// ErrNoHost is returned when the package runs outside a Verge host, or a
// request is used after its handler returned.
var ErrNoHost = errors.New("verge: no request in flight on a Verge host")

// hostError is a negative host result, naming the call that got it.
type hostError struct {
	call string
	code int32
}

func (e *hostError) Error() string {
	var s string
	switch e.code {
	case errHandle, errUnsupported:
		s = ErrNoHost.Error()
	case errLimit:
		s = ErrBodyTooLarge.Error()
	case errNotFound:
		s = "not found"
	case errInvalid:
		s = "invalid argument"
	case errState:
		s = "the response has started"
	case errIO:
		s = "connection to the client failed"
	default:
		s = fmt.Sprintf("host error %d", e.code)
	}
	return "verge: " + e.call + ": " + s
}

// Unwrap lets errors.Is find ErrNoHost and ErrBodyTooLarge.
func (e *hostError) Unwrap() error {
	switch e.code {
	case errHandle, errUnsupported:
		return ErrNoHost
	case errLimit:
		return ErrBodyTooLarge
	}
	return nil
}

// get reads a variable-length value with the ABI's convention: the host
// returns the value's length and writes it only when it fits, so a second
// call with a buffer of that length gets it.
func get(f func(buf []byte) int32) ([]byte, int32) {
	return getInto(make([]byte, 128), f)
}

// getInto is get starting with buf, which the result may alias.
func getInto(buf []byte, f func(buf []byte) int32) ([]byte, int32) {
	for {
		n := f(buf)
		switch {
		case n < 0:
			return nil, n
		case int(n) <= len(buf):
			return buf[:n], 0
		}
		buf = make([]byte, n)
	}
}
