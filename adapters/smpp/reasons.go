package smpp

import "github.com/vendgate/vendgate/core"

// The adapter's own reasons, in core's vocabulary: why a reply was not submitted. The relay
// retries or fails a reply by the error's code; the reason is for operators.
const (
	// The reply cannot be sent as SMS: invalid, retrying cannot help.
	reasonReplyUnencodable core.Reason = "reply_unencodable"
	reasonReplyTooLong     core.Reason = "reply_too_long"
	reasonSMSCRefused      core.Reason = "smsc_refused"
	// The SMSC or the link: unavailable, worth another try.
	reasonSMSCThrottle  core.Reason = "smsc_throttle"
	reasonSMSCWindow    core.Reason = "smsc_window"
	reasonSMSCUnbound   core.Reason = "smsc_unbound"
	reasonSMSCWrite     core.Reason = "smsc_write"
	reasonSMSCTimeout   core.Reason = "smsc_timeout"
	reasonSMSCCancelled core.Reason = "smsc_cancelled"
	reasonSMSCDropped   core.Reason = "smsc_dropped"
	reasonSMSCError     core.Reason = "smsc_error"
)
