package core

import (
	"errors"
	"fmt"
)

// Code is one of the closed set of error codes every adapter maps to its protocol.
type Code string

// The error codes.
const (
	CodeInvalid           Code = "invalid"            // the request is malformed or not allowed as asked
	CodeNotFound          Code = "not_found"          // the thing named does not exist
	CodeInsufficientFunds Code = "insufficient_funds" // the float or credit limit does not cover it
	CodeDuplicate         Code = "duplicate"          // it exists already
	CodeConflict          Code = "conflict"           // it clashes with what exists (same key, other request)
	CodeUnavailable       Code = "unavailable"        // a dependency is down; try again later
	CodeUnauthorized      Code = "unauthorized"       // who is asking is unknown or not allowed
	CodeForbidden         Code = "forbidden"          // who is asking is known and lacks the permission
	CodeInternal          Code = "internal"           // a bug or an unexpected failure
)

// Codes returns the closed set of codes.
func Codes() []Code {
	return []Code{CodeInvalid, CodeNotFound, CodeInsufficientFunds, CodeDuplicate, CodeConflict,
		CodeUnavailable, CodeUnauthorized, CodeForbidden, CodeInternal}
}

// Error is core's error: a code, a stable reason an integrator can switch on, and a message a
// person reads. Messages never carry tokens, keys or PANs.
type Error struct {
	Code    Code
	Reason  Reason // one of Reasons, or an adapter's own; defaults to the code
	Message string
	// Field names the request field at fault, in core's words ("reason", "amount"), when one is.
	Field string
	Err   error // the cause, for logs; never shown to callers
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// OnField returns e naming the request field at fault.
func (e *Error) OnField(field string) *Error {
	e.Field = field
	return e
}

// Errorf returns an *Error with a code and reason.
func Errorf(code Code, reason Reason, format string, args ...any) *Error {
	if reason == "" {
		reason = Reason(code)
	}
	return &Error{Code: code, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps an unexpected failure.
func Internal(err error, what string) *Error {
	return &Error{Code: CodeInternal, Reason: ReasonInternal, Message: what, Err: err}
}

// ErrorCode returns the code of an error: the *Error's code, or CodeInternal for any other error.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// AsError returns err as an *Error, wrapping anything else as internal.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err, "internal error")
}

// Unavailable wraps a failure of storage or of another dependency as a retryable error; what says
// what was being done ("reading the meter").
func Unavailable(err error, what string) *Error {
	return &Error{Code: CodeUnavailable, Reason: ReasonUnavailable, Message: what + " failed; try again", Err: err}
}

// StoreError is the one translation of what a store returns into core's vocabulary: a core error
// stays as it is, ErrNotFound is not_found, anything else is unavailable and may be retried.
func StoreError(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, ErrNotFound) {
		return Errorf(CodeNotFound, ReasonNotFound, "not found")
	}
	return Unavailable(err, "the database")
}

// Sentinel errors stores return for conditions core turns into *Error with context.
var (
	ErrNotFound          = errors.New("not found")
	ErrDuplicate         = errors.New("duplicate")
	ErrInsufficientFunds = errors.New("insufficient funds")
	// ErrTokenDelivered: a vend whose token has reached the customer is not reversed.
	ErrTokenDelivered = errors.New("token delivered")
)
