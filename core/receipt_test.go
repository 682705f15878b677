package core_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

// TestReceiptLayout: every line fits 40 columns and every value starts in one column, the free
// token's included (its label was as wide as the column and ran into the token); the time is the
// utility's, with its zone; a reversed vend never says its token is cancelled.
func TestReceiptLayout(t *testing.T) {
	joburg, err := time.LoadLocation("Africa/Johannesburg")
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := sts.ParseToken("52604790447950400970")
	zar, _ := core.ParseCurrency("ZAR")
	v := &core.Vend{
		Reference: "VGEZDGNBVGY3TQOJQ", MeterNumber: "01234567897", CustomerName: strings.Repeat("Nomvula Mokoena ", 4),
		Currency: zar, Location: joburg, CreatedAt: time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC),
		Breakdown: core.Breakdown{Paid: 50_00, Debt: 5_00, FixedCharges: 2_00, Tax: 5_00, EnergyCharge: 38_00, Energy: 255, FreeEnergy: 500},
		Tokens: []core.VendToken{
			{Purpose: core.PurposeKeyChange, Token: tok}, {Purpose: core.PurposeCredit, Token: tok},
			{Purpose: core.PurposeFreeBasic, Token: tok},
		},
		Status: core.VendReversed,
	}
	lines := v.Receipt()
	column := strings.Index(lines[0], "01234567897")
	for _, l := range lines[:len(lines)-1] {
		if len([]rune(l)) > 40 {
			t.Errorf("%q: %d columns, want at most 40", l, len([]rune(l)))
		}
		label, _, _ := strings.Cut(l, ":")
		if value := strings.TrimLeft(l[len(label)+1:], " "); strings.Index(l, value) != column {
			t.Errorf("%q: the value starts at column %d, want %d", l, strings.Index(l, value), column)
		}
	}
	if date := lines[2]; !strings.HasSuffix(date, "2026-03-01 11:30 SAST") {
		t.Errorf("date line %q: want the utility's local time and zone", date)
	}
	if last := lines[len(lines)-1]; strings.Contains(strings.ToLower(last), "cancel") || !strings.Contains(last, "REVERSED") {
		t.Errorf("reversed receipt ends %q: it must say reversed, never cancelled", last)
	}
}
