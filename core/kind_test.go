package core_test

import (
	"slices"
	"testing"
	"time"

	"github.com/vendgate/vendgate/core"
)

func TestMeterKindUnit(t *testing.T) {
	tests := []struct {
		kind       core.MeterKind
		unit, show string
	}{
		{core.Electricity, "kWh", "62.1 kWh"},
		{core.Water, "kL", "62.1 kL"},
		{core.Gas, "m3", "62.1 m3"},
	}
	for _, tc := range tests {
		t.Run(string(tc.kind), func(t *testing.T) {
			if got := tc.kind.Unit(); got != tc.unit {
				t.Fatalf("Unit: got %q, want %q", got, tc.unit)
			}
			if got := tc.kind.Format(621); got != tc.show {
				t.Fatalf("Format(621): got %q, want %q", got, tc.show)
			}
			if k, err := core.ParseMeterKind(string(tc.kind)); err != nil || k != tc.kind {
				t.Fatalf("ParseMeterKind: got %q, %v", k, err)
			}
		})
	}
	if got := len(core.MeterKinds); got != len(tests) {
		t.Fatalf("MeterKinds has %d kinds, the table %d", got, len(tests))
	}
	if _, err := core.ParseMeterKind("steam"); core.ErrorCode(err) != core.CodeInvalid {
		t.Fatalf("ParseMeterKind(steam): got %v, want invalid", err)
	}
}

func TestMeterCheckTariff(t *testing.T) {
	gas := core.Meter{Number: "01234567897", Kind: core.Gas}
	t.Run("OK", func(t *testing.T) {
		if err := gas.CheckTariff(core.Tariff{Name: "gas", Kind: core.Gas}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrOtherKind", func(t *testing.T) {
		err := gas.CheckTariff(core.Tariff{Name: "Water domestic", Kind: core.Water})
		if e := core.AsError(err); e.Code != core.CodeInvalid || e.Reason != "tariff_other_kind" {
			t.Fatalf("got %v, want invalid tariff_other_kind", err)
		}
	})
}

func TestTariffValidateKind(t *testing.T) {
	flat := []core.TariffBlock{{Price: dec("200")}}
	for name, tr := range map[string]core.Tariff{
		"ErrNoKind":          {Name: "x", Blocks: flat},
		"ErrUnknownKind":     {Name: "x", Kind: "steam", Blocks: flat},
		"ErrNegativeCharge":  {Name: "x", Kind: core.Water, Blocks: flat, MonthlyFixedCharge: -1},
		"ErrNegativeFreeBas": {Name: "x", Kind: core.Water, Blocks: flat, FreeBasicEnergy: -1},
	} {
		t.Run(name, func(t *testing.T) {
			if err := tr.Validate(); core.ErrorCode(err) != core.CodeInvalid {
				t.Fatalf("got %v, want an invalid error", err)
			}
		})
	}
}

// TestReceiptUnit checks that a receipt names the meter kind's unit and service, never kWh for
// water or gas.
func TestReceiptUnit(t *testing.T) {
	for _, tc := range []struct {
		kind          core.MeterKind
		units, charge string
	}{
		{core.Electricity, "Units:      62.1 kWh", "Energy:     ZAR 100.00"},
		{core.Water, "Units:      62.1 kL", "Water:      ZAR 100.00"},
		{core.Gas, "Units:      62.1 m3", "Gas:        ZAR 100.00"},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			v := &core.Vend{Kind: tc.kind, Currency: zar(), Status: core.VendCompleted, CreatedAt: time.Unix(0, 0),
				Breakdown: core.Breakdown{Paid: 11500, Tax: 1500, EnergyCharge: 10000, Energy: 621, FreeEnergy: 500}}
			lines := v.Receipt()
			free := "Free:       " + tc.kind.Format(500)
			for _, want := range []string{tc.units, tc.charge, free} {
				if !slices.Contains(lines, want) {
					t.Fatalf("receipt %q has no line %q", lines, want)
				}
			}
		})
	}
}
