package cluster

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/nats-io/nats-server/v2/server"
)

// slogBridge adapts nats-server's printf-style Logger to slog so server
// messages land in the same structured log as the rest of Verge.
type slogBridge struct{ l *slog.Logger }

var _ server.Logger = slogBridge{}

func (b slogBridge) log(level slog.Level, format string, v []any) {
	if !b.l.Enabled(context.Background(), level) {
		return
	}
	b.l.Log(context.Background(), level, fmt.Sprintf(format, v...))
}

func (b slogBridge) Noticef(format string, v ...any) { b.log(slog.LevelInfo, format, v) }
func (b slogBridge) Warnf(format string, v ...any)   { b.log(slog.LevelWarn, format, v) }
func (b slogBridge) Fatalf(format string, v ...any)  { b.log(slog.LevelError, format, v) }
func (b slogBridge) Errorf(format string, v ...any)  { b.log(slog.LevelError, format, v) }
func (b slogBridge) Debugf(format string, v ...any)  { b.log(slog.LevelDebug, format, v) }

// Tracef is protocol tracing; it is far too chatty for debug, so it is
// logged below debug and only shown by handlers configured for it.
func (b slogBridge) Tracef(format string, v ...any) { b.log(slog.LevelDebug-4, format, v) }

func attachLogger(s *server.Server, l *slog.Logger) {
	debug := l.Enabled(context.Background(), slog.LevelDebug)
	trace := l.Enabled(context.Background(), slog.LevelDebug-4)
	s.SetLoggerV2(slogBridge{l}, debug, trace, false)
}

func loggerOrDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
