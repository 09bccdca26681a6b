package worker

import (
	"errors"
	"fmt"
	"time"

	"github.com/verge-edge/verge/bindings/flags"
	kvbinding "github.com/verge-edge/verge/bindings/kv"
	"github.com/verge-edge/verge/bindings/ratelimit"
	"github.com/verge-edge/verge/config"
	"github.com/verge-edge/verge/engine"
)

// Limits bound what one request and one VM may use. Zero fields take the
// defaults below, which follow Cloudflare's and Fastly's.
type Limits struct {
	CPU          time.Duration // CPU time per request (JavaScript and the ops it calls)
	WallTime     time.Duration // wall time per request, until the response is done
	WaitUntil    time.Duration // wall time for ctx.waitUntil work after the response
	Startup      time.Duration // CPU time to evaluate the script's top level
	Memory       int           // heap bytes per VM
	Subrequests  int           // fetch() calls per request
	ScriptSize   int           // bytes of the bundled script
	RequestBody  int64         // bytes of a request body
	ResponseBody int64         // bytes of a response body
	EnvVars      int           // number of vars
	EnvVarSize   int           // bytes of one var's value
}

// Defaults.
const (
	DefaultCPU         = 50 * time.Millisecond
	DefaultWallTime    = 30 * time.Second
	DefaultWaitUntil   = 30 * time.Second
	DefaultStartup     = time.Second
	DefaultMemory      = 128 << 20
	DefaultSubrequests = 50
	DefaultScriptSize  = 10 << 20
	// Cloudflare's limits: 100 MB request bodies (free plan), 128 vars
	// of 5 KB. Response bodies are not limited there (they stream); the
	// default here bounds a runaway stream.
	DefaultRequestBody  = 100 << 20
	DefaultResponseBody = 10 << 30
	DefaultEnvVars      = 128
	DefaultEnvVarSize   = 5 << 10
)

// LimitsFrom converts verge.toml's [limits]; zero fields keep the defaults.
func LimitsFrom(c config.Limits) Limits {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	return Limits{
		CPU:          ms(c.CPUMs),
		WallTime:     ms(c.WallMs),
		Startup:      ms(c.StartupMs),
		Memory:       c.MemoryMB << 20,
		Subrequests:  c.Subrequests,
		RequestBody:  int64(c.RequestBodyMB) << 20,
		ResponseBody: int64(c.ResponseBodyMB) << 20,
	}
}

func (l Limits) withDefaults() Limits {
	set := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	set(&l.CPU, DefaultCPU)
	set(&l.WallTime, DefaultWallTime)
	set(&l.WaitUntil, DefaultWaitUntil)
	set(&l.Startup, DefaultStartup)
	if l.Memory <= 0 {
		l.Memory = DefaultMemory
	}
	if l.Subrequests <= 0 {
		l.Subrequests = DefaultSubrequests
	}
	if l.ScriptSize <= 0 {
		l.ScriptSize = DefaultScriptSize
	}
	if l.RequestBody <= 0 {
		l.RequestBody = DefaultRequestBody
	}
	if l.ResponseBody <= 0 {
		l.ResponseBody = DefaultResponseBody
	}
	if l.EnvVars <= 0 {
		l.EnvVars = DefaultEnvVars
	}
	if l.EnvVarSize <= 0 {
		l.EnvVarSize = DefaultEnvVarSize
	}
	return l
}

// Code is a stable error code, shown as verge-NNNN in responses and logs
// (modelled on Cloudflare's 1101/1102).
type Code int

// Error codes. Never renumber: users search for them.
const (
	CodeException    Code = 1101 // uncaught exception (500)
	CodeCPU          Code = 1102 // CPU time limit (503)
	CodeMemory       Code = 1103 // memory limit (503)
	CodeWallTime     Code = 1104 // wall time limit (503)
	CodeNoResponse   Code = 1105 // handler promise never settled (500)
	CodeStartup      Code = 1106 // script startup limit (503)
	CodeScriptSize   Code = 1107 // script too large
	CodeScript       Code = 1108 // script failed to load (syntax error, no handler)
	CodeHost         Code = 1109 // the isolate host failed during the request (503)
	CodeNoHost       Code = 1110 // no isolate host could take the request (503)
	CodeRequestBody  Code = 1111 // request body over the limit (413)
	CodeResponseBody Code = 1112 // response body over the limit (the response is cut)
	CodeEnv          Code = 1113 // too many vars, or one too large (load error)
)

func (c Code) String() string { return fmt.Sprintf("verge-%d", int(c)) }

// Message is the stable human text for the code.
func (c Code) Message() string {
	switch c {
	case CodeException:
		return "worker threw exception"
	case CodeCPU:
		return "worker exceeded CPU time limit"
	case CodeMemory:
		return "worker exceeded memory limit"
	case CodeWallTime:
		return "worker exceeded wall time limit"
	case CodeNoResponse:
		return "worker did not produce a response"
	case CodeStartup:
		return "worker exceeded startup time limit"
	case CodeScriptSize:
		return "worker script too large"
	case CodeScript:
		return "worker script failed to load"
	case CodeHost:
		return "isolate host failed while serving the request"
	case CodeNoHost:
		return "no isolate host available"
	case CodeRequestBody:
		return "request body too large"
	case CodeResponseBody:
		return "worker response body too large"
	case CodeEnv:
		return "worker environment too large"
	}
	return "worker error"
}

// LimitError is a limit a worker exceeded.
type LimitError struct {
	Code   Code
	Detail string
}

func (e *LimitError) Error() string {
	s := e.Code.String() + ": " + e.Code.Message()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// LoadError is a script that cannot be loaded: it threw at the top level,
// has a syntax error or no handler. Message is source-mapped.
type LoadError struct {
	Message string
}

func (e *LoadError) Error() string { return CodeScript.String() + ": " + e.Message }

// isLimit reports whether err means the VM stopped mid-script, after which
// its state cannot be trusted and it is discarded.
func isLimit(err error) bool {
	var le *LimitError
	return errors.As(err, &le) || errors.Is(err, engine.ErrCPULimit) || errors.Is(err, engine.ErrOutOfMemory) ||
		errors.Is(err, engine.ErrDeadline) || errors.Is(err, engine.ErrInterrupted)
}

// BindingsFrom converts verge.toml's bindings ([[kv_namespaces]],
// [[ratelimits]], [flags]) to env bindings.
func BindingsFrom(c *config.Config) []Binding {
	var out []Binding
	for _, ns := range c.KVNamespaces {
		cfg := kvbinding.Config{Namespace: ns.ID}
		out = append(out, Binding{Name: ns.Binding, Type: kvbinding.Type, Config: cfg.JSON()})
	}
	for _, rl := range c.RateLimits {
		cfg := ratelimit.Config{Namespace: rl.NamespaceID, Limit: rl.Limit, Period: rl.Period}
		out = append(out, Binding{Name: rl.Binding, Type: ratelimit.Type, Config: cfg.JSON()})
	}
	if c.FlagsBinding != "" {
		out = append(out, Binding{Name: c.FlagsBinding, Type: flags.Type, Config: flags.Config()})
	}
	return out
}
