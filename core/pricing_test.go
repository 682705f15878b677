package core_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts/meter"
	"github.com/vendgate/vendgate/testkit/memstore"
)

// TestVendMonthlyRules follows one meter through two months: the fixed charge is taken from the
// month's first purchases until paid, the free basic energy comes once a month on its own token,
// a stepped tariff prices by the month's cumulative purchases, and a new month starts afresh.
func TestVendMonthlyRules(t *testing.T) {
	w := memstore.NewWorld(t, func(u *core.Utility) {
		u.DebtRecoveryRate = decimal.Zero
	})
	w.Customer.FreeBasic = true
	if err := w.Store.CreateCustomer(bg, &w.Customer); err != nil {
		t.Fatal(err)
	}
	stepped := core.Tariff{UtilityID: w.Utility.ID, Name: "Stepped", Kind: core.Electricity, MonthlyFixedCharge: 2300, FreeBasicEnergy: 500, Blocks: []core.TariffBlock{
		{UpTo: 500, Price: decimal.RequireFromString("150")}, {Price: decimal.RequireFromString("250")},
	}}
	if err := w.Store.CreateTariff(bg, &stepped); err != nil {
		t.Fatal(err)
	}
	w.Tariff = stepped
	m := w.AddMeter(t, w.Site, nil)
	s := w.Vendor()
	vm := memstore.VirtualMeter(t, m.Key)

	// ZAR 115.00: 23.00 fixed, then 92.00 with VAT: 80.00 net buys 50.0 kWh at 1.50 and 2.0 at 2.50.
	v1 := mustVend(t, s, req(w, m.Number, "m1", 11500))
	want1 := core.Breakdown{Paid: 11500, FixedCharges: 2300, Tax: 1200, EnergyCharge: 8000, Energy: 500 + 20, FreeEnergy: 500, Commission: 230}
	if v1.Breakdown != want1 {
		t.Fatalf("first vend: got %+v, want %+v", v1.Breakdown, want1)
	}
	if len(v1.Tokens) != 2 || v1.Tokens[1].Purpose != core.PurposeFreeBasic || v1.Tokens[1].Energy != 500 || v1.Tokens[1].TID <= v1.Tokens[0].TID {
		t.Fatalf("first vend's tokens: %+v, want credit then free basic 50.0 with a greater TID", v1.Tokens)
	}
	for _, tk := range v1.Tokens {
		if r := vm.EnterToken(tk.Token); r.Code != meter.Accepted {
			t.Fatalf("%s token: the meter says %s", tk.Purpose, r)
		}
	}
	receipt := v1.Receipt()
	for _, line := range []string{"Charges:    ZAR 23.00", "Free:       50.0 kWh", "Units:      52.0 kWh", "Paid:       ZAR 115.00"} {
		if !contains(receipt, line) {
			t.Errorf("receipt %q lacks %q", receipt, line)
		}
	}
	for _, line := range receipt {
		if len([]rune(line)) > 40 {
			t.Errorf("receipt line %q is longer than 40 columns", line)
		}
	}

	// Same month: no fixed charge, no free energy, every kWh in the second block.
	v2 := mustVend(t, s, req(w, m.Number, "m2", 11500))
	want2 := core.Breakdown{Paid: 11500, Tax: 1500, EnergyCharge: 10000, Energy: 400, Commission: 230}
	if v2.Breakdown != want2 || len(v2.Tokens) != 1 {
		t.Fatalf("second vend: got %+v with %d tokens, want %+v with one", v2.Breakdown, len(v2.Tokens), want2)
	}

	// Reversing the first vend gives its fixed charge and free energy back to the month.
	if _, err := s.Reverse(bg, core.ReversalRequest{VendID: v1.ID, AgentID: 0, Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	c, err := w.Store.Counters(m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.MonthFixedPaid != 0 || c.MonthEnergy != 400 {
		t.Fatalf("counters after reversing the first vend: %+v, want no fixed charge paid, 40.0 kWh", c)
	}
	if again := mustVend(t, s, req(w, m.Number, "m2b", 11500)); again.Breakdown.FreeEnergy != 500 {
		t.Fatalf("after the reversal the month's allowance was not given again: %+v", again.Breakdown)
	}

	// Next month: the charge, the allowance and the first block again.
	w.Advance(20 * 24 * time.Hour)
	v3 := mustVend(t, s, req(w, m.Number, "m3", 11500))
	if v3.Breakdown != want1 {
		t.Fatalf("next month: got %+v, want %+v", v3.Breakdown, want1)
	}
	if c, _ := w.Store.Counters(m.ID); c.Month != "2025-04" || c.MonthEnergy != 520 || c.MonthFixedPaid != 2300 {
		t.Fatalf("April's counters: %+v", c)
	}
	checkLedger(t, w, w.Agent)
}

// TestVendMonthFollowsUtilityZone: the month is the utility's, not UTC's.
func TestVendMonthFollowsUtilityZone(t *testing.T) {
	loc := time.FixedZone("UTC+2", 2*60*60)
	w := memstore.NewWorld(t, func(u *core.Utility) { u.Location = loc })
	w.Advance(time.Date(2025, 3, 31, 23, 0, 0, 0, time.UTC).Sub(w.Now())) // 1 April, 01:00 local
	m := w.AddMeter(t, w.Site, nil)
	mustVend(t, w.Vendor(), req(w, m.Number, "k", 11500))
	if c, _ := w.Store.Counters(m.ID); c.Month != "2025-04" {
		t.Fatalf("month %q, want 2025-04 in the utility's zone", c.Month)
	}
}

func contains(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}
