package core_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/core"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func zar() core.Currency {
	c, err := core.ParseCurrency("ZAR")
	if err != nil {
		panic(err)
	}
	return c
}

// stepped is a two-block tariff: 50 kWh a month at 150 cents/kWh, then 250 cents/kWh.
func stepped() core.Tariff {
	return core.Tariff{Name: "stepped", Blocks: []core.TariffBlock{{UpTo: 500, Price: dec("150")}, {Price: dec("250")}}}
}

func view(mod func(*core.MeterView)) core.MeterView {
	v := core.MeterView{
		Utility: core.Utility{ID: 1, Currency: zar(), TaxRate: dec("0.15"), Location: time.UTC},
		Tariff:  core.Tariff{Name: "flat", Kind: core.Electricity, Blocks: []core.TariffBlock{{Price: dec("200")}}},
	}
	if mod != nil {
		mod(&v)
	}
	return v
}

func TestTariffEnergy(t *testing.T) {
	tests := []struct {
		name    string
		tariff  core.Tariff
		charge  core.Money
		already core.Energy
		want    core.Energy
	}{
		{"FlatExact", core.Tariff{Blocks: []core.TariffBlock{{Price: dec("200")}}}, 10000, 0, 500},
		{"FlatRoundsDown", core.Tariff{Blocks: []core.TariffBlock{{Price: dec("300")}}}, 10000, 0, 333},
		{"FlatFractionalPrice", core.Tariff{Blocks: []core.TariffBlock{{Price: dec("187.5")}}}, 1000, 0, 53},
		{"SteppedWithinFirst", stepped(), 3000, 0, 200},
		{"SteppedAcrossBlocks", stepped(), 10000, 0, 500 + 100},
		{"SteppedAlreadyInSecond", stepped(), 10000, 600, 400},
		{"SteppedPartlyUsedFirst", stepped(), 3000, 400, 100 + 60},
		{"Zero", stepped(), 0, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.tariff.Energy(tc.charge, tc.already)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %s kWh, want %s kWh", got, tc.want)
			}
		})
	}
}

func TestTariffValidate(t *testing.T) {
	for name, tr := range map[string]core.Tariff{
		"ErrNoBlocks":       {Name: "x"},
		"ErrZeroPrice":      {Name: "x", Blocks: []core.TariffBlock{{Price: dec("0")}}},
		"ErrBoundedLast":    {Name: "x", Blocks: []core.TariffBlock{{UpTo: 100, Price: dec("1")}}},
		"ErrBoundsNotRisen": {Name: "x", Blocks: []core.TariffBlock{{UpTo: 100, Price: dec("1")}, {UpTo: 100, Price: dec("2")}, {Price: dec("3")}}},
	} {
		t.Run(name, func(t *testing.T) {
			if err := tr.Validate(); core.ErrorCode(err) != core.CodeInvalid {
				t.Fatalf("got %v, want an invalid error", err)
			}
		})
	}
}

func TestPrice(t *testing.T) {
	tests := []struct {
		name     string
		view     core.MeterView
		paid     core.Money
		counters core.MeterCounters
		want     core.Breakdown
		after    core.MeterCounters
	}{
		{
			// 11500 cents incl. 15% VAT: 10000 net buys 50.0 kWh at 200 cents/kWh.
			name: "FlatVAT", view: view(nil), paid: 11500,
			want:  core.Breakdown{Paid: 11500, Tax: 1500, EnergyCharge: 10000, Energy: 500},
			after: core.MeterCounters{MonthEnergy: 500},
		},
		{
			name: "DebtRecoveryCapped", view: view(func(v *core.MeterView) { v.Utility.DebtRecoveryRate = dec("0.25") }),
			paid: 11500, counters: core.MeterCounters{Arrears: 1000},
			want:  core.Breakdown{Paid: 11500, Debt: 1000, Tax: 1370, EnergyCharge: 9130, Energy: 456},
			after: core.MeterCounters{Arrears: 0, MonthEnergy: 456},
		},
		{
			name: "DebtRecoveryShare", view: view(func(v *core.MeterView) { v.Utility.DebtRecoveryRate = dec("0.25") }),
			paid: 11500, counters: core.MeterCounters{Arrears: 100000},
			want:  core.Breakdown{Paid: 11500, Debt: 2875, Tax: 1125, EnergyCharge: 7500, Energy: 375},
			after: core.MeterCounters{Arrears: 97125, MonthEnergy: 375},
		},
		{
			name: "FixedChargeOncePerMonth", view: view(func(v *core.MeterView) { v.Tariff.MonthlyFixedCharge = 2300 }),
			paid: 11500, counters: core.MeterCounters{MonthFixedPaid: 1000},
			want:  core.Breakdown{Paid: 11500, FixedCharges: 1300, Tax: 1330, EnergyCharge: 8870, Energy: 443},
			after: core.MeterCounters{MonthFixedPaid: 2300, MonthEnergy: 443},
		},
		{
			// Price offers the tariff's allowance; the vend's transaction claims it once a month
			// per customer and kind (TestFreeBasicOncePerCustomerAndKind in store).
			name: "FreeBasicForFlaggedCustomer", view: view(func(v *core.MeterView) {
				v.Tariff.FreeBasicEnergy = 500
				v.Customer.FreeBasic = true
			}),
			paid:  11500,
			want:  core.Breakdown{Paid: 11500, Tax: 1500, EnergyCharge: 10000, Energy: 500, FreeEnergy: 500},
			after: core.MeterCounters{MonthEnergy: 500},
		},
		{
			name: "FreeBasicNotFlagged", view: view(func(v *core.MeterView) { v.Tariff.FreeBasicEnergy = 500 }),
			paid:  11500,
			want:  core.Breakdown{Paid: 11500, Tax: 1500, EnergyCharge: 10000, Energy: 500},
			after: core.MeterCounters{MonthEnergy: 500},
		},
		{
			// The utility's electricity tariff has charges; a water tariff of its own has none.
			name: "WaterTariffNoElectricityCharges", view: view(func(v *core.MeterView) {
				v.Meter.Kind, v.Tariff.Kind = core.Water, core.Water
				v.Customer.FreeBasic = true
			}),
			paid: 11500, counters: core.MeterCounters{},
			want:  core.Breakdown{Paid: 11500, Tax: 1500, EnergyCharge: 10000, Energy: 500},
			after: core.MeterCounters{MonthEnergy: 500},
		},
		{
			// 20000.0 kWh cannot be carried exactly: rounded down to 19992.4 kWh, never up.
			name: "RoundedDownToToken", view: view(func(v *core.MeterView) { v.Utility.TaxRate = dec("0") }),
			paid:  4_000_000,
			want:  core.Breakdown{Paid: 4_000_000, EnergyCharge: 4_000_000, Energy: 199_924},
			after: core.MeterCounters{MonthEnergy: 199_924},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, after, err := core.Price(tc.view, tc.paid, tc.counters)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			if !reflect.DeepEqual(after, tc.after) {
				t.Fatalf("counters: got %+v, want %+v", after, tc.after)
			}
			if sum := got.Debt + got.FixedCharges + got.Tax + got.EnergyCharge; sum != got.Paid {
				t.Fatalf("breakdown sums to %d, want %d", sum, got.Paid)
			}
		})
	}
	t.Run("ErrAmountTooSmall", func(t *testing.T) {
		_, _, err := core.Price(view(nil), 1, core.MeterCounters{})
		if e := core.AsError(err); e.Code != core.CodeInvalid || e.Reason != "amount_too_small" {
			t.Fatalf("got %v, want invalid amount_too_small", err)
		}
	})
}

// TestPriceNeverOverpays checks invariant 5 over many payments: the energy a token carries never
// costs more than the energy part of the payment at the tariff's prices. Every payment of the
// range buys energy, so each case is checked: a refusal fails the test rather than skipping it.
func TestPriceNeverOverpays(t *testing.T) {
	v := view(func(v *core.MeterView) { v.Tariff = stepped() })
	cases, checked := 0, 0
	for paid := core.Money(100); paid < 2_000_000; paid = paid*11/10 + 7 {
		for _, already := range []core.Energy{0, 250, 500, 900} {
			cases++
			b, _, err := core.Price(v, paid, core.MeterCounters{MonthEnergy: already})
			if err != nil {
				t.Errorf("paid %d after %s kWh: %v", paid, already, err)
				continue
			}
			checked++
			// Cost of b.Energy tenths starting at `already`, in hundredths of a cent to stay exact.
			cost := int64(0)
			for e := already; e < already+b.Energy; e++ {
				if e < 500 {
					cost += 150 * 10
				} else {
					cost += 250 * 10
				}
			}
			if cost > int64(b.EnergyCharge)*100 {
				t.Fatalf("paid %d after %s kWh: %s kWh costs %d/100 cents, more than the charge %d", paid, already, b.Energy, cost, b.EnergyCharge)
			}
		}
	}
	t.Logf("%d of %d cases checked", checked, cases)
	if checked < 300 || checked != cases {
		t.Fatalf("%d of %d cases were checkable, want all of at least 300", checked, cases)
	}
}

func TestCurrency(t *testing.T) {
	c := zar()
	if got := c.Format(12345); got != "ZAR 123.45" {
		t.Fatalf("Format: got %q, want ZAR 123.45", got)
	}
	if m, err := c.ParseAmount("50.25"); err != nil || m != 5025 {
		t.Fatalf("ParseAmount(50.25): got %d, %v", m, err)
	}
	if _, err := c.ParseAmount("50.255"); core.ErrorCode(err) != core.CodeInvalid {
		t.Fatalf("ParseAmount(50.255): got %v, want invalid", err)
	}
	if _, err := core.ParseCurrency("XXX"); err == nil {
		t.Fatal("ParseCurrency(XXX): got nil error")
	}
	ugx, _ := core.ParseCurrency("UGX")
	if got := ugx.Format(5000); got != "UGX 5000" {
		t.Fatalf("UGX Format: got %q", got)
	}
}
