package lambdaedge

import (
	"fmt"
	"net/http"
)

// Code is the CloudFront error category a failure maps to; the names match
// CloudFront's documented troubleshooting categories.
type Code string

const (
	// CodeValidation: the function's result broke a rule ("The Lambda
	// function result failed validation"); CloudFront answers 502.
	CodeValidation Code = "LambdaValidationError"
	// CodeInvalidResponse: the result is not a request or response object
	// at all ("The Lambda function returned an invalid response"); 502.
	CodeInvalidResponse Code = "LambdaInvalidResponse"
)

// Rule names the specific check that failed, so callers and tests can tell
// violations apart without matching message text.
type Rule string

// The rules enforced on function results.
const (
	RuleInvalidJSON        Rule = "invalid-json"
	RuleDisallowedHeader   Rule = "disallowed-header"
	RuleReadOnlyHeader     Rule = "read-only-header"
	RuleHeaderName         Rule = "header-name"
	RuleHeaderValue        Rule = "header-value"
	RuleURI                Rule = "uri"
	RuleQueryString        Rule = "querystring"
	RuleURITooLong         Rule = "uri-too-long"
	RuleBody               Rule = "body"
	RuleBodyTooLarge       Rule = "body-too-large"
	RuleOriginNotAllowed   Rule = "origin-not-allowed"
	RuleOrigin             Rule = "origin"
	RuleStatus             Rule = "status"
	RuleStatusChange       Rule = "status-change"
	RuleResponseTooLarge   Rule = "response-too-large"
	RuleResponseNotAllowed Rule = "response-not-allowed"
	RuleEventType          Rule = "event-type"
)

// Error is a rule violation in a function's result. The server should answer
// the viewer with Status (502 as CloudFront does) and log Error().
type Error struct {
	Code      Code
	Rule      Rule
	EventType EventType
	// Field is the JSON path of the offending value, e.g. "headers.via".
	Field string
	Msg   string
}

// Status is the HTTP status CloudFront returns to the viewer for e.
func (e *Error) Status() int { return http.StatusBadGateway }

func (e *Error) Error() string {
	s := fmt.Sprintf("lambdaedge: %s: %s", e.Code, e.Msg)
	if e.Field != "" {
		s += " (" + e.Field + ")"
	}
	if e.EventType != "" {
		s += " in " + string(e.EventType)
	}
	return s
}

func validationErr(t EventType, rule Rule, field, format string, args ...any) *Error {
	return &Error{Code: CodeValidation, Rule: rule, EventType: t, Field: field, Msg: fmt.Sprintf(format, args...)}
}
