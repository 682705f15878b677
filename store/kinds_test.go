package store_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/sts"
)

// kindTariffs stores the utility's electricity tariff, with a monthly fixed charge of 20.00 and a
// free basic allowance of 50 kWh, and a water tariff with neither.
func kindTariffs(t *testing.T, f *fixture) (electricity, water core.Tariff) {
	t.Helper()
	ctx := context.Background()
	electricity = core.Tariff{UtilityID: f.utility.ID, Name: "Lifeline", Kind: core.Electricity, MonthlyFixedCharge: 20_00,
		FreeBasicEnergy: 500, Blocks: []core.TariffBlock{{Price: decimal.RequireFromString("200")}}}
	must(t, f.db.CreateTariff(ctx, &electricity))
	water = core.Tariff{UtilityID: f.utility.ID, Name: "Water domestic", Kind: core.Water,
		Blocks: []core.TariffBlock{{Price: decimal.RequireFromString("1800")}}}
	must(t, f.db.CreateTariff(ctx, &water))
	return electricity, water
}

// freeBasicCustomer stores a customer flagged for the free basic allowance.
func freeBasicCustomer(t *testing.T, f *fixture, name string) core.Customer {
	t.Helper()
	c := core.Customer{Name: name, Address: "1 Main Rd", Phone: "+27820000000", Language: "en", FreeBasic: true}
	must(t, f.db.CreateCustomer(context.Background(), &c))
	return c
}

// TestVendWaterMeter checks that a water meter's vend is water: its quantity in kL on the
// receipt, a water credit token, and none of the electricity tariff's fixed charge or free basic
// allowance, although the customer is flagged for it and has an electricity meter on that tariff.
func TestVendWaterMeter(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		elec, water := kindTariffs(t, f)
		c := freeBasicCustomer(t, f, "Lindiwe Zulu")
		_ = f.meterOn(t, c.ID, elec, 0)
		m := f.meterOn(t, c.ID, water, 0)

		v := mustVend(t, f, m, "water-1", 115_00) // 100.00 net at 18.00 a kL: 5.5 kL
		b := v.Breakdown
		if v.Kind != core.Water || b.FixedCharges != 0 || b.FreeEnergy != 0 || b.Energy != 55 {
			t.Fatalf("water vend: kind %q, breakdown %+v; want water, 5.5 kL, no fixed charge, no free allowance", v.Kind, b)
		}
		if len(v.Tokens) != 1 || v.Tokens[0].Kind != sts.KindWater {
			t.Fatalf("water vend tokens %+v: want one water credit token", v.Tokens)
		}
		for _, line := range v.Receipt() {
			if slices.Contains([]string{"kWh", "Energy"}, line) {
				t.Errorf("water receipt line %q", line)
			}
		}
		if !slices.Contains(v.Receipt(), "Units:      5.5 kL") {
			t.Errorf("water receipt %q: no line %q", v.Receipt(), "Units:      5.5 kL")
		}
		vm := virtualMeter(t, m.Key, vendingKey)
		enter(t, vm, v)
		if got := vm.Credit(sts.KindWater.Subclass); got != 55 {
			t.Errorf("the meter's water register holds %d tenths, want 55", got)
		}
		stored, err := db.Vend(ctx, v.ID)
		must(t, err)
		if stored.Kind != core.Water {
			t.Errorf("stored vend's kind %q, want water", stored.Kind)
		}
	})
}

// TestFreeBasicOncePerCustomerAndKind checks that the free basic allowance is given once a month
// per customer and kind: of two vends at once for a customer's two electricity meters, one gets
// it; the customer's water allowance is apart; a reversal gives it back; a new month gives it
// again.
func TestFreeBasicOncePerCustomerAndKind(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		elec, water := kindTariffs(t, f)
		water.ID, water.Name, water.FreeBasicEnergy = 0, "Water lifeline", 60
		must(t, db.CreateTariff(ctx, &water))
		agents := []core.Agent{f.agent, f.newAgent(t, 0, 10_000_00)}

		const customers = 4
		type pair struct{ a, b core.Meter }
		meters := make([]pair, customers)
		for i := range meters {
			c := freeBasicCustomer(t, f, fmt.Sprintf("Customer %d", i))
			meters[i] = pair{f.meterOn(t, c.ID, elec, 0), f.meterOn(t, c.ID, elec, 0)}
		}
		start := make(chan struct{})
		vends := make([][2]*core.Vend, customers)
		var wg sync.WaitGroup
		for i, p := range meters {
			for j, m := range []core.Meter{p.a, p.b} {
				wg.Go(func() {
					<-start
					v, err := f.vendor.Vend(ctx, vendReq(agents[j].ID, m, fmt.Sprintf("at-once-%d-%d", i, j), 50_00))
					if err != nil {
						t.Errorf("customer %d meter %d: %v", i, j, err)
						return
					}
					vends[i][j] = v
				})
			}
		}
		close(start)
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		var first *core.Vend
		for i, vs := range vends {
			var given []*core.Vend
			for _, v := range vs {
				if v.Breakdown.FreeEnergy > 0 {
					given = append(given, v)
				}
				if got := freeTokens(v); got != min(v.Breakdown.FreeEnergy, 1) {
					t.Errorf("customer %d vend %s: %d free tokens for %s kWh free", i, v.Reference, got, v.Breakdown.FreeEnergy)
				}
			}
			if len(given) != 1 || given[0].Breakdown.FreeEnergy != 500 {
				t.Fatalf("customer %d: %d of 2 vends at once got the allowance, want exactly 1 of 50.0 kWh", i, len(given))
			}
			if i == 0 {
				first = given[0]
			}
		}

		c0 := meters[0]
		t.Run("OtherKindApart", func(t *testing.T) {
			wm := f.meterOn(t, c0.a.CustomerID, water, 0)
			v := mustVend(t, f, wm, "water-free", 50_00)
			if v.Breakdown.FreeEnergy != 60 || freeTokens(v) != 1 {
				t.Fatalf("water vend of a customer who had the electricity allowance: free %s, want 6.0 kL on its own token", v.Breakdown.FreeEnergy)
			}
		})
		t.Run("OnceAMonth", func(t *testing.T) {
			v := mustVend(t, f, c0.a, "again", 50_00)
			if v.Breakdown.FreeEnergy != 0 {
				t.Fatalf("a third vend in the month got %s free", v.Breakdown.FreeEnergy)
			}
		})
		t.Run("ReversalGivesItBack", func(t *testing.T) {
			_, err := f.vendor.Reverse(ctx, core.ReversalRequest{VendID: first.ID, Reason: "test"})
			must(t, err)
			v := mustVend(t, f, c0.b, "after-reversal", 50_00)
			if v.Breakdown.FreeEnergy != 500 {
				t.Fatalf("after the reversal of the vend that had it: free %s, want 50.0", v.Breakdown.FreeEnergy)
			}
		})
		t.Run("NextMonth", func(t *testing.T) {
			next := &core.Vendor{Meters: db, Agents: db, Utilities: db, Vends: db, Issuer: f.vendor.Issuer,
				Clock: func() time.Time { return now.AddDate(0, 1, 0) }, Random: rand.Reader}
			v, err := next.Vend(ctx, vendReq(f.agent.ID, c0.a, "next-month", 50_00))
			must(t, err)
			if v.Breakdown.FreeEnergy != 500 {
				t.Fatalf("next month: free %s, want 50.0", v.Breakdown.FreeEnergy)
			}
		})
		checkLedger(t, db)
	})
}

func freeTokens(v *core.Vend) core.Energy {
	var n core.Energy
	for _, t := range v.Tokens {
		if t.Purpose == core.PurposeFreeBasic {
			n++
		}
	}
	return n
}

// TestClaimFreeBasicInOneTransaction checks the claim's contract within one transaction (the
// case of two vends of one batch).
func TestClaimFreeBasicInOneTransaction(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		g := core.FreeBasicGrant{CustomerID: f.customer.ID, Kind: core.Electricity, Month: "2025-03", VendReference: "VX"}
		must(t, db.InVendTx(ctx, func(tx core.VendTx) error {
			for i, want := range []bool{true, false} {
				got, err := tx.ClaimFreeBasic(ctx, g)
				if err != nil {
					return err
				}
				if got != want {
					t.Errorf("claim %d: got %v, want %v", i+1, got, want)
				}
			}
			g.Kind = core.Gas
			if got, err := tx.ClaimFreeBasic(ctx, g); err != nil || !got {
				t.Errorf("the gas allowance after the electricity one: got %v, %v, want true", got, err)
			}
			return nil
		}))
	})
}

// TestFreeBasicOnceInBatches sends one agent's vends for customers' two meters all at once, so
// that core batches them and a batch often holds both meters of a customer: each customer still
// gets the allowance once, on the one vend whose free token carries it.
func TestFreeBasicOnceInBatches(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		cs := &countingStore{DB: db}
		f.vendor.Vends = cs
		elec, _ := kindTariffs(t, f)
		const customers, rounds = 10, 2
		var meters []core.Meter
		for i := range customers {
			c := freeBasicCustomer(t, f, fmt.Sprintf("Batch customer %d", i))
			meters = append(meters, f.meterOn(t, c.ID, elec, 0), f.meterOn(t, c.ID, elec, 0))
		}
		var (
			mu    sync.Mutex
			given = map[int64]int{}
			wg    sync.WaitGroup
		)
		for r := range rounds {
			for i, m := range meters {
				wg.Go(func() {
					v, err := f.vendor.Vend(ctx, vendReq(f.agent.ID, m, fmt.Sprintf("batch-%d-%d", r, i), 50_00))
					if err != nil {
						t.Errorf("meter %s: %v", m.Number, err)
						return
					}
					if got := freeTokens(v); got != min(v.Breakdown.FreeEnergy, 1) {
						t.Errorf("vend %s: %d free tokens for %s free", v.Reference, got, v.Breakdown.FreeEnergy)
					}
					if v.Breakdown.FreeEnergy > 0 {
						mu.Lock()
						given[m.CustomerID]++
						mu.Unlock()
					}
				})
			}
		}
		wg.Wait()
		for i := 0; i < len(meters); i += 2 {
			if n := given[meters[i].CustomerID]; n != 1 {
				t.Errorf("customer %d got the allowance %d times, want once", meters[i].CustomerID, n)
			}
		}
		n := customers * 2 * rounds
		if txs := cs.txs.Load(); txs >= int64(n) {
			t.Errorf("%d transactions for %d vends: none were batched", txs, n)
		}
		t.Logf("%d vends in %d transactions", n, cs.txs.Load())
		checkLedger(t, db)
	})
}
