package lang

import "github.com/vendgate/vendgate/core"

// keyOfReason is the one table from core's error reasons (and Parse's) to the message that
// answers them on SMS and USSD; keyOfCode answers the reasons it does not list. Every reason of
// core.Reasons is either here, those that take their code's message too, or in
// notForCustomers, so a new reason is a decision (a test fails until it is made). Only this
// package turns errors into customer text.
var keyOfReason = map[core.Reason]string{
	// What Parse could not read.
	ReasonEmpty:           "not_understood",
	ReasonUnknownCommand:  "not_understood",
	ReasonUnknownLanguage: "err_language",
	ReasonMissingAmount:   "err_amount_missing",
	ReasonAmountZero:      "err_amount_positive",
	ReasonAmountNegative:  "err_amount_positive",
	ReasonAmountDecimals:  "err_amount_decimals",
	ReasonAmountOverflow:  "err_amount_too_large",
	ReasonNoDefaultMeter:  "no_default_meter",
	// The meter number.
	core.ReasonInvalidMeterNumber: "err_meter_number",
	core.ReasonMeterNotFound:      "err_meter_not_found",
	core.ReasonNotFound:           "err_meter_not_found",
	// The meter cannot be sold to.
	core.ReasonMeterBlocked:        "err_meter_blocked",
	core.ReasonMeterDecommissioned: "err_meter_blocked",
	core.ReasonMeterNotVendable:    "err_meter_blocked",
	core.ReasonMeterNotInstalled:   "err_meter_blocked",
	core.ReasonKeyExpired:          "err_meter_service",
	core.ReasonTIDExhausted:        "err_meter_service",
	core.ReasonNoVendingKey:        "err_meter_service",
	// The amount.
	core.ReasonInvalidAmount:    "err_amount_invalid",
	core.ReasonAmountTooSmall:   "err_amount_too_small",
	core.ReasonAmountTooLarge:   "err_amount_too_large",
	core.ReasonCurrencyMismatch: "err_currency",
	core.ReasonUnknownCurrency:  "err_invalid",
	// The telco's settlement account cannot cover the purchase: not the customer's doing.
	core.ReasonInsufficientFunds: "err_funds",
	// The service code dialled or texted: its agent is unknown or closed.
	core.ReasonUnknownServiceCode: "err_closed",
	core.ReasonAgentInactive:      "err_closed",
	core.ReasonAgentNoContract:    "err_closed",
	// The agent's daily or monthly sales limit: the amount is too large for it now.
	core.ReasonSalesLimitExceeded: "err_amount_too_large",
	core.ReasonAgentNotFound:      "err_closed",
	// What the channel hands core on the customer's behalf: a phone, a session, a reply.
	core.ReasonInvalidPhone:          "err_invalid",
	core.ReasonInvalidSession:        "err_invalid",
	core.ReasonInvalidReply:          "err_invalid",
	core.ReasonInvalidChannel:        "err_invalid",
	core.ReasonInvalidIdempotencyKey: "err_invalid",
	// Repeats and cancellations.
	core.ReasonIdempotencyKeyReused: "err_repeat",
	core.ReasonAlreadyReversed:      "err_cancelled",
	core.ReasonReversedBeforeVend:   "err_cancelled",
	core.ReasonReversalWindowPassed: "err_invalid",
	// The codes' own reasons.
	core.ReasonUnavailable: "err_unavailable",
	core.ReasonInternal:    "err_internal",
}

// notForCustomers are core's reasons no SMS or USSD customer can meet: operators' work on
// records, agents' API keys and listings, reversals (an agent's or a bank's) and the relay's own
// bookkeeping. Should one reach a customer, it is answered by its code.
var notForCustomers = map[core.Reason]bool{
	core.ReasonMissingAPIKey: true, core.ReasonInvalidAPIKey: true, core.ReasonInvalidAPIKeyHash: true,
	core.ReasonAPIKeyRevoked: true, core.ReasonInvalidAgent: true, core.ReasonUnknownAgent: true,
	core.ReasonInvalidUtility: true, core.ReasonInvalidTimeZone: true,
	core.ReasonInvalidSupplyGroup: true, core.ReasonDuplicateSupplyGroup: true, core.ReasonUnknownSupplyGroup: true,
	core.ReasonInvalidVendingKey: true, core.ReasonInvalidTariff: true, core.ReasonUnknownTariff: true,
	core.ReasonTariffOtherKind: true, core.ReasonInvalidInstitution: true,
	core.ReasonInvalidServiceCode: true, core.ReasonDuplicateServiceCode: true,
	core.ReasonUnknownReference: true, core.ReasonInvalidArrears: true, core.ReasonInvalidMeterStatus: true,
	core.ReasonMeterDecommissionedForGood: true, core.ReasonInvalidMeterKind: true,
	core.ReasonInvalidMeterKey: true, core.ReasonMeterOtherUtility: true,
	core.ReasonInvalidKeyChange: true, core.ReasonNoKeyChangePending: true,
	core.ReasonVendNotFound: true, core.ReasonTokenDelivered: true, core.ReasonInvalidReversalReason: true,
	core.ReasonInvalidStatus: true, core.ReasonInvalidPeriod: true, core.ReasonInvalidCursor: true,
	core.ReasonReplyNotFound: true, core.ReasonReplyNotFailed: true, core.ReasonReplyLeaseLost: true,
}

var keyOfCode = map[core.Code]string{
	core.CodeInvalid:           "err_invalid",
	core.CodeNotFound:          "err_meter_not_found",
	core.CodeInsufficientFunds: "err_funds",
	core.CodeDuplicate:         "err_repeat",
	core.CodeConflict:          "err_repeat",
	core.CodeUnavailable:       "err_unavailable",
	core.CodeUnauthorized:      "err_closed",
	core.CodeForbidden:         "err_closed",
	core.CodeInternal:          "err_internal",
}

// messageKey returns the message answering an error: its reason's, else its code's, else the
// internal error's.
func messageKey(code core.Code, reason core.Reason) string {
	if k, ok := keyOfReason[reason]; ok {
		return k
	}
	if k, ok := keyOfCode[code]; ok {
		return k
	}
	return "err_internal"
}
