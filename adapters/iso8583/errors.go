package iso8583

import (
	"errors"
	"strconv"

	"github.com/vendgate/vendgate/core"
)

// Response codes (field 39) Vendgate answers, ISO 8583:1987 meanings.
const (
	RCApproved          = "00" // approved
	RCInvalidTxn        = "12" // invalid transaction
	RCInvalidAmount     = "13" // invalid amount
	RCInvalidMeter      = "14" // invalid card (here: meter) number
	RCFormatError       = "30" // format error
	RCInsufficientFunds = "51" // not sufficient funds (the bank's settlement float)
	RCNotPermitted      = "57" // transaction not permitted to cardholder (here: the meter)
	RCNotPermittedAcq   = "58" // transaction not permitted to terminal (here: the institution)
	RCAmountLimit       = "61" // exceeds withdrawal amount limit
	RCUnavailable       = "91" // issuer or switch inoperative
	RCDuplicate         = "94" // duplicate transmission
	RCSystemError       = "96" // system malfunction
)

// codeOf is the one table from core's error codes to field 39; reasonOf refines it for the
// reasons an ATM shows differently. A reason not in reasonOf takes its code's entry.
var codeOf = map[core.Code]string{
	core.CodeInvalid:           RCInvalidTxn,
	core.CodeNotFound:          RCInvalidMeter,
	core.CodeInsufficientFunds: RCInsufficientFunds,
	core.CodeDuplicate:         RCDuplicate,
	core.CodeConflict:          RCInvalidTxn,
	core.CodeUnavailable:       RCUnavailable,
	core.CodeUnauthorized:      RCNotPermittedAcq,
	core.CodeInternal:          RCSystemError,
}

var reasonOf = map[string]string{
	// The adapter's own: a field is missing or malformed.
	reasonFormat: RCFormatError,
	// The meter number.
	"invalid_meter_number": RCInvalidMeter,
	"meter_not_found":      RCInvalidMeter,
	// The amount.
	"invalid_amount":   RCInvalidAmount,
	"amount_too_large": RCAmountLimit,
	// The meter cannot be sold to here or now.
	"meter_blocked":        RCNotPermitted,
	"meter_decommissioned": RCNotPermitted,
	"meter_not_vendable":   RCNotPermitted,
	"key_expired":          RCNotPermitted,
	"tid_exhausted":        RCNotPermitted,
	"no_vending_key":       RCNotPermitted,
	// Idempotency: the key of an earlier request with other content.
	"idempotency_key_reused": RCDuplicate,
	// A purchase whose reversal came first, or a repeat of a reversed purchase: no token.
	"reversed_before_vend": RCInvalidTxn,
	reasonVendReversed:     RCInvalidTxn,
	// The session: no sign-on yet, or the answer did not come in time.
	reasonNotSignedOn: RCUnavailable,
	reasonDeadline:    RCUnavailable,
	reasonShutdown:    RCUnavailable,
	reasonBusy:        RCUnavailable,
}

// The adapter's own reasons, in core's vocabulary.
const (
	reasonFormat        = "format_error"
	reasonVendReversed  = "vend_reversed"
	reasonNotSignedOn   = "not_signed_on"
	reasonDeadline      = "deadline_exceeded"
	reasonShutdown      = "shutting_down"
	reasonBusy          = "too_many_in_flight"
	reasonUnsupported   = "unsupported_transaction"
	reasonInstitution   = "institution_mismatch"
	reasonUnknownInst   = "institution_unknown"
	reasonInactiveInst  = "institution_inactive"
	reasonAddressRefuse = "address_not_allowed"
)

// responseCode returns field 39 for err (nil: approved).
func responseCode(err error) string {
	if err == nil {
		return RCApproved
	}
	e := core.AsError(err)
	if rc, ok := reasonOf[e.Reason]; ok {
		return rc
	}
	if rc, ok := codeOf[e.Code]; ok {
		return rc
	}
	return RCSystemError
}

// formatError is a request this adapter cannot read: it names the field, never its value.
func formatError(field int, format string, args ...any) *core.Error {
	e := core.Errorf(core.CodeInvalid, reasonFormat, format, args...)
	e.Message = fieldName(field) + ": " + e.Message
	return e
}

func fieldName(id int) string {
	if id == 0 {
		return "MTI"
	}
	return "field " + strconv.Itoa(id)
}

// isFormat reports whether err is a format error.
func isFormat(err error) bool {
	var e *core.Error
	return errors.As(err, &e) && e.Reason == reasonFormat
}
