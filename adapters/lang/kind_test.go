package lang_test

import (
	"strings"
	"testing"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

// TestRepliesNameTheKindsUnit checks that every reply showing a quantity shows it in the meter
// kind's unit (core.MeterKind.Unit), never kWh for water or gas, in every language, and that no
// reply of a water or gas vend speaks of electricity.
func TestRepliesNameTheKindsUnit(t *testing.T) {
	cat := MustCatalog(t)
	for _, kind := range []core.MeterKind{core.Water, core.Gas} {
		v := keyChangeVend(t)
		v.Kind = kind
		for i := range v.Tokens {
			if v.Tokens[i].Purpose != core.PurposeKeyChange {
				v.Tokens[i].Kind = kind.CreditKind()
			}
		}
		for _, l := range cat.Languages() {
			code := l.Code()
			credit := kind.Format(v.Breakdown.Energy)
			free := kind.Format(v.Breakdown.FreeEnergy)
			for name, tc := range map[string]struct {
				text string
				want []string
			}{
				"VendFull":      {l.VendFull(v), []string{credit, free}},
				"VendCompact":   {l.VendCompact(v), []string{credit}},
				"Last":          {l.Last(v), []string{credit, free}},
				"USSDResult":    {l.USSDResult(v, true), []string{credit}},
				"USSDResultSMS": {l.USSDResult(longKindVend(t, kind), true), []string{kind.Format(99_999)}},
			} {
				for _, w := range tc.want {
					if !strings.Contains(tc.text, w) {
						t.Errorf("%s %s %s: %q does not show %q", kind, code, name, tc.text, w)
					}
				}
				for _, bad := range []string{"kWh", "lectric", "umeme"} {
					if strings.Contains(tc.text, bad) {
						t.Errorf("%s %s %s: %q says %q", kind, code, name, tc.text, bad)
					}
				}
			}
		}
	}
}

// longKindVend is a vend of kind whose USSD result does not fit a screen (its tokens come by SMS).
func longKindVend(tb testing.TB, kind core.MeterKind) *core.Vend {
	tb.Helper()
	v := keyChangeVend(tb)
	v.Kind, v.MeterNumber, v.Breakdown.Energy = kind, meter13, 99_999
	v.Tokens = append(v.Tokens, core.VendToken{Purpose: core.PurposeKeyChange, Kind: sts.KindKeyChange3, Token: mustToken(tb, "22223333444455556666")})
	return v
}
