package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/sts"
	"github.com/vendgate/vendgate/sts/meter"
)

func vendReq(agentID int64, m core.Meter, key string, amount core.Money) core.VendRequest {
	return core.VendRequest{Channel: core.ChannelREST, IdempotencyKey: key, AgentID: agentID, MeterNumber: m.Number, Amount: amount, Currency: "ZAR"}
}

// enter types a vend's tokens into a virtual meter and checks each is taken, and that credit
// tokens add what the vend says they carry.
func enter(t *testing.T, vm *meter.Meter, v *core.Vend) {
	t.Helper()
	if len(v.Tokens) == 0 {
		t.Fatalf("vend %s has no token to enter", v.Reference)
	}
	for i, tok := range v.Tokens {
		res := vm.EnterToken(tok.Token)
		if !res.Code.OK() {
			t.Fatalf("vend %s token %d (%s): the meter says %s", v.Reference, i+1, tok.Purpose, res)
		}
		if tok.Purpose != core.PurposeKeyChange && res.Added != uint64(tok.Energy) {
			t.Fatalf("vend %s token %d: the meter added %d tenths, the vend says %d", v.Reference, i+1, res.Added, tok.Energy)
		}
	}
}

func TestVend(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		m := f.newMeter(t, 40_00)
		before, err := db.Agent(ctx, f.agent.ID)
		must(t, err)

		v, err := f.vendor.Vend(ctx, vendReq(f.agent.ID, m, "k1", 100_00))
		must(t, err)
		b := v.Breakdown
		if v.ID == 0 || v.Status != core.VendCompleted || len(v.Tokens) != 1 || v.Tokens[0].Purpose != core.PurposeCredit {
			t.Fatalf("vend %+v: want a completed vend with one credit token", v)
		}
		if b.Debt != 25_00 || b.Paid != b.Debt+b.FixedCharges+b.Tax+b.EnergyCharge || b.Energy == 0 || b.Commission != 2_00 {
			t.Errorf("breakdown %+v: want 25.00 debt recovered, 2.00 commission and parts that sum to the payment", b)
		}
		if v.Tokens[0].Energy != b.Energy || v.Tokens[0].Kind != sts.KindElectricity {
			t.Errorf("token %+v does not carry the breakdown's %s kWh of electricity", v.Tokens[0], b.Energy)
		}
		vm := virtualMeter(t, m.Key, vendingKey)
		enter(t, vm, v)
		if got := vm.Credit(0); got != uint64(b.Energy) {
			t.Errorf("the meter's credit register holds %d tenths, want %d", got, b.Energy)
		}

		stored, err := db.Vend(ctx, v.ID)
		must(t, err)
		if diff := cmp.Diff(v, stored, cmpCore); diff != "" {
			t.Errorf("Vend(id) differs from the vend returned (-returned +stored):\n%s", diff)
		}
		after, err := db.Agent(ctx, f.agent.ID)
		must(t, err)
		if got, want := before.Balance-after.Balance, b.Paid-b.Commission; got != want {
			t.Errorf("the float moved by %d, want %d", got, want)
		}
		view, err := db.MeterByNumber(ctx, m.Number)
		must(t, err)
		if view.Arrears != 15_00 {
			t.Errorf("arrears after the vend: %d, want 1500", view.Arrears)
		}
		c := counters(t, db, m.ID)
		if c.LastTID != v.Tokens[0].TID || c.TIDKey != m.Key.BaseDate.String() || c.Month != "2025-03" || c.MonthEnergy != b.Energy {
			t.Errorf("meter counters %+v after vend with TID %d", c, v.Tokens[0].TID)
		}
		checkLedger(t, db)
	})
}

func TestVendReplay(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		m := f.newMeter(t, 0)
		first, err := f.vendor.Vend(ctx, vendReq(f.agent.ID, m, "replay", 50_00))
		must(t, err)
		balance, err := db.Agent(ctx, f.agent.ID)
		must(t, err)

		t.Run("SameRequest", func(t *testing.T) {
			again, err := f.vendor.Vend(ctx, vendReq(f.agent.ID, m, "replay", 50_00))
			must(t, err)
			if first.Replayed || !again.Replayed {
				t.Errorf("replayed: first %v, again %v; want false, true", first.Replayed, again.Replayed)
			}
			again.Replayed = false
			if diff := cmp.Diff(first, again, cmpCore); diff != "" {
				t.Errorf("the replay differs (-first +replay):\n%s", diff)
			}
		})
		t.Run("ErrConflict", func(t *testing.T) {
			_, err := f.vendor.Vend(ctx, vendReq(f.agent.ID, m, "replay", 60_00))
			wantCode(t, err, core.CodeConflict, "idempotency_key_reused")
		})
		t.Run("MeterBlockedSince", func(t *testing.T) {
			must(t, db.SetMeterStatus(ctx, m.ID, core.MeterBlocked))
			t.Cleanup(func() { must(t, db.SetMeterStatus(ctx, m.ID, core.MeterActive)) })
			again, err := f.vendor.Vend(ctx, vendReq(f.agent.ID, m, "replay", 50_00))
			must(t, err)
			if !sameTokens(first, again) {
				t.Errorf("a replay after the meter was blocked: got tokens %v, want the stored ones", again.Tokens)
			}
			_, err = f.vendor.Vend(ctx, vendReq(f.agent.ID, m, "replay-new", 50_00))
			wantCode(t, err, core.CodeInvalid, "meter_blocked")
		})
		vends, err := db.VendsByMeter(ctx, m.Number, f.agent.ID, 10)
		must(t, err)
		if others, err := db.VendsByMeter(ctx, m.Number, f.agent.ID+1000, 10); err != nil || len(others) != 0 {
			t.Errorf("another agent's history of the meter: got %d vends, %v; want none", len(others), err)
		}
		if all, err := db.VendsByMeter(ctx, m.Number, 0, 10); err != nil || len(all) != 1 {
			t.Errorf("every agent's history (operators): got %d vends, %v; want 1", len(all), err)
		}
		now, err := db.Agent(ctx, f.agent.ID)
		must(t, err)
		if len(vends) != 1 || now.Balance != balance.Balance {
			t.Errorf("after replays: %d vends, balance %d; want 1 vend, balance %d", len(vends), now.Balance, balance.Balance)
		}
	})
}

func TestVendConcurrentDuplicates(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		m := f.newMeter(t, 0)
		before, err := db.Agent(ctx, f.agent.ID)
		must(t, err)
		const n = 50
		vends := make([]*core.Vend, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { vends[i], errs[i] = f.vendor.Vend(ctx, vendReq(f.agent.ID, m, "same-key", 30_00)) })
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("duplicate %d: %v", i, errs[i])
			}
			if vends[i].ID != vends[0].ID || vends[i].Reference != vends[0].Reference || !sameTokens(vends[i], vends[0]) {
				t.Fatalf("duplicate %d got vend %d %s, duplicate 0 got %d %s", i, vends[i].ID, vends[i].Reference, vends[0].ID, vends[0].Reference)
			}
		}
		stored, err := db.VendsByMeter(ctx, m.Number, 0, 100)
		must(t, err)
		if len(stored) != 1 {
			t.Errorf("%d vend rows for one idempotency key, want 1", len(stored))
		}
		after, err := db.Agent(ctx, f.agent.ID)
		must(t, err)
		if got, want := before.Balance-after.Balance, vends[0].Breakdown.Paid-vends[0].Breakdown.Commission; got != want {
			t.Errorf("the float moved by %d, want one debit of %d", got, want)
		}
		checkLedger(t, db)
	})
}

func TestVendConcurrentAgent(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		meters := []core.Meter{f.newMeter(t, 0), f.newMeter(t, 0), f.newMeter(t, 30_00), f.newMeter(t, 0)}
		const n = 200
		vends := make([]*core.Vend, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				vends[i], errs[i] = f.vendor.Vend(ctx, vendReq(f.agent.ID, meters[i%len(meters)], fmt.Sprintf("hot-%d", i), core.Money(20_00+i)))
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("vend %d: %v", i, err)
			}
		}
		checkLedger(t, db)
		agent, err := db.Agent(ctx, f.agent.ID)
		must(t, err)
		ledger, err := db.AccountBalance(ctx, core.AgentAccount(f.agent.ID))
		must(t, err)
		if agent.Balance != ledger {
			t.Errorf("agent balance %d, ledger %d", agent.Balance, ledger)
		}

		// The order in which vends of one meter took its lock is the order of their ledger
		// entries (written under the lock); their TIDs must increase in that order.
		order := map[string]int64{}
		for before := int64(0); ; {
			lines, err := db.Statement(ctx, f.agent.ID, before, 1000)
			must(t, err)
			if len(lines) == 0 {
				break
			}
			for _, l := range lines {
				if l.Reference != "" && (order[l.Reference] == 0 || l.ID < order[l.Reference]) {
					order[l.Reference] = l.ID
				}
			}
			before = lines[len(lines)-1].ID
		}
		for _, m := range meters {
			var mine []*core.Vend
			for _, v := range vends {
				if v.MeterID == m.ID {
					mine = append(mine, v)
				}
			}
			slices.SortFunc(mine, func(a, b *core.Vend) int { return int(order[a.Reference] - order[b.Reference]) })
			vm := virtualMeter(t, m.Key, vendingKey)
			for i, v := range mine {
				if order[v.Reference] == 0 {
					t.Fatalf("vend %s has no ledger entry on the agent's statement", v.Reference)
				}
				if i > 0 && v.Tokens[0].TID <= mine[i-1].Tokens[0].TID {
					t.Fatalf("meter %s: vend %s has TID %d after TID %d", m.Number, v.Reference, v.Tokens[0].TID, mine[i-1].Tokens[0].TID)
				}
				enter(t, vm, v)
			}
			if c := counters(t, db, m.ID); c.LastTID != mine[len(mine)-1].Tokens[0].TID {
				t.Errorf("meter %s: last TID %d, want %d", m.Number, c.LastTID, mine[len(mine)-1].Tokens[0].TID)
			}
			stored, err := db.VendsByMeter(ctx, m.Number, 0, 1000)
			must(t, err)
			if len(stored) != len(mine) {
				t.Errorf("meter %s: %d vends stored, want %d", m.Number, len(stored), len(mine))
			}
		}
	})
}

func TestVendInsufficientFunds(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		m := f.newMeter(t, 20_00)
		agent := f.newAgent(t, 10_00, 50_00) // may go down to -10.00
		v, err := f.vendor.Vend(ctx, vendReq(agent.ID, m, "within-limit", 59_00))
		must(t, err) // debits 57.82 of a 50.00 float: -7.82
		agentBefore, err := db.Agent(ctx, agent.ID)
		must(t, err)
		countersBefore := counters(t, db, m.ID)
		statementBefore, err := db.Statement(ctx, agent.ID, 0, 100)
		must(t, err)
		energyBefore, err := db.AccountBalance(ctx, core.UtilityAccount(f.utility.ID, "energy"))
		must(t, err)

		_, err = f.vendor.Vend(ctx, vendReq(agent.ID, m, "past-limit", 5_00))
		wantCode(t, err, core.CodeInsufficientFunds, "insufficient_funds")

		if _, err := db.VendByKey(ctx, core.ChannelREST, "past-limit"); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("VendByKey(past-limit): got %v, want core.ErrNotFound (no vend row)", err)
		}
		if vends, err := db.VendsByMeter(ctx, m.Number, 0, 10); err != nil || len(vends) != 1 || vends[0].ID != v.ID {
			t.Errorf("the meter's vends after the refusal: %d (%v), want only %d", len(vends), err, v.ID)
		}
		agentAfter, err := db.Agent(ctx, agent.ID)
		must(t, err)
		if agentAfter.Balance != agentBefore.Balance {
			t.Errorf("balance %d after the refusal, want %d", agentAfter.Balance, agentBefore.Balance)
		}
		if got := counters(t, db, m.ID); !reflect.DeepEqual(got, countersBefore) {
			t.Errorf("meter counters after the refusal %+v, want %+v", got, countersBefore)
		}
		statementAfter, err := db.Statement(ctx, agent.ID, 0, 100)
		must(t, err)
		energyAfter, err := db.AccountBalance(ctx, core.UtilityAccount(f.utility.ID, "energy"))
		must(t, err)
		if len(statementAfter) != len(statementBefore) || energyAfter != energyBefore {
			t.Errorf("ledger after the refusal: %d agent entries, energy %d; want %d, %d", len(statementAfter), energyAfter, len(statementBefore), energyBefore)
		}
		checkLedger(t, db)
	})
}

func TestVendRefused(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		t.Run("ErrNotFound", func(t *testing.T) {
			unknown := core.Meter{Number: meterNumber(t, 5555)}
			_, err := f.vendor.Vend(ctx, vendReq(f.agent.ID, unknown, "unknown", 10_00))
			wantCode(t, err, core.CodeNotFound, "meter_not_found")
		})
		t.Run("ErrMeterBlocked", func(t *testing.T) {
			f.seq++
			number := meterNumber(t, f.seq)
			m := core.Meter{Number: number, Status: core.MeterBlocked, Key: meterKey(t, number, 1),
				SupplyGroupID: f.group.ID, CustomerID: f.customer.ID, TariffID: f.tariff.ID}
			must(t, db.CreateMeter(ctx, &m, 0))
			_, err := f.vendor.Vend(ctx, vendReq(f.agent.ID, m, "blocked", 10_00))
			wantCode(t, err, core.CodeInvalid, "meter_blocked")
		})
	})
}

func TestVendKeyChange(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		m := f.newMeter(t, 0)
		vm := virtualMeter(t, m.Key, vendingKey)
		for i := range 3 { // TIDs under the old key, pushed ahead of the clock's minute
			enter(t, vm, mustVend(t, f, m, fmt.Sprintf("before-%d", i), 20_00))
		}

		newKey := meterKey(t, m.Number, 2)
		must(t, db.SetPendingKeyChange(ctx, m.ID, &newKey, false))
		v := mustVend(t, f, m, "with-key-change", 40_00)
		purposes := make([]core.TokenPurpose, len(v.Tokens))
		for i, tok := range v.Tokens {
			purposes[i] = tok.Purpose
		}
		want := []core.TokenPurpose{core.PurposeKeyChange, core.PurposeKeyChange, core.PurposeCredit}
		if !slices.Equal(purposes, want) || v.Tokens[0].Kind != sts.KindKeyChange1 || v.Tokens[1].Kind != sts.KindKeyChange2 {
			t.Fatalf("tokens %v, want %v (KCT1, KCT2, credit)", v.Tokens, want)
		}
		enter(t, vm, v)
		if got := vm.Key(); got.KRN != 2 {
			t.Fatalf("the meter is on KRN %d after the key change tokens, want 2", got.KRN)
		}

		must(t, db.ConfirmKeyChange(ctx, m.ID))
		v = mustVend(t, f, m, "after", 30_00)
		if len(v.Tokens) != 1 || v.Tokens[0].Purpose != core.PurposeCredit {
			t.Fatalf("after the confirmed key change: tokens %v, want one credit token", v.Tokens)
		}
		enter(t, vm, v)
		if got, want := vm.Credit(0), uint64(0); got == want {
			t.Errorf("the meter has no credit")
		}
	})
}

// TestVendRollover moves a meter whose base date 1993 has run out of TIDs to 2014 with the
// rollover flag: the key change clears the meter's TID memory and the credit token counts from
// the new base date.
func TestVendRollover(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		f.seq++
		number := meterNumber(t, f.seq)
		old := meterKey(t, number, 1)
		old.BaseDate = sts.BaseDate1993
		m := core.Meter{Number: number, Key: old, SupplyGroupID: f.group.ID, CustomerID: f.customer.ID, TariffID: f.tariff.ID}
		must(t, db.CreateMeter(ctx, &m, 0))
		_, err := f.vendor.Vend(ctx, vendReq(f.agent.ID, m, "exhausted", 20_00))
		wantCode(t, err, core.CodeInvalid, "tid_exhausted")

		next := meterKey(t, number, 2) // base date 2014
		must(t, db.SetPendingKeyChange(ctx, m.ID, &next, true))
		v := mustVend(t, f, m, "rollover", 20_00)
		if len(v.Tokens) != 3 {
			t.Fatalf("%d tokens, want KCT1, KCT2 and credit", len(v.Tokens))
		}
		if want, _ := sts.BaseDate2014.TIDAt(now); v.Tokens[2].TID != want {
			t.Errorf("credit TID %d, want %d (the minute from base date 2014)", v.Tokens[2].TID, want)
		}
		vm := virtualMeter(t, old, vendingKey)
		enter(t, vm, v)
		if k := vm.Key(); k.BaseDate != sts.BaseDate2014 || k.KRN != 2 {
			t.Errorf("the meter is on base date %s KRN %d, want 2014 KRN 2", k.BaseDate, k.KRN)
		}
	})
}

func mustVend(t *testing.T, f *fixture, m core.Meter, key string, amount core.Money) *core.Vend {
	t.Helper()
	v, err := f.vendor.Vend(context.Background(), vendReq(f.agent.ID, m, key, amount))
	must(t, err)
	return v
}

func TestReverse(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		m := f.newMeter(t, 40_00)
		before, err := db.Agent(ctx, f.agent.ID)
		must(t, err)
		countersBefore := counters(t, db, m.ID)
		v := mustVend(t, f, m, "to-reverse", 80_00)

		t.Run("OtherAgent", func(t *testing.T) {
			_, err := f.vendor.Reverse(ctx, reversal(v.ID, f.agent.ID+1000))
			wantCode(t, err, core.CodeNotFound, "vend_not_found")
		})
		t.Run("OK", func(t *testing.T) {
			r, err := f.vendor.Reverse(ctx, reversal(v.ID, f.agent.ID))
			must(t, err)
			if r.Status != core.VendReversed || !r.ReversedAt.Equal(now) || !sameTokens(r, v) {
				t.Errorf("reversed vend: status %s at %v, want reversed at %v with the same tokens", r.Status, r.ReversedAt, now)
			}
			after, err := db.Agent(ctx, f.agent.ID)
			must(t, err)
			if after.Balance != before.Balance {
				t.Errorf("balance after reversal %d, want %d", after.Balance, before.Balance)
			}
			c := counters(t, db, m.ID)
			if c.Arrears != countersBefore.Arrears || c.MonthEnergy != 0 || c.LastTID != v.Tokens[0].TID {
				t.Errorf("counters after reversal %+v: want arrears %d, no energy this month, TID %d kept", c, countersBefore.Arrears, v.Tokens[0].TID)
			}
			for _, acc := range []string{"energy", "tax", "debt", "commission"} {
				if sum, err := db.AccountBalance(ctx, core.UtilityAccount(f.utility.ID, acc)); err != nil || sum != 0 {
					t.Errorf("utility account %s sums to %d (%v) after the reversal, want 0", acc, sum, err)
				}
			}
			checkLedger(t, db)
		})
		t.Run("ErrAlreadyReversed", func(t *testing.T) {
			_, err := f.vendor.Reverse(ctx, reversal(v.ID, f.agent.ID))
			wantCode(t, err, core.CodeConflict, "already_reversed")
			if _, err := db.ReverseVend(ctx, v.ID, core.VendReversal{At: now, Reason: "again", By: "test"}); !errors.Is(err, core.ErrNotFound) {
				t.Errorf("ReverseVend of a reversed vend: got %v, want core.ErrNotFound", err)
			}
			after, err := db.Agent(ctx, f.agent.ID)
			must(t, err)
			if after.Balance != before.Balance {
				t.Errorf("balance after a second reversal %d, want %d", after.Balance, before.Balance)
			}
		})
	})
}

func TestStatement(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		m := f.newMeter(t, 0)
		for i := range 3 {
			mustVend(t, f, m, fmt.Sprintf("s%d", i), core.Money(10_00*(i+1)))
			_, err := db.TopUp(ctx, f.agent.ID, 5_00, "cash deposit")
			must(t, err)
		}
		agent, err := db.Agent(ctx, f.agent.ID)
		must(t, err)
		all, err := db.Statement(ctx, f.agent.ID, 0, 0)
		must(t, err)
		// 1 opening top-up, 3 vends of two entries (payment, commission), 3 top-ups.
		if len(all) != 10 {
			t.Fatalf("%d statement lines, want 10", len(all))
		}
		if all[0].Balance != agent.Balance {
			t.Errorf("the newest line's balance %d, want the agent's %d", all[0].Balance, agent.Balance)
		}
		for i, l := range all {
			if i > 0 && (l.ID >= all[i-1].ID || l.Balance != all[i-1].Balance-all[i-1].Amount) {
				t.Errorf("line %d (%+v) does not follow line %d (%+v)", i, l, i-1, all[i-1])
			}
		}
		if last := all[len(all)-1]; last.Balance != last.Amount || last.Memo != "opening float" || last.Reference != "" {
			t.Errorf("the oldest line %+v: want the opening top-up with its amount as balance", last)
		}
		if all[1].Reference == "" || all[0].Reference != "" {
			t.Errorf("references: newest %q (a top-up), next %q (a vend)", all[0].Reference, all[1].Reference)
		}
		page, err := db.Statement(ctx, f.agent.ID, all[3].ID, 4)
		must(t, err)
		if diff := cmp.Diff(all[4:8], page); diff != "" {
			t.Errorf("the page before line %d (-want +got):\n%s", all[3].ID, diff)
		}
		_, err = db.TopUp(ctx, f.agent.ID, -1, "")
		wantCode(t, err, core.CodeInvalid, "invalid_amount")
	})
}
