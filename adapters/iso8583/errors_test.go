package iso8583_test

import (
	"context"
	"errors"
	"testing"

	iso "github.com/vendgate/vendgate/adapters/iso8583"
	"github.com/vendgate/vendgate/core"
)

// TestResponseCodeTable pins the one table from core's errors to field 39 (docs/iso8583.md).
func TestResponseCodeTable(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"Approved", nil, "00"},
		{"Invalid", core.Errorf(core.CodeInvalid, "currency_mismatch", "x"), "12"},
		{"InvalidAmount", core.Errorf(core.CodeInvalid, "invalid_amount", "x"), "13"},
		{"AmountTooLarge", core.Errorf(core.CodeInvalid, "amount_too_large", "x"), "61"},
		{"InvalidMeterNumber", core.Errorf(core.CodeInvalid, "invalid_meter_number", "x"), "14"},
		{"MeterNotFound", core.Errorf(core.CodeNotFound, "meter_not_found", "x"), "14"},
		{"NotFound", core.Errorf(core.CodeNotFound, "", "x"), "14"},
		{"MeterBlocked", core.Errorf(core.CodeInvalid, "meter_blocked", "x"), "57"},
		{"KeyExpired", core.Errorf(core.CodeInvalid, "key_expired", "x"), "57"},
		{"InsufficientFunds", core.Errorf(core.CodeInsufficientFunds, "insufficient_funds", "x"), "51"},
		{"KeyReused", core.Errorf(core.CodeConflict, "idempotency_key_reused", "x"), "94"},
		{"Duplicate", core.Errorf(core.CodeDuplicate, "", "x"), "94"},
		{"ReversedBeforeVend", core.Errorf(core.CodeConflict, "reversed_before_vend", "x"), "12"},
		{"ReversalWindowPassed", core.Errorf(core.CodeConflict, "reversal_window_passed", "x"), "12"},
		{"AgentInactive", core.Errorf(core.CodeUnauthorized, "agent_inactive", "x"), "58"},
		{"Unavailable", core.Errorf(core.CodeUnavailable, "", "x"), "91"},
		{"Internal", core.Internal(errors.New("boom"), "x"), "96"},
		{"NotCoreError", context.Canceled, "96"},
		{"UnknownCode", &core.Error{Code: "bogus"}, "96"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := iso.ResponseCode(c.err); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}
