package lang_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/vendgate/vendgate/adapters/lang"
	"github.com/vendgate/vendgate/core"
)

// TestErrorTable pins the reply to each error a customer can meet: by reason first, then by code.
func TestErrorTable(t *testing.T) {
	for _, tc := range []struct {
		code   core.Code
		reason string
		want   string
	}{
		{core.CodeNotFound, "meter_not_found", "err_meter_not_found"},
		{core.CodeInvalid, "invalid_meter_number", "err_meter_number"},
		{core.CodeInvalid, "meter_blocked", "err_meter_blocked"},
		{core.CodeInvalid, "meter_decommissioned", "err_meter_blocked"},
		{core.CodeInvalid, "key_expired", "err_meter_service"},
		{core.CodeInvalid, "amount_too_small", "err_amount_too_small"},
		{core.CodeInvalid, "amount_too_large", "err_amount_too_large"},
		{core.CodeInvalid, lang.ReasonAmountOverflow, "err_amount_too_large"},
		{core.CodeInvalid, "invalid_amount", "err_amount_invalid"},
		{core.CodeInvalid, lang.ReasonAmountZero, "err_amount_positive"},
		{core.CodeInvalid, lang.ReasonAmountDecimals, "err_amount_decimals"},
		{core.CodeInvalid, "currency_mismatch", "err_currency"},
		{core.CodeInsufficientFunds, "insufficient_funds", "err_funds"},
		{core.CodeUnavailable, "unavailable", "err_unavailable"},
		{core.CodeConflict, "idempotency_key_reused", "err_repeat"},
		{core.CodeConflict, "reversed_before_vend", "err_cancelled"},
		{core.CodeUnauthorized, "agent_inactive", "err_closed"},
		{core.CodeInvalid, lang.ReasonUnknownCommand, "not_understood"},
		{core.CodeInvalid, lang.ReasonNoDefaultMeter, "no_default_meter"},
		{core.CodeInvalid, "something_new", "err_invalid"},
		{core.CodeInternal, "internal", "err_internal"},
		{core.Code("unheard_of"), "", "err_internal"},
	} {
		if got := lang.MessageKey(tc.code, tc.reason); got != tc.want {
			t.Errorf("%s/%s: got %s, want %s", tc.code, tc.reason, got, tc.want)
		}
	}
}

// TestEveryCoreErrorHasAReply checks each code, and each reason core gives a customer, has a
// reply of its own that is not the internal error's.
func TestEveryCoreErrorHasAReply(t *testing.T) {
	codes := []core.Code{core.CodeInvalid, core.CodeNotFound, core.CodeInsufficientFunds, core.CodeDuplicate,
		core.CodeConflict, core.CodeUnavailable, core.CodeUnauthorized}
	for _, code := range codes {
		if k := lang.MessageKey(code, "not_a_reason"); !lang.KeyExists(k) || k == "err_internal" {
			t.Errorf("code %s answers with %s", code, k)
		}
	}
	for _, reason := range lang.CoreReasons {
		if k := lang.MessageKey(core.CodeInternal, reason); !lang.KeyExists(k) || k == "err_internal" {
			t.Errorf("reason %s answers with %s", reason, k)
		}
	}
}

// TestErrorNeverShowsTheMessage checks a reply never carries the error's message or cause (for
// operators: it may name an agent's float or a database).
func TestErrorNeverShowsTheMessage(t *testing.T) {
	l := MustCatalog(t).Default()
	err := fmt.Errorf("vend: %w", &core.Error{Code: core.CodeUnavailable, Reason: "unavailable",
		Message: "the float of agent 7", Err: errors.New("pq: connection refused")})
	if got, want := l.Error(err), "Sorry, the service is busy. Please try again in a few minutes."; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
