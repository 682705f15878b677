package core_test

import (
	"testing"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

// TestCheckEngineering: each kind's value rules, and which meters take a water factor; each
// refusal names the field at fault.
func TestCheckEngineering(t *testing.T) {
	pan := func(iin, drn string) sts.PAN {
		p, err := sts.NewPAN(iin, drn)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	elec := core.Meter{Number: "01000000016", Kind: core.Electricity, Key: core.MeterKey{PAN: pan(sts.IIN, "01000000016")}}
	water := elec
	water.Kind = core.Water
	legacy := elec
	legacy.Number = "0100000000008"
	legacy.Key.PAN = pan(sts.LegacyIIN, "0100000000008")
	for _, tc := range []struct {
		name  string
		m     core.Meter
		kind  sts.Kind
		value uint64
		field string // "" when the token may be issued
	}{
		{"PowerLimitSmall", elec, sts.KindPowerLimit, 16_383, ""},
		{"PowerLimitStepOf10", elec, sts.KindPowerLimit, 16_394, ""},
		{"PowerLimitBetweenSteps", elec, sts.KindPowerLimit, 16_385, "value"},
		{"PowerLimitMax", elec, sts.KindPowerLimit, sts.MaxAmount, ""},
		{"PowerLimitAboveMax", elec, sts.KindPowerLimit, sts.MaxAmount + 1, "value"},
		{"PhaseUnbalanceBetweenSteps", elec, sts.KindPhaseUnbalance, 180_225, "value"},
		{"ClearOwnRegister", elec, sts.KindClearCredit, 0, ""},
		{"ClearAllRegisters", elec, sts.KindClearCredit, core.ClearAllRegisters, ""},
		{"ClearOtherRegister", elec, sts.KindClearCredit, 1, "value"},
		{"ClearWaterRegister", water, sts.KindClearCredit, 1, ""},
		{"ClearTamper", elec, sts.KindClearTamper, 0, ""},
		{"ClearTamperWithValue", elec, sts.KindClearTamper, 1, "value"},
		{"TariffRate", elec, sts.KindTariffRate, 65_535, ""},
		{"TariffRateTooLarge", elec, sts.KindTariffRate, 65_536, "value"},
		{"WaterFactor", water, sts.KindWaterFactor, 1, ""},
		{"WaterFactorZero", water, sts.KindWaterFactor, 0, "value"},
		{"WaterFactorOnElectricity", elec, sts.KindWaterFactor, 1, "kind"},
		{"TestAllBits", elec, sts.KindTest, 1<<36 - 1, ""},
		{"TestTooWide", elec, sts.KindTest, 1 << 36, "value"},
		{"TestNothing", elec, sts.KindTest, 0, "value"},
		{"TestWideAllBits", legacy, sts.KindTest, 1<<28 - 1, ""},
		{"TestWideTooWide", legacy, sts.KindTest, 1 << 28, "value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := core.CheckEngineering(tc.m, tc.kind, tc.value)
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tc.field != "" && (err == nil || core.AsError(err).Field != tc.field || core.ErrorCode(err) != core.CodeInvalid):
				t.Fatalf("got %v, want invalid on field %q", err, tc.field)
			}
		})
	}
	if err := core.CheckEngineering(elec, sts.KindKeyChange1, 0); core.ErrorCode(err) != core.CodeInternal {
		t.Errorf("a key change token: got %v, want an internal error (not an engineering token)", err)
	}
}
