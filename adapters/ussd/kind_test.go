package ussd_test

import (
	"context"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
)

// TestUSSDWaterMeter buys for a water meter over USSD: the final screen and the SMS copy give
// the quantity in kL, never kWh, and the screens never speak of electricity.
func TestUSSDWaterMeter(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		water := core.Tariff{UtilityID: f.utility.ID, Name: "Water domestic", Kind: core.Water, Blocks: []core.TariffBlock{{Price: decimal.RequireFromString("1800")}}}
		must(t, db.CreateTariff(context.Background(), &water))
		f.tariff = water
		m := f.newMeter(t, core.MeterActive).Number
		var screens []string
		for _, text := range []string{"", "1", "1*" + m, "1*" + m + "*1", "1*" + m + "*1*50", "1*" + m + "*1*50*1"} {
			screens = append(screens, f.dial(t, "w1", text))
		}
		final := screens[len(screens)-1]
		// ZAR 50.00 with 15 % VAT: 43.48 net at 18.00 a kL buys 2.4 kL.
		wantPrefix(t, final, "END ", "2.4 kL, ZAR 50.00")
		for _, s := range screens {
			if strings.Contains(s, "kWh") || strings.Contains(s, "lectric") {
				t.Errorf("a water purchase's screen says %q", s)
			}
		}
		req := f.vendor.reqs[len(f.vendor.reqs)-1]
		v, err := db.Vend(context.Background(), f.handlerVendID(t, "w1"))
		must(t, err)
		if sms := req.Reply.Render(v); !strings.Contains(sms, "2.4 kL") || strings.Contains(sms, "kWh") {
			t.Errorf("the SMS copy %q: want 2.4 kL, no kWh", sms)
		}
	})
}
