package iso8583_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vendgate/vendgate/adapters/iso8583"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

// TestTokenFieldUnit checks field 63's receipt lines for each meter kind: the quantity in the
// kind's unit, never kWh for water or gas.
func TestTokenFieldUnit(t *testing.T) {
	zar, err := core.ParseCurrency("ZAR")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		kind core.MeterKind
		want string
	}{
		{core.Electricity, "Units:      25.5 kWh"},
		{core.Water, "Units:      25.5 kL"},
		{core.Gas, "Units:      25.5 m3"},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			v := &core.Vend{Reference: "VREF", MeterNumber: "01234567897", Kind: tc.kind, CustomerName: "Thandi", Currency: zar,
				Breakdown: core.Breakdown{Paid: 5000, Tax: 652, EnergyCharge: 4348, Energy: 255},
				Tokens:    []core.VendToken{{Purpose: core.PurposeCredit, Kind: tc.kind.CreditKind(), Token: sts.MustParseToken("31112222333344445555"), TID: 1, Energy: 255}},
				Status:    core.VendCompleted, CreatedAt: time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)}
			f := iso8583.TokenField(v)
			body := f[2+iso8583.TokenDigits:]
			var lines []string
			for i := 0; i+iso8583.ReceiptColumns <= len(body); i += iso8583.ReceiptColumns {
				lines = append(lines, strings.TrimRight(body[i:i+iso8583.ReceiptColumns], " "))
			}
			found := false
			for _, l := range lines {
				found = found || l == tc.want
				if tc.kind != core.Electricity && strings.Contains(l, "kWh") {
					t.Errorf("field 63 line %q of a %s vend", l, tc.kind)
				}
			}
			if !found {
				t.Errorf("field 63 receipt %q has no line %q", lines, tc.want)
			}
		})
	}
}
