package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/verge-edge/verge/compat/vercel"
	"github.com/verge-edge/verge/webapi/fetch"
)

// middleware puts project pr's worker h in front of next as Vercel
// middleware, with the matcher of its config export.
func (s *Server) middleware(pr *project, h, next http.Handler, origins map[string]*origin) (http.Handler, error) {
	info, ok := s.pool.Info(pr.spec.ID)
	if !ok || info.Style != "vercel" {
		return nil, errNotMiddleware
	}
	var m *vercel.Matcher
	if len(info.Config) > 0 {
		var err error
		if m, err = vercel.CompileMatcher(info.Config); err != nil {
			return nil, fmt.Errorf("config.matcher: %w", err)
		}
	}
	// Rewrites to another origin go out as the worker's fetch() would:
	// public addresses, or the configured origins.
	allowed := map[string]bool{}
	for _, o := range origins {
		allowed[canonicalHostPort(o.url)] = true
	}
	return vercel.Handler(h, next, m, fetch.GuardedTransport(func(hostport string) bool { return allowed[hostport] })), nil
}

// errNotMiddleware is returned for a route that pairs an origin with a
// worker whose handler cannot be middleware.
var errNotMiddleware = errors.New("a route with both worker and origin runs the worker as middleware: its handler must be a Vercel-style function (export default function middleware(request))")
