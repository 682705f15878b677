package core

import "maps"

// Reason is a stable, snake_case name for why a request failed, finer than its Code. Integrators
// switch on it (it is the REST problem's reason and names ISO 8583 field 39 and the SMS/USSD
// reply), so a reason's value never changes once it has shipped.
type Reason string

// The reasons core and the stores give. Reasons only an adapter gives (a transport problem, a
// protocol's own failure) are Reason constants in that adapter; they are not in Reasons.
const (
	// The codes' own reasons, for an error with nothing finer to say.
	ReasonInternal    Reason = "internal"
	ReasonUnavailable Reason = "unavailable"
	ReasonNotFound    Reason = "not_found"

	// Agents and their API keys.
	ReasonMissingAPIKey     Reason = "missing_api_key"
	ReasonInvalidAPIKey     Reason = "invalid_api_key"
	ReasonInvalidAPIKeyHash Reason = "invalid_api_key_hash"
	ReasonAPIKeyRevoked     Reason = "api_key_revoked"
	ReasonAgentInactive     Reason = "agent_inactive"
	ReasonAgentNoContract   Reason = "agent_no_contract" // its last contract was cancelled
	ReasonAgentNotFound     Reason = "agent_not_found"
	ReasonInvalidAgent      Reason = "invalid_agent"
	ReasonUnknownAgent      Reason = "unknown_agent"

	// Utilities, supply groups, vending keys and tariffs.
	ReasonInvalidUtility             Reason = "invalid_utility"
	ReasonInvalidTimeZone            Reason = "invalid_time_zone"
	ReasonInvalidSupplyGroup         Reason = "invalid_supply_group"
	ReasonDuplicateSupplyGroup       Reason = "duplicate_supply_group"
	ReasonUnknownSupplyGroup         Reason = "unknown_supply_group"
	ReasonInvalidVendingKey          Reason = "invalid_vending_key"
	ReasonNoVendingKey               Reason = "no_vending_key"
	ReasonInvalidTariff              Reason = "invalid_tariff"
	ReasonUnknownTariff              Reason = "unknown_tariff"
	ReasonTariffOtherKind            Reason = "tariff_other_kind"
	ReasonInvalidInstitution         Reason = "invalid_institution"
	ReasonInvalidServiceCode         Reason = "invalid_service_code"
	ReasonDuplicateServiceCode       Reason = "duplicate_service_code"
	ReasonUnknownServiceCode         Reason = "unknown_service_code"
	ReasonUnknownReference           Reason = "unknown_reference"
	ReasonInvalidPhone               Reason = "invalid_phone"
	ReasonInvalidSession             Reason = "invalid_session"
	ReasonInvalidArrears             Reason = "invalid_arrears"
	ReasonInvalidMeterStatus         Reason = "invalid_meter_status"
	ReasonMeterDecommissionedForGood Reason = "meter_decommissioned_for_good"

	// Meters.
	ReasonInvalidMeterNumber  Reason = "invalid_meter_number"
	ReasonInvalidMeterKind    Reason = "invalid_meter_kind"
	ReasonInvalidMeterKey     Reason = "invalid_meter_key"
	ReasonMeterNotFound       Reason = "meter_not_found"
	ReasonMeterOtherUtility   Reason = "meter_other_utility"
	ReasonMeterBlocked        Reason = "meter_blocked"
	ReasonMeterDecommissioned Reason = "meter_decommissioned"
	ReasonMeterNotVendable    Reason = "meter_not_vendable"
	ReasonMeterNotInstalled   Reason = "meter_not_installed" // not on an open contract: in the store, issued, removed
	ReasonKeyExpired          Reason = "key_expired"
	ReasonTIDExhausted        Reason = "tid_exhausted"
	ReasonInvalidKeyChange    Reason = "invalid_key_change"
	ReasonNoKeyChangePending  Reason = "no_key_change_pending"

	// The amount.
	ReasonInvalidAmount     Reason = "invalid_amount"
	ReasonAmountTooSmall    Reason = "amount_too_small"
	ReasonAmountTooLarge    Reason = "amount_too_large"
	ReasonUnknownCurrency   Reason = "unknown_currency"
	ReasonCurrencyMismatch  Reason = "currency_mismatch"
	ReasonInsufficientFunds Reason = "insufficient_funds"
	// ReasonSalesLimitExceeded: the vend would take the agent past its daily or monthly limit.
	ReasonSalesLimitExceeded Reason = "sales_limit_exceeded"

	// Vends, their idempotency, reversals and listings.
	ReasonInvalidChannel        Reason = "invalid_channel"
	ReasonInvalidIdempotencyKey Reason = "invalid_idempotency_key"
	ReasonIdempotencyKeyReused  Reason = "idempotency_key_reused"
	ReasonVendNotFound          Reason = "vend_not_found"
	ReasonReversedBeforeVend    Reason = "reversed_before_vend"
	ReasonAlreadyReversed       Reason = "already_reversed"
	ReasonReversalWindowPassed  Reason = "reversal_window_passed"
	ReasonTokenDelivered        Reason = "token_delivered"
	ReasonInvalidReversalReason Reason = "invalid_reversal_reason"
	ReasonInvalidStatus         Reason = "invalid_status"
	ReasonInvalidPeriod         Reason = "invalid_period"
	ReasonInvalidCursor         Reason = "invalid_cursor"

	// Replies (the outbox).
	ReasonInvalidReply   Reason = "invalid_reply"
	ReasonReplyNotFound  Reason = "reply_not_found"
	ReasonReplyNotFailed Reason = "reply_not_failed"
	ReasonReplyLeaseLost Reason = "reply_lease_lost"
)

// reasons is the closed list: each reason core and the stores give, with the one code it comes
// with.
var reasons = map[Reason]Code{
	ReasonInternal:    CodeInternal,
	ReasonUnavailable: CodeUnavailable,
	ReasonNotFound:    CodeNotFound,

	ReasonMissingAPIKey:     CodeUnauthorized,
	ReasonInvalidAPIKey:     CodeUnauthorized,
	ReasonInvalidAPIKeyHash: CodeInvalid,
	ReasonAPIKeyRevoked:     CodeConflict,
	ReasonAgentInactive:     CodeUnauthorized,
	ReasonAgentNoContract:   CodeUnauthorized,
	ReasonAgentNotFound:     CodeUnauthorized,
	ReasonInvalidAgent:      CodeInvalid,
	ReasonUnknownAgent:      CodeInvalid,

	ReasonInvalidUtility:             CodeInvalid,
	ReasonInvalidTimeZone:            CodeInvalid,
	ReasonInvalidSupplyGroup:         CodeInvalid,
	ReasonDuplicateSupplyGroup:       CodeDuplicate,
	ReasonUnknownSupplyGroup:         CodeInvalid,
	ReasonInvalidVendingKey:          CodeInvalid,
	ReasonNoVendingKey:               CodeInvalid,
	ReasonInvalidTariff:              CodeInvalid,
	ReasonUnknownTariff:              CodeInvalid,
	ReasonTariffOtherKind:            CodeInvalid,
	ReasonInvalidInstitution:         CodeInvalid,
	ReasonInvalidServiceCode:         CodeInvalid,
	ReasonDuplicateServiceCode:       CodeDuplicate,
	ReasonUnknownServiceCode:         CodeUnauthorized,
	ReasonUnknownReference:           CodeInvalid,
	ReasonInvalidPhone:               CodeInvalid,
	ReasonInvalidSession:             CodeInvalid,
	ReasonInvalidArrears:             CodeInvalid,
	ReasonInvalidMeterStatus:         CodeInvalid,
	ReasonMeterDecommissionedForGood: CodeConflict,

	ReasonInvalidMeterNumber:  CodeInvalid,
	ReasonInvalidMeterKind:    CodeInvalid,
	ReasonInvalidMeterKey:     CodeInvalid,
	ReasonMeterNotFound:       CodeNotFound,
	ReasonMeterOtherUtility:   CodeInvalid,
	ReasonMeterBlocked:        CodeInvalid,
	ReasonMeterDecommissioned: CodeInvalid,
	ReasonMeterNotVendable:    CodeInvalid,
	ReasonMeterNotInstalled:   CodeInvalid,
	ReasonKeyExpired:          CodeInvalid,
	ReasonTIDExhausted:        CodeInvalid,
	ReasonInvalidKeyChange:    CodeInvalid,
	ReasonNoKeyChangePending:  CodeConflict,

	ReasonInvalidAmount:      CodeInvalid,
	ReasonAmountTooSmall:     CodeInvalid,
	ReasonAmountTooLarge:     CodeInvalid,
	ReasonUnknownCurrency:    CodeInvalid,
	ReasonCurrencyMismatch:   CodeInvalid,
	ReasonInsufficientFunds:  CodeInsufficientFunds,
	ReasonSalesLimitExceeded: CodeInvalid,

	ReasonInvalidChannel:        CodeInvalid,
	ReasonInvalidIdempotencyKey: CodeInvalid,
	ReasonIdempotencyKeyReused:  CodeConflict,
	ReasonVendNotFound:          CodeNotFound,
	ReasonReversedBeforeVend:    CodeConflict,
	ReasonAlreadyReversed:       CodeConflict,
	ReasonReversalWindowPassed:  CodeConflict,
	ReasonTokenDelivered:        CodeConflict,
	ReasonInvalidReversalReason: CodeInvalid,
	ReasonInvalidStatus:         CodeInvalid,
	ReasonInvalidPeriod:         CodeInvalid,
	ReasonInvalidCursor:         CodeInvalid,

	ReasonInvalidReply:   CodeInvalid,
	ReasonReplyNotFound:  CodeNotFound,
	ReasonReplyNotFailed: CodeConflict,
	ReasonReplyLeaseLost: CodeConflict,
}

// Reasons returns the closed list of the reasons core and the stores give, each with its code.
// Every adapter's table is tested against it, so a new reason without a translation fails a test.
func Reasons() map[Reason]Code { return maps.Clone(reasons) }
