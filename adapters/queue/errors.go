package queue

import "github.com/vendgate/vendgate/core"

// retryable is the one table from core's error codes to the relay's choice: retry the reply
// later (true), or fail it now because retrying cannot help (false). A Deliverer reports an
// invalid destination or a body the link refuses as invalid; a destination the link does not
// know as not found. Everything else, the link's own trouble included, is worth another try and
// counts against the route's circuit breaker.
var retryable = map[core.Code]bool{
	core.CodeInvalid:           false,
	core.CodeNotFound:          false,
	core.CodeDuplicate:         false,
	core.CodeConflict:          false,
	core.CodeInsufficientFunds: true, // a prepaid SMS account runs dry; a top-up cures it
	core.CodeUnavailable:       true,
	core.CodeUnauthorized:      true, // a bind refused: the operator fixes the credentials
	core.CodeForbidden:         true, // not allowed: retrying will not help
	core.CodeInternal:          true,
}

// permanent reports whether a delivery error means that retrying cannot deliver the reply.
func permanent(err error) bool {
	retry, ok := retryable[core.ErrorCode(err)]
	return ok && !retry
}

// lastError is the text an outcome records: the error's, bounded. Deliverers' errors carry no
// body and no secret (core.Error's rule).
func lastError(err error) string {
	s := err.Error()
	if len(s) > 500 {
		s = s[:500]
	}
	return s
}
