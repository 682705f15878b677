package core_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
	"github.com/vendgate/vendgate/sts/meter"
	"github.com/vendgate/vendgate/testkit/memstore"
)

// TestVend sells ZAR 115.00 at 2.50 a kWh with 15 % VAT: 40.0 kWh on one credit token the meter
// accepts, the agent's float down by the amount less its 2 % commission, the meter's counters
// moved, the ledger balanced.
func TestVend(t *testing.T) {
	w := memstore.NewWorld(t)
	m := w.AddMeter(t, w.Site, nil)
	s := w.Vendor()
	before := w.Balance(t, w.Agent.ID)

	v := mustVend(t, s, req(w, m.Number, "k1", 11500))

	if v.ID == 0 || v.Status != core.VendCompleted || !strings.HasPrefix(v.Reference, "V") || v.MeterID != m.ID {
		t.Fatalf("got vend %+v, want a completed vend of meter %d with an ID and a reference", v, m.ID)
	}
	want := core.Breakdown{Paid: 11500, Tax: 1500, EnergyCharge: 10000, Energy: 400, Commission: 230}
	if v.Breakdown != want {
		t.Fatalf("breakdown: got %+v, want %+v", v.Breakdown, want)
	}
	if len(v.Tokens) != 1 || v.Tokens[0].Purpose != core.PurposeCredit || v.Tokens[0].Energy != 400 || v.Tokens[0].TID == 0 {
		t.Fatalf("tokens: got %+v, want one credit token of 40.0 kWh with a TID", v.Tokens)
	}
	vm := memstore.VirtualMeter(t, m.Key)
	if r := vm.EnterToken(v.Tokens[0].Token); r.Code != meter.Accepted || r.Added != 400 {
		t.Fatalf("the meter says %s, want accepted +40.0", r)
	}
	if got := w.Balance(t, w.Agent.ID); got != before-11500+230 {
		t.Fatalf("float: got %d, want %d", got, before-11500+230)
	}
	c, err := w.Store.Counters(m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.LastTID != v.Tokens[0].TID || c.TIDKey != "2014" || c.Month != "2025-03" || c.MonthEnergy != 400 {
		t.Fatalf("counters: got %+v, want the token's TID, base date 2014, 40.0 kWh in 2025-03", c)
	}
	stored, err := w.Store.Vend(bg, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Tokens[0].Token != v.Tokens[0].Token || stored.Breakdown != v.Breakdown {
		t.Fatalf("stored vend %+v differs from the returned one %+v", stored, v)
	}
	checkLedger(t, w, w.Agent)

	// The next token of the meter has a greater TID, even within the same minute.
	v2 := mustVend(t, s, req(w, m.Number, "k2", 11500))
	if v2.Tokens[0].TID <= v.Tokens[0].TID {
		t.Fatalf("second TID %d is not above the first %d", v2.Tokens[0].TID, v.Tokens[0].TID)
	}
	if r := vm.EnterToken(v2.Tokens[0].Token); r.Code != meter.Accepted {
		t.Fatalf("the meter says %s to the second token, want accepted", r)
	}
}

// TestVendRefusals covers every refusal of a vend: each answers its code and reason, and leaves
// the float, the vends and the meter's counters as they were.
func TestVendRefusals(t *testing.T) {
	type setup struct {
		w   *memstore.World
		m   core.Meter
		s   *core.Vendor
		req core.VendRequest
	}
	// corrupt changes the stored meter as registration would refuse, for the refusals a vend
	// makes of rows a store should never hold.
	corrupt := func(edit func(*core.Meter)) func(*testing.T, *setup) {
		return func(t *testing.T, x *setup) {
			if err := x.w.Store.CorruptMeter(x.m.ID, edit); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name   string
		code   core.Code
		reason core.Reason
		world  []func(*core.Utility)
		meter  func(*core.Meter, *core.Money)
		mod    func(t *testing.T, x *setup)
	}{
		{name: "NoChannel", code: core.CodeInvalid, reason: "invalid_channel", mod: func(_ *testing.T, x *setup) { x.req.Channel = "" }},
		{name: "NoKey", code: core.CodeInvalid, reason: "invalid_idempotency_key", mod: func(_ *testing.T, x *setup) { x.req.IdempotencyKey = "" }},
		{name: "KeyTooLong", code: core.CodeInvalid, reason: "invalid_idempotency_key", mod: func(_ *testing.T, x *setup) { x.req.IdempotencyKey = strings.Repeat("k", 129) }},
		{name: "ZeroAmount", code: core.CodeInvalid, reason: "invalid_amount", mod: func(_ *testing.T, x *setup) { x.req.Amount = 0 }},
		{name: "NegativeAmount", code: core.CodeInvalid, reason: "invalid_amount", mod: func(_ *testing.T, x *setup) { x.req.Amount = -100 }},
		{name: "AboveMaximum", code: core.CodeInvalid, reason: "amount_too_large", mod: func(_ *testing.T, x *setup) { x.s.MaxAmount = 11499 }},
		{name: "ReplyWithoutRenderer", code: core.CodeInvalid, reason: "invalid_reply", mod: func(_ *testing.T, x *setup) {
			x.req.Reply = &core.ReplyTo{Route: "mtn", Recipient: "27821234567"}
		}},
		{name: "BadCheckDigit", code: core.CodeInvalid, reason: "invalid_meter_number", mod: func(_ *testing.T, x *setup) {
			x.req.MeterNumber = x.m.Number[:10] + fmt.Sprint((x.m.Number[10]-'0'+1)%10)
		}},
		{name: "MeterNotRegistered", code: core.CodeNotFound, reason: "meter_not_found", mod: func(t *testing.T, x *setup) { x.req.MeterNumber = memstore.MeterNumber(t, 999) }},
		{name: "MeterBlocked", code: core.CodeInvalid, reason: "meter_blocked", meter: func(m *core.Meter, _ *core.Money) { m.Status = core.MeterBlocked }},
		{name: "MeterDecommissioned", code: core.CodeInvalid, reason: "meter_decommissioned", meter: func(m *core.Meter, _ *core.Money) { m.Status = core.MeterDecommissioned }},
		{name: "MeterNotInstalled", code: core.CodeInvalid, reason: "meter_not_installed", mod: corrupt(func(m *core.Meter) { m.ContractID = 0 })},
		{name: "MeterInUnknownStatus", code: core.CodeInvalid, reason: "meter_not_vendable", mod: corrupt(func(m *core.Meter) { m.Status = "stolen" })},
		{name: "AgentUnknown", code: core.CodeUnauthorized, reason: "agent_not_found", mod: func(_ *testing.T, x *setup) { x.req.AgentID = 999 }},
		{name: "AgentInactive", code: core.CodeUnauthorized, reason: "agent_inactive", mod: func(t *testing.T, x *setup) {
			if err := x.w.Store.SetAgentActive(x.w.Agent.ID, false); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "MeterOfAnotherUtility", code: core.CodeNotFound, reason: "meter_not_found", mod: func(t *testing.T, x *setup) {
			other := x.w.AddSite(t, core.Utility{Name: "Other", Currency: x.w.Utility.Currency, Location: time.UTC}, 654321)
			x.req.MeterNumber = x.w.AddMeter(t, other, nil).Number
		}},
		{name: "CurrencyMismatch", code: core.CodeInvalid, reason: "currency_mismatch", mod: func(_ *testing.T, x *setup) { x.req.Currency = "USD" }},
		{name: "AmountBuysNothing", code: core.CodeInvalid, reason: "amount_too_small", mod: func(_ *testing.T, x *setup) { x.req.Amount = 2 }},
		{name: "AmountBeyondOneToken", code: core.CodeInvalid, reason: "amount_too_large", mod: func(_ *testing.T, x *setup) { x.req.Amount = 1 << 40 }},
		{name: "FloatTooSmall", code: core.CodeInsufficientFunds, reason: "insufficient_funds", mod: func(t *testing.T, x *setup) {
			poor := x.w.AddAgent(t, core.Agent{UtilityID: x.w.Utility.ID, Name: "Poor", Active: true, CreditLimit: 5000}, 100)
			x.req.AgentID = poor.ID
		}},
		{name: "TIDsOfBaseDateNotStarted", code: core.CodeInvalid, reason: "tid_exhausted", meter: func(m *core.Meter, _ *core.Money) { m.Key.BaseDate = sts.BaseDate2035 }},
		{name: "KeyExpired", code: core.CodeInvalid, reason: "key_expired", meter: func(m *core.Meter, _ *core.Money) { m.Key.KEN = 0 }},
		{name: "KeyParametersInvalid", code: core.CodeInvalid, reason: "invalid_meter_key", mod: corrupt(func(m *core.Meter) { m.Key.TI = 100 })},
		{name: "KeyChangeAcrossAlgorithms", code: core.CodeInvalid, reason: "invalid_key_change", mod: corrupt(func(m *core.Meter) {
			k := m.Key
			k.EA = sts.EA09
			m.PendingKey = &k
		})},
		{name: "NoVendingKey", code: core.CodeInvalid, reason: "no_vending_key", mod: func(_ *testing.T, x *setup) {
			x.w.Store.SetFault(failing(errors.Join(errDown, core.ErrNotFound), "SealedVendingKey"))
		}},
		{name: "VendingKeyDoesNotOpen", code: core.CodeInternal, reason: "internal", mod: func(t *testing.T, x *setup) {
			// The key sealed for another supply group, copied to this group's row: it does not open.
			other := x.w.AddGroup(t, x.w.Utility.ID, 111111, 1)
			sealed, err := x.w.Store.SealedVendingKey(bg, other.SGC, other.KRN, other.DKGA)
			if err != nil {
				t.Fatal(err)
			}
			if err := x.w.Store.SetSealedVendingKey(x.w.Group.ID, sealed); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "NoRandomness", code: core.CodeInternal, reason: "internal", mod: func(_ *testing.T, x *setup) { x.s.Random = strings.NewReader("") }},
		{name: "RandomnessEndsBeforeRND", code: core.CodeInternal, reason: "internal", mod: func(_ *testing.T, x *setup) { x.s.Random = strings.NewReader("0123456789") }},
		{name: "MeterReadFails", code: core.CodeUnavailable, reason: "unavailable", mod: func(_ *testing.T, x *setup) { x.w.Store.SetFault(failing(errDown, "MeterByNumber")) }},
		{name: "AgentReadFails", code: core.CodeUnavailable, reason: "unavailable", mod: func(_ *testing.T, x *setup) { x.w.Store.SetFault(failing(errDown, "Agent")) }},
		{name: "VendingKeyReadFails", code: core.CodeUnavailable, reason: "unavailable", mod: func(_ *testing.T, x *setup) { x.w.Store.SetFault(failing(errDown, "SealedVendingKey")) }},
		{name: "TransactionFails", code: core.CodeUnavailable, reason: "unavailable", mod: func(_ *testing.T, x *setup) { x.w.Store.SetFault(failing(errDown, "InVendTx")) }},
		{name: "LockFails", code: core.CodeUnavailable, reason: "unavailable", mod: func(_ *testing.T, x *setup) { x.w.Store.SetFault(failing(errDown, "LockMeters")) }},
		{name: "ClaimFails", code: core.CodeUnavailable, reason: "unavailable", mod: func(_ *testing.T, x *setup) { x.w.Store.SetFault(failing(errDown, "ClaimVends")) }},
		{name: "CompleteFails", code: core.CodeUnavailable, reason: "unavailable", mod: func(_ *testing.T, x *setup) { x.w.Store.SetFault(failing(errDown, "CompleteVends")) }},
		{name: "DebitFails", code: core.CodeUnavailable, reason: "unavailable", mod: func(_ *testing.T, x *setup) { x.w.Store.SetFault(failing(errDown, "DebitAgent")) }},
		{name: "ReplyFails", code: core.CodeUnavailable, reason: "unavailable", mod: func(_ *testing.T, x *setup) {
			x.req.Reply = &core.ReplyTo{Route: "mtn", Recipient: "27821234567", Render: func(*core.Vend) string { return "token" }}
			x.w.Store.SetFault(failing(errDown, "AddReply"))
		}},
		{name: "ReplyRefusedByStore", code: core.CodeInvalid, reason: "invalid_reply", mod: func(_ *testing.T, x *setup) {
			x.req.Reply = &core.ReplyTo{Route: "mtn", Recipient: "27821234567", Render: func(*core.Vend) string { return " " }}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := &setup{w: memstore.NewWorld(t, tc.world...)}
			x.m = x.w.AddMeter(t, x.w.Site, tc.meter)
			x.s = x.w.Vendor()
			x.req = req(x.w, x.m.Number, "key-1", 11500)
			before := x.w.Balance(t, x.w.Agent.ID)
			counters, err := x.w.Store.Counters(x.m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if tc.mod != nil {
				tc.mod(t, x)
			}
			v, err := x.s.Vend(bg, x.req)
			wantReason(t, err, tc.code, tc.reason)
			if v != nil {
				t.Errorf("got vend %+v with the error", v)
			}
			x.w.Store.SetFault(nil)
			if got := x.w.Balance(t, x.w.Agent.ID); got != before {
				t.Errorf("float: got %d, want %d unchanged", got, before)
			}
			if vs := x.w.Store.Vends(); len(vs) != 0 {
				t.Errorf("%d vends stored, want none", len(vs))
			}
			if after, _ := x.w.Store.Counters(x.m.ID); after != counters {
				t.Errorf("counters: got %+v, want %+v unchanged", after, counters)
			}
			if e := core.AsError(err); strings.Contains(e.Message, x.m.Key.PAN.String()) {
				t.Errorf("the message %q carries the PAN", e.Message)
			}
		})
	}
}

// TestVendReplay: the same key and request returns the stored vend, once debited; the same key
// for another request is a conflict; a replay is answered even after the meter was blocked.
func TestVendReplay(t *testing.T) {
	w := memstore.NewWorld(t)
	m := w.AddMeter(t, w.Site, nil)
	s := w.Vendor()
	before := w.Balance(t, w.Agent.ID)
	first := mustVend(t, s, req(w, m.Number, "k1", 11500))

	again := mustVend(t, s, req(w, m.Number, "k1", 11500))
	if again.ID != first.ID || again.Tokens[0].Token != first.Tokens[0].Token {
		t.Fatalf("replay: got vend %d token %s, want vend %d token %s", again.ID, again.Tokens[0].Token, first.ID, first.Tokens[0].Token)
	}
	if got := w.Balance(t, w.Agent.ID); got != before-first.Breakdown.Paid+first.Breakdown.Commission {
		t.Fatalf("float after a replay: got %d, want one debit", got)
	}
	_, err := s.Vend(bg, req(w, m.Number, "k1", 20000))
	wantReason(t, err, core.CodeConflict, "idempotency_key_reused")

	// Another channel has its own keys.
	other := req(w, m.Number, "k1", 11500)
	other.Channel = core.ChannelISO8583
	if v := mustVend(t, s, other); v.ID == first.ID {
		t.Fatal("the same key on another channel replayed the REST vend")
	}

	if err := w.Store.SetMeterStatus(bg, m.ID, core.MeterBlocked); err != nil {
		t.Fatal(err)
	}
	if v := mustVend(t, s, req(w, m.Number, "k1", 11500)); v.ID != first.ID {
		t.Fatalf("replay after blocking: got vend %d, want %d", v.ID, first.ID)
	}
	_, err = s.Vend(bg, req(w, m.Number, "k-new", 11500))
	wantReason(t, err, core.CodeInvalid, "meter_blocked")

	// A replay whose stored vend cannot be read is unavailable, not a second sale.
	w.Store.SetFault(failing(errDown, "VendByKey"))
	_, err = s.Vend(bg, req(w, m.Number, "k1", 11500))
	wantReason(t, err, core.CodeInvalid, "meter_blocked")
	if err := w.Store.SetMeterStatus(bg, m.ID, core.MeterActive); err != nil {
		t.Fatal(err)
	}
	_, err = s.Vend(bg, req(w, m.Number, "k1", 11500))
	wantReason(t, err, core.CodeUnavailable, "unavailable")
	w.Store.SetFault(nil)
	checkLedger(t, w, w.Agent)
}

// TestVendConcurrentDuplicates sends one request 16 times at once: every caller gets the same
// vend, the float is debited once, and the meter's TID moved once.
func TestVendConcurrentDuplicates(t *testing.T) {
	for _, batch := range []int{1, 0} {
		t.Run(fmt.Sprintf("BatchSize%d", batch), func(t *testing.T) {
			w := memstore.NewWorld(t)
			m := w.AddMeter(t, w.Site, nil)
			s := w.Vendor(func(v *core.Vendor) { v.BatchSize = batch })
			before := w.Balance(t, w.Agent.ID)
			const n = 16
			var (
				wg  sync.WaitGroup
				ids [n]int64
				err [n]error
			)
			for i := range n {
				wg.Go(func() {
					v, e := s.Vend(bg, req(w, m.Number, "same", 11500))
					err[i] = e
					if v != nil {
						ids[i] = v.ID
					}
				})
			}
			wg.Wait()
			for i := range n {
				if err[i] != nil || ids[i] != ids[0] {
					t.Fatalf("caller %d: vend %d, %v; want vend %d", i, ids[i], err[i], ids[0])
				}
			}
			if vs := w.Store.Vends(); len(vs) != 1 {
				t.Fatalf("%d vends stored, want 1", len(vs))
			}
			if got := w.Balance(t, w.Agent.ID); got != before-11500+230 {
				t.Fatalf("float: got %d, want one debit (%d)", got, before-11500+230)
			}
			checkLedger(t, w, w.Agent)
		})
	}
}

// TestVendReply: a vend that asks for a reply writes it to the outbox with the vend, rendered
// from the vend, and announces it once committed; a replay writes none.
func TestVendReply(t *testing.T) {
	w := memstore.NewWorld(t)
	m := w.AddMeter(t, w.Site, nil)
	var notified []int64
	s := w.Vendor(func(v *core.Vendor) {
		v.Replies = notifierFunc(func(id int64) { notified = append(notified, id) })
	})
	r := req(w, m.Number, "sms-1", 11500)
	r.Channel = core.ChannelSMS
	r.Reply = &core.ReplyTo{Route: "mtn", Sender: "40404", Recipient: "27821234567", Render: func(v *core.Vend) string {
		return "Token " + v.Tokens[0].Token.Display() + " Ref " + v.Reference
	}}
	v := mustVend(t, s, r)
	if len(notified) != 1 {
		t.Fatalf("notified %v, want one reply", notified)
	}
	got, err := w.Store.Reply(bg, notified[0])
	if err != nil {
		t.Fatal(err)
	}
	want := "Token " + v.Tokens[0].Token.Display() + " Ref " + v.Reference
	if got.VendID != v.ID || got.Body != want || got.Route != "mtn" || got.Sender != "40404" || got.Recipient != "27821234567" ||
		got.Channel != core.ReplyChannelSMS || got.Status != core.ReplyPending {
		t.Fatalf("reply: got %+v, want a pending SMS of vend %d with body %q", got, v.ID, want)
	}
	mustVend(t, s, r)
	if len(notified) != 1 {
		t.Fatalf("a replay announced a reply: %v", notified)
	}
	if pending, _ := w.Store.RepliesByStatus(bg, core.ReplyPending, 10); len(pending) != 1 {
		t.Fatalf("%d pending replies, want 1", len(pending))
	}
}

type notifierFunc func(id int64)

func (f notifierFunc) Notify(_ context.Context, id int64) { f(id) }

// TestSellable answers what a channel shows before it takes payment.
func TestSellable(t *testing.T) {
	w := memstore.NewWorld(t)
	m := w.AddMeter(t, w.Site, nil)
	s := w.Vendor()
	view, agent, err := s.Sellable(bg, w.Agent.ID, m.Number)
	if err != nil || view.Meter.ID != m.ID || view.Customer.Name != "Thandi Mokoena" || agent.ID != w.Agent.ID {
		t.Fatalf("got %+v, %+v, %v; want meter %d of Thandi Mokoena and agent %d", view.Meter, agent, err, m.ID, w.Agent.ID)
	}
	_, _, err = s.Sellable(bg, w.Agent.ID, "123")
	wantReason(t, err, core.CodeInvalid, "invalid_meter_number")
}

// TestVendDatedByClock checks that a vend is dated by the injected clock, to the second.
func TestVendDatedByClock(t *testing.T) {
	w := memstore.NewWorld(t)
	m := w.AddMeter(t, w.Site, nil)
	w.Advance(1500 * time.Millisecond)
	v := mustVend(t, w.Vendor(), req(w, m.Number, "k", 11500))
	if want := memstore.Start.Add(time.Second); !v.CreatedAt.Equal(want) {
		t.Fatalf("created at %s, want %s", v.CreatedAt, want)
	}
}
