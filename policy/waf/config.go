package waf

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"golang.org/x/net/http/httpguts"

	"github.com/verge-edge/verge/policy/ratelimit"
)

// Config is a route's [waf] table.
type Config struct {
	// Rules run in order; see the package documentation.
	Rules []Rule `toml:"rules"`
	// Managed names the managed rule sets to apply after Rules:
	// "path-traversal", "injection", "bad-bots".
	Managed []string `toml:"managed"`
}

// Rule is one [[waf.rules]] entry.
type Rule struct {
	// Name identifies the rule in errors and logs; it must be unique.
	Name string `toml:"name"`
	// Expr is a CEL expression of type bool; the rule matches when it is
	// true.
	Expr string `toml:"expr"`
	// Action is "block", "allow", "log", "redirect", "set_header" or
	// "rate_limit".
	Action string `toml:"action"`
	// Status is a block's status, 403 by default and otherwise a 4xx,
	// or a redirect's: 301, 302 (the default), 303, 307 or 308.
	Status int `toml:"status"`
	// Location is a redirect's target: a URL or a path.
	Location string `toml:"location"`
	// Header and Value are the request header a set_header rule sets.
	Header string `toml:"header"`
	Value  string `toml:"value"`
	// Body is a block's body; by default the status's text.
	Body string `toml:"body"`
	// RateLimit is a rate_limit rule's limiter ([waf.rules.rate_limit],
	// the keys of a route's [rate_limit] table): matching requests are
	// counted, and those over the limit refused.
	RateLimit *ratelimit.Config `toml:"rate_limit"`
}

// action is what a matching rule does.
type action uint8

const (
	actionBlock action = iota
	actionAllow
	actionLog
	actionRedirect
	actionSetHeader
	actionRateLimit
)

func (a action) String() string {
	switch a {
	case actionBlock:
		return "block"
	case actionAllow:
		return "allow"
	case actionLog:
		return "log"
	case actionRedirect:
		return "redirect"
	case actionSetHeader:
		return "set_header"
	case actionRateLimit:
		return "rate_limit"
	}
	return fmt.Sprintf("action(%d)", uint8(a))
}

func parseAction(s string) (action, error) {
	switch s {
	case "block":
		return actionBlock, nil
	case "allow":
		return actionAllow, nil
	case "log":
		return actionLog, nil
	case "redirect":
		return actionRedirect, nil
	case "set_header":
		return actionSetHeader, nil
	case "rate_limit":
		return actionRateLimit, nil
	case "":
		return 0, errors.New("action is missing: give block, allow, log, redirect, set_header or rate_limit")
	}
	return 0, fmt.Errorf("unknown action %q: give block, allow, log, redirect, set_header or rate_limit", s)
}

// outcome is the part of a rule that says what to do once it matched.
type outcome struct {
	action   action
	status   int
	body     []byte
	location string
	header   string // canonical
	value    string
	limiter  *ratelimit.Policy
}

// outcome checks the keys that go with the rule's action. A key the
// action does not use is an error rather than ignored: it is a sign the
// author meant another action, or misread what this one does.
func (r *Rule) outcome(lim ratelimit.Options) (outcome, error) {
	a, err := parseAction(r.Action)
	if err != nil {
		return outcome{}, err
	}
	for _, k := range []struct {
		name      string
		set, used bool
	}{
		{"status", r.Status != 0, a == actionBlock || a == actionRedirect},
		{"body", r.Body != "", a == actionBlock},
		{"location", r.Location != "", a == actionRedirect},
		{"header", r.Header != "", a == actionSetHeader},
		{"value", r.Value != "", a == actionSetHeader},
		{"rate_limit", r.RateLimit != nil, a == actionRateLimit},
	} {
		if k.set && !k.used {
			return outcome{}, fmt.Errorf("%s is not used by action %q", k.name, a)
		}
	}
	o := outcome{action: a}
	switch a {
	case actionBlock:
		o.status = http.StatusForbidden
		if r.Status != 0 {
			// A refusal must read as one, and as the client's fault: a
			// 5xx would be taken for an outage and retried.
			if r.Status < 400 || r.Status > 499 {
				return o, fmt.Errorf("status %d: a block's status must be a 4xx", r.Status)
			}
			o.status = r.Status
		}
		switch {
		case r.Body != "":
			o.body = []byte(r.Body)
		case http.StatusText(o.status) != "":
			o.body = []byte(http.StatusText(o.status) + "\n")
		default: // a 4xx net/http has no name for
			o.body = []byte("Request blocked\n")
		}
	case actionRedirect:
		o.status = http.StatusFound
		switch r.Status {
		case 0:
		case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
			http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			o.status = r.Status
		default:
			return o, fmt.Errorf("status %d: a redirect's status must be 301, 302, 303, 307 or 308", r.Status)
		}
		if r.Location == "" {
			return o, errors.New("a redirect needs a location")
		}
		if _, err := url.Parse(r.Location); err != nil || !httpguts.ValidHeaderFieldValue(r.Location) {
			return o, fmt.Errorf("location %q is not a URL", r.Location)
		}
		o.location = r.Location
	case actionSetHeader:
		if o.header, err = checkHeader(r.Header, r.Value); err != nil {
			return o, err
		}
		o.value = r.Value
	case actionRateLimit:
		if r.RateLimit == nil {
			return o, errors.New("a rate_limit rule needs a [rate_limit] table")
		}
		if o.limiter, err = ratelimit.New(*r.RateLimit, lim); err != nil {
			return o, err
		}
	}
	return o, nil
}

// checkHeader validates a set_header rule's header and value and
// returns the header's canonical name.
func checkHeader(name, value string) (string, error) {
	if name == "" {
		return "", errors.New("a set_header rule needs a header")
	}
	if !httpguts.ValidHeaderFieldName(name) {
		return "", fmt.Errorf("header %q is not a valid header name", name)
	}
	cn := http.CanonicalHeaderKey(name)
	switch cn {
	case "Host", "Content-Length", "Transfer-Encoding":
		// net/http keeps the host in Request.Host and owns message
		// framing: setting these would do nothing, or desynchronise
		// the connection.
		return "", fmt.Errorf("header %s cannot be set", cn)
	}
	if !httpguts.ValidHeaderFieldValue(value) {
		return "", fmt.Errorf("value of header %s contains a control character", cn)
	}
	return cn, nil
}
