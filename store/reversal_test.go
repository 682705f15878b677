package store_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
)

func isoReq(agentID int64, m core.Meter, key string, amount core.Money) core.VendRequest {
	r := vendReq(agentID, m, key, amount)
	r.Channel = core.ChannelISO8583
	return r
}

func TestReverseByKey(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		m := f.newMeter(t, 0)
		before, err := db.Agent(ctx, f.agent.ID)
		must(t, err)

		t.Run("Reversed", func(t *testing.T) {
			v, err := f.vendor.Vend(ctx, isoReq(f.agent.ID, m, "paid", 50_00))
			must(t, err)
			r, err := f.vendor.ReverseByKey(ctx, isoReq(f.agent.ID, m, "paid", 50_00))
			must(t, err)
			if r.Outcome != core.ReversalDone || r.Vend.ID != v.ID || r.Vend.Status != core.VendReversed {
				t.Fatalf("got %s of vend %d (%s), want vend %d reversed", r.Outcome, r.Vend.ID, r.Vend.Status, v.ID)
			}
			again, err := f.vendor.ReverseByKey(ctx, isoReq(f.agent.ID, m, "paid", 50_00))
			must(t, err)
			if again.Outcome != core.ReversalRepeated {
				t.Errorf("a repeated advice: got %s, want %s", again.Outcome, core.ReversalRepeated)
			}
			after, err := db.Agent(ctx, f.agent.ID)
			must(t, err)
			if after.Balance != before.Balance {
				t.Errorf("balance %d after the vend and its reversal (twice), want %d", after.Balance, before.Balance)
			}
		})
		t.Run("OtherRequest", func(t *testing.T) {
			_, err := f.vendor.Vend(ctx, isoReq(f.agent.ID, m, "other", 50_00))
			must(t, err)
			_, err = f.vendor.ReverseByKey(ctx, isoReq(f.agent.ID, m, "other", 60_00))
			wantCode(t, err, core.CodeConflict, "idempotency_key_reused")
		})
		t.Run("VoidedThenLateOriginal", func(t *testing.T) {
			balance, err := db.Agent(ctx, f.agent.ID)
			must(t, err)
			r, err := f.vendor.ReverseByKey(ctx, isoReq(f.agent.ID, m, "never-seen", 70_00))
			must(t, err)
			if r.Outcome != core.ReversalVoided || r.Vend == nil || r.Vend.Status != core.VendVoided {
				t.Fatalf("got %s (%+v), want the key voided", r.Outcome, r.Vend)
			}
			_, err = f.vendor.Vend(ctx, isoReq(f.agent.ID, m, "never-seen", 70_00))
			wantCode(t, err, core.CodeConflict, "reversed_before_vend")
			_, err = f.vendor.Vend(ctx, isoReq(f.agent.ID, m, "never-seen", 71_00))
			wantCode(t, err, core.CodeConflict, "idempotency_key_reused")
			again, err := f.vendor.ReverseByKey(ctx, isoReq(f.agent.ID, m, "never-seen", 70_00))
			must(t, err)
			if again.Outcome != core.ReversalRepeated {
				t.Errorf("a repeated advice for a voided key: got %s, want %s", again.Outcome, core.ReversalRepeated)
			}
			now, err := db.Agent(ctx, f.agent.ID)
			must(t, err)
			if now.Balance != balance.Balance {
				t.Errorf("a void moved the float from %d to %d", balance.Balance, now.Balance)
			}
			hist, err := db.VendsByMeter(ctx, m.Number, 0, 100)
			must(t, err)
			for _, v := range hist {
				if v.Status == core.VendVoided {
					t.Errorf("the meter's history lists voided key %s", v.IdempotencyKey)
				}
			}
		})
		t.Run("UnknownMeter", func(t *testing.T) {
			ghost := m
			ghost.Number = meterNumber(t, 99999)
			r, err := f.vendor.ReverseByKey(ctx, isoReq(f.agent.ID, ghost, "ghost", 10_00))
			must(t, err)
			if r.Outcome != core.ReversalVoided || r.Vend != nil {
				t.Errorf("got %s (%+v), want voided with no record", r.Outcome, r.Vend)
			}
		})
		checkLedger(t, db)
	})
}

// TestReverseByKeyRace sends each request and its reversal advice at the same time: whichever
// wins, no key may end with a completed vend, and the float must be untouched.
func TestReverseByKeyRace(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		m := f.newMeter(t, 0)
		before, err := db.Agent(ctx, f.agent.ID)
		must(t, err)
		const n = 20
		var wg sync.WaitGroup
		for i := range n {
			key := fmt.Sprintf("race-%d", i)
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, _ = f.vendor.Vend(ctx, isoReq(f.agent.ID, m, key, 20_00)) // may be refused: voided first
			}()
			go func() {
				defer wg.Done()
				if _, err := f.vendor.ReverseByKey(ctx, isoReq(f.agent.ID, m, key, 20_00)); err != nil {
					t.Errorf("advice %s: %v", key, err)
				}
			}()
		}
		wg.Wait()
		for i := range n {
			v, err := db.VendByKey(ctx, core.ChannelISO8583, fmt.Sprintf("race-%d", i))
			must(t, err)
			if v.Status == core.VendCompleted {
				t.Errorf("key race-%d: a completed vend outlived its reversal advice", i)
			}
		}
		after, err := db.Agent(ctx, f.agent.ID)
		must(t, err)
		if after.Balance != before.Balance {
			t.Errorf("balance %d after %d vends each reversed, want %d", after.Balance, n, before.Balance)
		}
		checkLedger(t, db)
	})
}

func TestInstitutions(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		bank := core.Agent{UtilityID: f.utility.ID, Name: "First Bank", Kind: core.AgentBank, Active: true}
		must(t, db.CreateAgent(ctx, &bank))
		allowed := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.1.0.0/16")}
		in := core.Institution{Code: "999999", AgentID: bank.ID, Allowed: allowed, Active: true}
		must(t, db.CreateInstitution(ctx, in))

		got, err := db.InstitutionByCode(ctx, "999999")
		must(t, err)
		if got.AgentID != bank.ID || got.Name != "First Bank" || !got.Active || len(got.Allowed) != 2 {
			t.Errorf("got %+v, want institution 999999 of agent %d named after it, two networks", got, bank.ID)
		}
		for addr, want := range map[string]bool{"127.0.0.1": true, "::ffff:127.0.0.1": true, "10.1.200.3": true, "10.2.0.1": false, "127.0.0.2": false} {
			if got.Allows(netip.MustParseAddr(addr)) != want {
				t.Errorf("Allows(%s) = %v, want %v", addr, !want, want)
			}
		}
		if _, err := db.InstitutionByCode(ctx, "123"); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("an unknown institution: got %v, want core.ErrNotFound", err)
		}
		wantCode(t, db.CreateInstitution(ctx, core.Institution{Code: "12a", AgentID: bank.ID}), core.CodeInvalid, "invalid_institution")
		wantCode(t, db.CreateInstitution(ctx, core.Institution{Code: "555", AgentID: f.agent.ID}), core.CodeInvalid, "invalid_institution")
		if err := db.CreateInstitution(ctx, core.Institution{Code: "999999", AgentID: bank.ID}); err == nil {
			t.Error("a second institution with code 999999 was stored")
		}
	})
}
