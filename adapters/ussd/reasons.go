package ussd

import "github.com/vendgate/vendgate/core"

// The adapter's own reasons, in core's vocabulary: what the USSD dialogue refuses before core
// sees a request.
const (
	reasonSessionOtherPhone core.Reason = "session_other_phone" // a session reached from another phone
	reasonTooManyInputs     core.Reason = "too_many_inputs"     // more inputs than the dialogue takes
)
