package core_test

import (
	"testing"

	"github.com/vendgate/vendgate/core"
)

// TestPriceCharges: each charge takes its share of the payment after debt recovery, up to what
// remains of it, oldest first; the breakdown's parts still sum to the payment, the counters given
// are not changed, and ChargeTakes says what each charge got.
func TestPriceCharges(t *testing.T) {
	v := view(func(v *core.MeterView) { v.Utility.DebtRecoveryRate = dec("0.25") })
	before := core.MeterCounters{Arrears: 10_00, Charges: []core.ChargeDue{
		{ID: 7, Remaining: 60_00, Share: dec("0.5")},
		{ID: 9, Remaining: 20_00, Share: dec("0.3")},
	}}
	b, after, err := core.Price(v, 100_00, before)
	if err != nil {
		t.Fatal(err)
	}
	// 10.00 of debt (25 % would be 25.00, the arrears are 10.00); charge 7 takes its 50.00; charge
	// 9 what remains of it, 20.00 (its share would be 30.00).
	if b.Debt != 10_00 || b.Fees != 70_00 || b.Debt+b.Fees+b.FixedCharges+b.Tax+b.EnergyCharge != b.Paid {
		t.Fatalf("breakdown %+v, want 10.00 debt, 70.00 fees, parts summing to the payment", b)
	}
	if before.Charges[0].Remaining != 60_00 || before.Charges[1].Remaining != 20_00 {
		t.Errorf("Price changed the counters it was given: %+v", before.Charges)
	}
	takes := core.ChargeTakes(before, after)
	want := []core.ChargeTake{{ChargeID: 7, Amount: 50_00}, {ChargeID: 9, Amount: 20_00}}
	if len(takes) != 2 || takes[0] != want[0] || takes[1] != want[1] {
		t.Errorf("takes %+v, want %+v", takes, want)
	}
	if after.Charges[0].Remaining != 10_00 || after.Charges[1].Remaining != 0 {
		t.Errorf("charges after %+v, want 10.00 and nothing left", after.Charges)
	}
}
