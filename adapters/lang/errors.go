package lang

import "github.com/vendgate/vendgate/core"

// keyOfReason is the one table from core's error reasons (and Parse's) to the message that
// answers them on SMS and USSD; keyOfCode answers the reasons it does not list. Only this package
// turns errors into customer text.
var keyOfReason = map[string]string{
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
	"invalid_meter_number": "err_meter_number",
	"meter_not_found":      "err_meter_not_found",
	// The meter cannot be sold to.
	"meter_blocked":        "err_meter_blocked",
	"meter_decommissioned": "err_meter_blocked",
	"meter_not_vendable":   "err_meter_blocked",
	"key_expired":          "err_meter_service",
	"tid_exhausted":        "err_meter_service",
	"no_vending_key":       "err_meter_service",
	// The amount.
	"invalid_amount":    "err_amount_invalid",
	"amount_too_small":  "err_amount_too_small",
	"amount_too_large":  "err_amount_too_large",
	"currency_mismatch": "err_currency",
	// The telco's settlement account cannot cover the purchase: not the customer's doing.
	"insufficient_funds": "err_funds",
	// Repeats and cancellations.
	"idempotency_key_reused": "err_repeat",
	"already_reversed":       "err_cancelled",
	"reversed_before_vend":   "err_cancelled",
	"reversal_window_passed": "err_invalid",
}

var keyOfCode = map[core.Code]string{
	core.CodeInvalid:           "err_invalid",
	core.CodeNotFound:          "err_meter_not_found",
	core.CodeInsufficientFunds: "err_funds",
	core.CodeDuplicate:         "err_repeat",
	core.CodeConflict:          "err_repeat",
	core.CodeUnavailable:       "err_unavailable",
	core.CodeUnauthorized:      "err_closed",
	core.CodeInternal:          "err_internal",
}

// messageKey returns the message answering an error: its reason's, else its code's, else the
// internal error's.
func messageKey(code core.Code, reason string) string {
	if k, ok := keyOfReason[reason]; ok {
		return k
	}
	if k, ok := keyOfCode[code]; ok {
		return k
	}
	return "err_internal"
}
