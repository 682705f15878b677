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

// codeOf is the one table from core's error codes to field 39; reasonOf refines it by reason.
// reasonOf lists every reason of core.Reasons, those that take their code's entry too, so that a
// new reason is a decision here (a test fails until it is listed); a reason not in reasonOf (an
// adapter's own, or one unheard of) takes its code's entry.
var codeOf = map[core.Code]string{
	core.CodeInvalid:           RCInvalidTxn,
	core.CodeNotFound:          RCInvalidMeter,
	core.CodeInsufficientFunds: RCInsufficientFunds,
	core.CodeDuplicate:         RCDuplicate,
	core.CodeConflict:          RCInvalidTxn,
	core.CodeUnavailable:       RCUnavailable,
	core.CodeUnauthorized:      RCNotPermittedAcq,
	core.CodeForbidden:         RCNotPermittedAcq,
	core.CodeInternal:          RCSystemError,
}

var reasonOf = map[core.Reason]string{
	// The adapter's own: a field is missing or malformed.
	reasonFormat: RCFormatError,
	// The meter number.
	core.ReasonInvalidMeterNumber: RCInvalidMeter,
	core.ReasonMeterNotFound:      RCInvalidMeter,
	// The amount.
	core.ReasonInvalidAmount:      RCInvalidAmount,
	core.ReasonAmountTooSmall:     RCInvalidTxn,
	core.ReasonAmountTooLarge:     RCAmountLimit,
	core.ReasonUnknownCurrency:    RCInvalidTxn,
	core.ReasonCurrencyMismatch:   RCInvalidTxn,
	core.ReasonInsufficientFunds:  RCInsufficientFunds,
	core.ReasonSalesLimitExceeded: RCAmountLimit,
	// The meter cannot be sold to here or now.
	core.ReasonMeterBlocked:        RCNotPermitted,
	core.ReasonMeterDecommissioned: RCNotPermitted,
	core.ReasonMeterNotVendable:    RCNotPermitted,
	core.ReasonMeterNotInstalled:   RCNotPermitted,
	core.ReasonKeyExpired:          RCNotPermitted,
	core.ReasonTIDExhausted:        RCNotPermitted,
	core.ReasonNoVendingKey:        RCNotPermitted,
	core.ReasonMeterOtherUtility:   RCInvalidTxn,
	core.ReasonTariffOtherKind:     RCInvalidTxn,
	// Idempotency: the key of an earlier request with other content.
	core.ReasonIdempotencyKeyReused:  RCDuplicate,
	core.ReasonInvalidIdempotencyKey: RCInvalidTxn,
	// A purchase whose reversal came first, or a repeat of a reversed purchase: no token.
	core.ReasonReversedBeforeVend: RCInvalidTxn,
	reasonVendReversed:            RCInvalidTxn,
	// Reversals: the advice names no vend, or one that cannot be reversed.
	core.ReasonVendNotFound:          RCInvalidMeter,
	core.ReasonAlreadyReversed:       RCInvalidTxn,
	core.ReasonReversalWindowPassed:  RCInvalidTxn,
	core.ReasonTokenDelivered:        RCInvalidTxn,
	core.ReasonInvalidReversalReason: RCInvalidTxn,
	// The institution and the channel: who is asking.
	core.ReasonInvalidInstitution: RCInvalidTxn,
	core.ReasonInvalidChannel:     RCInvalidTxn,
	core.ReasonMissingAPIKey:      RCNotPermittedAcq,
	core.ReasonInvalidAPIKey:      RCNotPermittedAcq,
	core.ReasonAgentInactive:      RCNotPermittedAcq,
	core.ReasonAgentNoContract:    RCNotPermittedAcq,
	core.ReasonAgentNotFound:      RCNotPermittedAcq,
	core.ReasonUnknownServiceCode: RCNotPermittedAcq,
	// The session: no sign-on yet, or the answer did not come in time.
	reasonNotSignedOn: RCUnavailable,
	reasonDeadline:    RCUnavailable,
	reasonShutdown:    RCUnavailable,
	reasonBusy:        RCUnavailable,
	// The codes' own reasons.
	core.ReasonInternal:    RCSystemError,
	core.ReasonUnavailable: RCUnavailable,
	core.ReasonNotFound:    RCInvalidMeter,
	// Reasons of operators' work, of other channels or of a store's own checks: no bank message
	// meets them, and each answers as its code does.
	core.ReasonInvalidAPIKeyHash:          RCInvalidTxn,
	core.ReasonAPIKeyRevoked:              RCInvalidTxn,
	core.ReasonInvalidAgent:               RCInvalidTxn,
	core.ReasonUnknownAgent:               RCInvalidTxn,
	core.ReasonInvalidUtility:             RCInvalidTxn,
	core.ReasonInvalidTimeZone:            RCInvalidTxn,
	core.ReasonInvalidSupplyGroup:         RCInvalidTxn,
	core.ReasonDuplicateSupplyGroup:       RCDuplicate,
	core.ReasonUnknownSupplyGroup:         RCInvalidTxn,
	core.ReasonInvalidVendingKey:          RCInvalidTxn,
	core.ReasonInvalidTariff:              RCInvalidTxn,
	core.ReasonUnknownTariff:              RCInvalidTxn,
	core.ReasonInvalidServiceCode:         RCInvalidTxn,
	core.ReasonDuplicateServiceCode:       RCDuplicate,
	core.ReasonUnknownReference:           RCInvalidTxn,
	core.ReasonInvalidPhone:               RCInvalidTxn,
	core.ReasonInvalidSession:             RCInvalidTxn,
	core.ReasonInvalidArrears:             RCInvalidTxn,
	core.ReasonInvalidMeterStatus:         RCInvalidTxn,
	core.ReasonMeterDecommissionedForGood: RCInvalidTxn,
	core.ReasonInvalidMeterKind:           RCInvalidTxn,
	core.ReasonInvalidMeterKey:            RCInvalidTxn,
	core.ReasonInvalidKeyChange:           RCInvalidTxn,
	core.ReasonNoKeyChangePending:         RCInvalidTxn,
	core.ReasonInvalidStatus:              RCInvalidTxn,
	core.ReasonInvalidPeriod:              RCInvalidTxn,
	core.ReasonInvalidCursor:              RCInvalidTxn,
	core.ReasonInvalidReply:               RCInvalidTxn,
	core.ReasonReplyNotFound:              RCInvalidMeter,
	core.ReasonReplyNotFailed:             RCInvalidTxn,
	core.ReasonReplyLeaseLost:             RCInvalidTxn,
}

// The adapter's own reasons.
const (
	reasonFormat        core.Reason = "format_error"
	reasonVendReversed  core.Reason = "vend_reversed"
	reasonNotSignedOn   core.Reason = "not_signed_on"
	reasonDeadline      core.Reason = "deadline_exceeded"
	reasonShutdown      core.Reason = "shutting_down"
	reasonBusy          core.Reason = "too_many_in_flight"
	reasonUnsupported   core.Reason = "unsupported_transaction"
	reasonInstitution   core.Reason = "institution_mismatch"
	reasonUnknownInst   core.Reason = "institution_unknown"
	reasonInactiveInst  core.Reason = "institution_inactive"
	reasonAddressRefuse core.Reason = "address_not_allowed"
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
