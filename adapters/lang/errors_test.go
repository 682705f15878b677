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
		reason core.Reason
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

// TestEveryCoreErrorHasAReply checks each code has a reply that is not the internal error's, and
// each of core's reasons is decided on: answered by a message of its own (which every language
// has, and which is the internal error's only for the internal reason), or listed as a reason no
// customer can meet. A reason added to core fails here until it is one or the other.
func TestEveryCoreErrorHasAReply(t *testing.T) {
	for _, code := range core.Codes() {
		if code == core.CodeInternal {
			continue
		}
		if k := lang.MessageKey(code, "not_a_reason"); !lang.KeyExists(k) || k == "err_internal" {
			t.Errorf("code %s answers with %s", code, k)
		}
	}
	langs := MustCatalog(t).Languages()
	for reason := range core.Reasons() {
		k, mapped := lang.ReasonKeys[reason]
		switch {
		case mapped && lang.NotForCustomers[reason]:
			t.Errorf("reason %s is both answered (%s) and listed as not for customers", reason, k)
		case !mapped && !lang.NotForCustomers[reason]:
			t.Errorf("reason %s has no reply: map it to a message or list it as not for customers", reason)
		case mapped:
			if (k == "err_internal") != (reason == core.ReasonInternal) {
				t.Errorf("reason %s answers with %s", reason, k)
			}
		}
	}
	for reason, k := range lang.ReasonKeys {
		if !lang.KeyExists(k) {
			t.Errorf("reason %s answers with %s, which is not a message", reason, k)
		}
		for _, l := range langs {
			if l.Text(k) == "" {
				t.Errorf("reason %s: %s has no text for %s", reason, l.Code(), k)
			}
		}
	}
	for reason := range lang.NotForCustomers {
		if _, ok := core.Reasons()[reason]; !ok {
			t.Errorf("%s is listed as not for customers but is not one of core's reasons", reason)
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
