package lang_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vendgate/vendgate/adapters/lang"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

// Valid meter numbers (check digit included) and one with a wrong check digit.
const (
	meter11    = "01234567897"
	meter13    = "0123456789015"
	badMeter11 = "01234567890"
)

var (
	zar = mustCurrency("ZAR")
	xof = mustCurrency("XOF")
	kes = mustCurrency("KES")
)

func mustCurrency(code string) core.Currency {
	c, err := core.ParseCurrency(code)
	if err != nil {
		panic(err)
	}
	return c
}

// MustCatalog loads the built-in catalog.
func MustCatalog(tb testing.TB) *lang.Catalog {
	tb.Helper()
	c, err := lang.Load()
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func mustToken(tb testing.TB, s string) sts.Token {
	tb.Helper()
	t, err := sts.ParseToken(s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// longName is a realistic customer name of MaxName characters.
var longName = "Nomvula Thandeka Mokoena-Dlamini Estates"

// creditVend is a completed vend with one credit token.
func creditVend(tb testing.TB) *core.Vend {
	tb.Helper()
	return &core.Vend{
		Reference:    "VGEZDGNBVGY3TQOJQ",
		MeterNumber:  meter11,
		Kind:         core.Electricity,
		CustomerName: "Thabo Nkosi",
		Currency:     zar,
		Breakdown:    core.Breakdown{Paid: 5000, Energy: 255},
		Tokens: []core.VendToken{
			{Purpose: core.PurposeCredit, Kind: sts.KindElectricity, Token: mustToken(tb, "56779034521983467210"), TID: 1, Energy: 255},
		},
		Status:    core.VendCompleted,
		CreatedAt: time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC),
	}
}

// longVend is a completed vend with one credit token and every value at its longest.
func longVend(tb testing.TB) *core.Vend {
	tb.Helper()
	v := creditVend(tb)
	v.MeterNumber = meter13
	v.CustomerName = longName
	v.Breakdown = core.Breakdown{Paid: 99_999_999, Energy: 99_999}
	return v
}

// keyChangeVend is a vend after a key change: two key change tokens, the credit token and a free
// basic energy token.
func keyChangeVend(tb testing.TB) *core.Vend {
	tb.Helper()
	v := creditVend(tb)
	v.Tokens = []core.VendToken{
		{Purpose: core.PurposeKeyChange, Kind: sts.KindKeyChange1, Token: mustToken(tb, "11112222333344445555")},
		{Purpose: core.PurposeKeyChange, Kind: sts.KindKeyChange2, Token: mustToken(tb, "66667777888899990000")},
		v.Tokens[0],
		{Purpose: core.PurposeFreeBasic, Kind: sts.KindElectricity, Token: mustToken(tb, "12341234123412341234"), TID: 2, Energy: 500},
	}
	v.Breakdown.FreeEnergy = 500
	return v
}

func lines(s string) string { return strings.ReplaceAll(s, "\n", `\n`) }
