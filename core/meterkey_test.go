package core_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

func validKey(t *testing.T) core.MeterKey {
	t.Helper()
	pan, err := sts.NewPAN(sts.IIN, "04123456784")
	if err != nil {
		t.Fatal(err)
	}
	return core.MeterKey{PAN: pan, SGC: 123456, KRN: 1, KT: sts.KeyTypeUnique, TI: 1, DKGA: sts.DKGA04, EA: sts.EA11,
		BaseDate: sts.BaseDate2014, KEN: sts.NoExpiry}
}

func TestMeterKeyValidate(t *testing.T) {
	if err := validKey(t).Validate(); err != nil {
		t.Fatalf("a valid key: %v", err)
	}
	for name, edit := range map[string]func(*core.MeterKey){
		"ErrNoPAN":    func(k *core.MeterKey) { k.PAN = sts.PAN{} },
		"ErrKRN0":     func(k *core.MeterKey) { k.KRN = 0 },
		"ErrKRN16":    func(k *core.MeterKey) { k.KRN = 16 },
		"ErrKT4":      func(k *core.MeterKey) { k.KT = 4 },
		"ErrTI100":    func(k *core.MeterKey) { k.TI = 100 },
		"ErrDKGA01":   func(k *core.MeterKey) { k.DKGA = 1 },
		"ErrEA08":     func(k *core.MeterKey) { k.EA = 8 },
		"ErrBaseDate": func(k *core.MeterKey) { k.BaseDate = 7 },
	} {
		t.Run(name, func(t *testing.T) {
			k := validKey(t)
			edit(&k)
			if err := k.Validate(); core.AsError(err).Reason != "invalid_meter_key" {
				t.Fatalf("got %v, want invalid_meter_key", err)
			}
		})
	}
}

func TestCheckKeyChange(t *testing.T) {
	from := validKey(t)
	to := from
	to.PAN, to.TI, to.KRN = sts.PAN{}, 2, 2
	if err := core.CheckKeyChange(from, &to); err != nil || to.PAN != from.PAN {
		t.Fatalf("a new tariff index and revision: %v (PAN filled: %t)", err, to.PAN == from.PAN)
	}
	other, _ := sts.NewPAN(sts.IIN, "04123456792")
	for name, k := range map[string]core.MeterKey{
		"ErrOtherEA":  func() core.MeterKey { k := from; k.EA = sts.EA07; return k }(),
		"ErrOtherPAN": func() core.MeterKey { k := from; k.PAN = other; return k }(),
		"ErrInvalid":  func() core.MeterKey { k := from; k.KRN = 0; return k }(),
	} {
		t.Run(name, func(t *testing.T) {
			if err := core.CheckKeyChange(from, &k); core.ErrorCode(err) != core.CodeInvalid {
				t.Fatalf("got %v, want invalid", err)
			}
		})
	}
}

func TestUtilityValidate(t *testing.T) {
	zar, _ := core.ParseCurrency("ZAR")
	ok := core.Utility{Name: "U", Currency: zar, TaxRate: decimal.RequireFromString("0.15"), Location: time.UTC,
		DebtRecoveryRate: decimal.RequireFromString("1"), ReversalWindow: time.Hour}
	if err := ok.Validate(); err != nil {
		t.Fatalf("a valid utility: %v", err)
	}
	for name, edit := range map[string]func(*core.Utility){
		"ErrNoName":      func(u *core.Utility) { u.Name = "" },
		"ErrCurrency":    func(u *core.Utility) { u.Currency = core.Currency{Code: "XXX"} },
		"ErrNegativeTax": func(u *core.Utility) { u.TaxRate = decimal.RequireFromString("-0.1") },
		"ErrDebtAbove1":  func(u *core.Utility) { u.DebtRecoveryRate = decimal.RequireFromString("1.01") },
		"ErrNegativeWin": func(u *core.Utility) { u.ReversalWindow = -time.Second },
	} {
		t.Run(name, func(t *testing.T) {
			u := ok
			edit(&u)
			if err := u.Validate(); core.ErrorCode(err) != core.CodeInvalid {
				t.Fatalf("got %v, want invalid", err)
			}
		})
	}
}
