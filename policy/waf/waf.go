package waf

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"

	"github.com/verge-edge/verge/policy"
	"github.com/verge-edge/verge/policy/ratelimit"
)

// WAF is a configured [waf] table. It is safe for concurrent use; it is
// never changed after New.
type WAF struct {
	rules  []rule
	log    *slog.Logger
	claims bool // some rule reads claims
}

var _ policy.Policy = (*WAF)(nil)

// rule is a compiled Rule or managed set.
type rule struct {
	name string
	// Exactly one of prg (a CEL rule) and managed (a managed set) is set.
	prg     cel.Program
	managed func(*http.Request) bool
	outcome
}

// New compiles cfg's rules and checks its managed sets. Errors name the
// offending rule, as in `waf rule "admin": ...`.
func New(cfg Config, opts Options) (_ *WAF, err error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := &WAF{log: log, rules: make([]rule, 0, len(cfg.Rules)+len(cfg.Managed))}
	defer func() {
		if err != nil {
			w.Close() // the limiters of the rules made so far
		}
	}()
	if len(cfg.Rules) > 0 {
		env, err := newEnv()
		if err != nil {
			return nil, err
		}
		seen := make(map[string]bool, len(cfg.Rules))
		for i := range cfg.Rules {
			rc := &cfg.Rules[i]
			if rc.Name == "" {
				return nil, fmt.Errorf("waf rule %d: name is missing", i+1)
			}
			if seen[rc.Name] {
				// Logs and errors identify rules by name.
				return nil, fmt.Errorf("waf rule %q: another rule has this name", rc.Name)
			}
			seen[rc.Name] = true
			lim := opts.RateLimit
			if lim.ID != "" {
				lim.ID += "\x00waf rule\x00" + rc.Name
			}
			r, claims, err := compileRule(env, rc, lim)
			if err != nil {
				return nil, fmt.Errorf("waf rule %q: %w", rc.Name, err)
			}
			w.rules = append(w.rules, r)
			w.claims = w.claims || claims || (r.limiter != nil && r.limiter.UsesClaims())
		}
	}
	seen := make(map[string]bool, len(cfg.Managed))
	for _, name := range cfg.Managed {
		m, err := newManaged(name)
		if err != nil {
			return nil, fmt.Errorf("waf managed: %w", err)
		}
		if seen[name] {
			return nil, fmt.Errorf("waf managed: %q is listed twice", name)
		}
		seen[name] = true
		w.rules = append(w.rules, rule{
			name:    "managed:" + name,
			managed: m,
			outcome: outcome{action: actionBlock, status: http.StatusForbidden, body: []byte("Forbidden\n")},
		})
	}
	return w, nil
}

func compileRule(env *cel.Env, rc *Rule, lim ratelimit.Options) (r rule, claims bool, err error) {
	o, err := rc.outcome(lim)
	if err != nil {
		return rule{}, false, err
	}
	prg, claims, err := compile(env, rc.Expr)
	if err != nil {
		if o.limiter != nil {
			o.limiter.Close()
		}
		return rule{}, false, err
	}
	return rule{name: rc.Name, prg: prg, outcome: o}, claims, nil
}

// Options are New's dependencies.
type Options struct {
	// Logger receives the lines of log rules, blocks, and rules that
	// failed to evaluate; nil discards them.
	Logger *slog.Logger
	// RateLimit is given to the limiters of rate_limit rules. With a
	// Sync, for rules with scope "cluster", its ID must name the WAF
	// across PoPs (the route, say); each rule's name is added to it.
	RateLimit ratelimit.Options
}

// Close retires the limiters of rate_limit rules (a cluster-scoped one
// stops sharing its counts). Call it when the WAF is replaced.
func (w *WAF) Close() error {
	var errs []error
	for _, r := range w.rules {
		if r.limiter != nil {
			errs = append(errs, r.limiter.Close())
		}
	}
	return errors.Join(errs...)
}

// UsesClaims reports whether a rule reads the JWT claims, so the JWT
// policy must run before the WAF.
func (w *WAF) UsesClaims() bool { return w.claims }

// Wrap implements policy.Policy: it runs the rules on each request, and
// calls next unless a block or redirect rule answered it.
func (w *WAF) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.serve(rw, r, next)
	})
}

func (w *WAF) serve(rw http.ResponseWriter, r *http.Request, next http.Handler) {
	a := newActivation(r)
	for i := range w.rules {
		rl := &w.rules[i]
		if !w.matches(rl, a) {
			continue
		}
		switch rl.action {
		case actionBlock:
			w.logMatch(a, rl, slog.LevelInfo, "waf: request blocked")
			block(rw, &rl.outcome)
			return
		case actionRedirect:
			rw.Header().Set("Location", rl.location)
			rw.WriteHeader(rl.status)
			return
		case actionAllow:
			next.ServeHTTP(rw, a.r)
			return
		case actionLog:
			w.logMatch(a, rl, slog.LevelInfo, "waf: rule matched")
		case actionSetHeader:
			a.setHeader(rl.header, rl.value)
		case actionRateLimit:
			if !rl.limiter.Check(rw, a.r) {
				w.logMatch(a, rl, slog.LevelInfo, "waf: request rate limited")
				return
			}
		}
	}
	next.ServeHTTP(rw, a.r)
}

// matches evaluates rl on the request. A rule that fails to evaluate
// does not match: the failure is the rule's, and refusing every request
// it fails on would turn a mistake in one rule into an outage.
func (w *WAF) matches(rl *rule, a *activation) bool {
	if rl.managed != nil {
		return rl.managed(a.r)
	}
	out, _, err := rl.prg.Eval(a)
	if err == nil {
		if b, ok := out.(types.Bool); ok {
			return bool(b)
		}
		// The checker proved the type; this is a value that lied.
		err = fmt.Errorf("returned %s, not bool", out.Type().TypeName())
	}
	w.logMatch(a, rl, slog.LevelWarn, "waf: rule failed", slog.String("error", err.Error()))
	return false
}

func (w *WAF) logMatch(a *activation, rl *rule, level slog.Level, msg string, attrs ...slog.Attr) {
	ctx := a.r.Context()
	if !w.log.Enabled(ctx, level) {
		return
	}
	ip := ""
	if a.info.ClientIP.IsValid() {
		ip = a.info.ClientIP.String()
	}
	w.log.LogAttrs(ctx, level, msg, append([]slog.Attr{
		slog.String("rule", rl.name),
		slog.String("action", rl.action.String()),
		slog.String("method", a.r.Method),
		slog.String("path", a.r.URL.Path),
		slog.String("ip", ip),
	}, attrs...)...)
}

func block(rw http.ResponseWriter, o *outcome) {
	h := rw.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(o.body)))
	h.Set("X-Content-Type-Options", "nosniff")
	// The answer depends on more than the URL; no cache may give it to
	// another client.
	h.Set("Cache-Control", "no-store")
	rw.WriteHeader(o.status)
	rw.Write(o.body) // an error means the client has gone
}
