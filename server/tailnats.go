package server

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"

	"github.com/verge-edge/verge/tail"
)

// PublishTail sends this PoP's tail events (requests, console lines,
// exceptions) to NATS while a viewer tails the network (the control API's
// GET /v1/tail), as pop. conn reaches the hub: the PoP's leaf connection.
// It returns once the bridge listens for sessions; the bridge stops when
// ctx ends, or winds down within one lease when conn closes. Call it once
// per connection: two bridges would send every event twice.
func (s *Server) PublishTail(ctx context.Context, conn *nats.Conn, pop string) error {
	p, err := tail.StartPublisher(tail.PublisherConfig{Hub: s.tail, Conn: conn, PoP: pop, Log: s.log})
	if err != nil {
		return fmt.Errorf("live tail over NATS: %w", err)
	}
	context.AfterFunc(ctx, func() {
		if err := p.Close(); err != nil {
			s.log.Debug("live tail bridge stopped", "err", err)
		}
	})
	return nil
}
