package lambdaedge

import (
	"slices"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// disallowedPrefixes and disallowed are the headers AWS never exposes to a
// function and refuses when a function adds them ("Disallowed headers" in
// the CloudFront developer guide, edge-function-restrictions-all).
var disallowedPrefixes = [...]string{"x-amz-cf-", "x-edge-"}

// isDisallowed reports whether the lowercase name is a disallowed header.
func isDisallowed(name string) bool {
	switch name {
	case "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization",
		"proxy-connection", "trailer", "upgrade",
		"x-accel-buffering", "x-accel-charset", "x-accel-limit-rate", "x-accel-redirect",
		"x-amzn-auth", "x-amzn-cf-billing", "x-amzn-cf-id", "x-amzn-cf-xff", "x-amzn-errortype",
		"x-amzn-fle-profile", "x-amzn-header-count", "x-amzn-header-order",
		"x-amzn-lambda-integration-tag", "x-amzn-requestid",
		"x-cache", "x-forwarded-proto", "x-real-ip":
		return true
	}
	for _, p := range disallowedPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// isReadOnly reports whether the lowercase name is read-only in trigger t
// ("Read-only headers" per trigger in the same guide).
func isReadOnly(t EventType, name string) bool {
	switch name {
	case "transfer-encoding", "via":
		return true
	}
	switch t {
	case ViewerRequest:
		return name == "content-length" || name == "host"
	case OriginRequest:
		switch name {
		case "accept-encoding", "content-length", "if-modified-since", "if-none-match",
			"if-range", "if-unmodified-since":
			return true
		}
	case ViewerResponse:
		switch name {
		case "content-encoding", "content-length", "warning":
			return true
		}
	}
	return false
}

// checkHeaders validates headers a function returned against those it was
// given: well-formed names and values, no disallowed header added, no
// read-only header added, changed or removed. field prefixes error paths.
func checkHeaders(t EventType, field string, sent, got Headers) error {
	for _, name := range got.names() {
		vals := got[name]
		path := field + "." + name
		if !httpguts.ValidHeaderFieldName(name) || name != strings.ToLower(name) {
			return validationErr(t, RuleHeaderName, path, "header name %q is not a lowercase HTTP token", name)
		}
		for i, v := range vals {
			if v.Key != "" && strings.ToLower(v.Key) != name {
				return validationErr(t, RuleHeaderName, path, "element %d has key %q, which does not match the map key %q", i, v.Key, name)
			}
			if !httpguts.ValidHeaderFieldValue(v.Value) {
				return validationErr(t, RuleHeaderValue, path, "element %d has a value with control characters", i)
			}
		}
		if isDisallowed(name) && !sameValues(sent[name], vals) {
			return validationErr(t, RuleDisallowedHeader, path, "the function added the disallowed header %q", name)
		}
	}
	names := slices.Concat(sent.names(), got.names())
	for _, name := range names {
		if isReadOnly(t, name) && !sameValues(sent[name], got[name]) {
			return validationErr(t, RuleReadOnlyHeader, field+"."+name, "the function tried to add, delete, or change the read-only header %q", name)
		}
	}
	return nil
}

// sameValues compares header values, ignoring the Key spelling.
func sameValues(a, b []Header) bool {
	return slices.EqualFunc(a, b, func(x, y Header) bool { return x.Value == y.Value })
}

// exposed drops the headers a function must not see.
func exposed(h Headers) Headers {
	for name := range h {
		if isDisallowed(name) {
			delete(h, name)
		}
	}
	return h
}
