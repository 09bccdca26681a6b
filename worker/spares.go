package worker

import (
	"sync"

	"github.com/verge-edge/verge/engine"
)

// Spares keeps blank VMs (the prelude evaluated, no worker loaded) ready,
// so that loading a never-seen worker costs only evaluating its bundle.
// Creating a VM from the precompiled prelude is most of a cold start (see
// RATIONALE.md); Spares moves it off the request path, as Cloudflare
// pre-warms isolates during the TLS handshake.
type Spares struct {
	prelude *engine.Prelude
	ch      chan *engine.VM
	stop    chan struct{}
	wg      sync.WaitGroup
}

// NewSpares starts keeping n blank VMs ready.
func NewSpares(p *engine.Prelude, n int) *Spares {
	s := &Spares{prelude: p, ch: make(chan *engine.VM, n), stop: make(chan struct{})}
	s.wg.Add(1)
	go s.fill()
	return s
}

func (s *Spares) fill() {
	defer s.wg.Done()
	for {
		vm, err := engine.New(engine.Options{Prelude: s.prelude})
		if err != nil {
			return
		}
		select {
		case s.ch <- vm:
		case <-s.stop:
			vm.Close()
			return
		}
	}
}

// Get returns a blank VM: a ready one if there is one, else a new one.
func (s *Spares) Get() (*engine.VM, error) {
	if s != nil {
		select {
		case vm := <-s.ch:
			return vm, nil
		default:
		}
	}
	return nil, nil
}

// Close stops refilling and frees the VMs kept.
func (s *Spares) Close() {
	if s == nil {
		return
	}
	close(s.stop)
	s.wg.Wait()
	for {
		select {
		case vm := <-s.ch:
			vm.Close()
		default:
			return
		}
	}
}
