package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/verge-edge/verge/cluster"
)

const (
	auditStream  = "verge_audit"
	auditSubject = "verge.audit"
	auditMax     = 100_000 // entries kept
)

// Entry is one change in the audit log.
type Entry struct {
	Time   time.Time `json:"time"`
	Token  string    `json:"token"` // the token's name
	Action string    `json:"action"`
	Target string    `json:"target"`
	Detail string    `json:"detail,omitempty"`
	Remote string    `json:"remote,omitempty"`
}

// audit is the audit log: a stream at the hub.
type audit struct {
	js     jetstream.JetStream
	stream jetstream.Stream
}

func openAudit(ctx context.Context, conn *nats.Conn) (*audit, error) {
	js, err := jetstream.NewWithDomain(conn, cluster.HubDomain)
	if err != nil {
		return nil, err
	}
	s, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:     auditStream,
		Subjects: []string{auditSubject},
		Storage:  jetstream.FileStorage,
		MaxMsgs:  auditMax,
	})
	if err != nil {
		return nil, fmt.Errorf("control: audit log: %w", err)
	}
	return &audit{js: js, stream: s}, nil
}

func (a *audit) append(ctx context.Context, e Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	_, err = a.js.Publish(ctx, auditSubject, b)
	return err
}

// last returns up to n entries, oldest first.
func (a *audit) last(ctx context.Context, n int) ([]Entry, error) {
	info, err := a.stream.Info(ctx)
	if err != nil {
		return nil, err
	}
	out := []Entry{}
	if info.State.Msgs == 0 {
		return out, nil
	}
	first := info.State.FirstSeq
	if info.State.LastSeq >= uint64(n) && info.State.LastSeq-uint64(n)+1 > first {
		first = info.State.LastSeq - uint64(n) + 1
	}
	for seq := first; seq <= info.State.LastSeq; seq++ {
		m, err := a.stream.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var e Entry
		if json.Unmarshal(m.Data, &e) == nil {
			out = append(out, e)
		}
	}
	return out, nil
}
