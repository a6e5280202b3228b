package orgwarden

import (
	"fmt"
)

// Codes the client gives an [Error] when orgwarden's answer carries none. Every other code is
// one of orgwarden's error catalogue (docs/http.md), such as "invalid_request" or "unauthorized".
const (
	// CodeUnreachable: no answer arrived (connection refused, reset, timeout, cancelled context).
	CodeUnreachable = "unreachable"
	// CodeBadAnswer: an answer arrived that is not the documented JSON (not JSON, wrong shape,
	// an error status without an error body, or a decision that contradicts itself).
	CodeBadAnswer = "bad_answer"
)

// Error is every failure of the client: orgwarden refused the request, could not be reached, or
// answered something that is not a decision. It is never a decision: whoever gets an Error must
// deny. Use errors.As to read it; errors.Is sees the cause (context.DeadlineExceeded, ...).
type Error struct {
	// Status is the HTTP status orgwarden answered; 0 when there was no answer.
	Status int
	// Code is the error code of orgwarden's body, or CodeUnreachable or CodeBadAnswer.
	Code string
	// Reason refines Code for some catalogued errors (orgwarden's "reason" field), else "".
	Reason string
	// Message says what went wrong.
	Message string
	// Err is the underlying cause (a network or decoding error), when there is one.
	Err error
}

// Error formats the code, the status when there was one, and the message.
func (e *Error) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("orgwarden: %s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("orgwarden: %s (HTTP %d): %s", e.Code, e.Status, e.Message)
}

// Unwrap returns the underlying cause, so errors.Is(err, context.DeadlineExceeded) works.
func (e *Error) Unwrap() error { return e.Err }

func unreachable(err error) *Error {
	return &Error{Code: CodeUnreachable, Message: err.Error(), Err: err}
}

func badAnswer(status int, format string, args ...any) *Error {
	return &Error{Status: status, Code: CodeBadAnswer, Message: fmt.Sprintf(format, args...)}
}
