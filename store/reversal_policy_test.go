package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
)

const payer = "27820000001"

// smsVend sells on the SMS channel with its reply written to the outbox, as the SMS adapter does.
func smsVend(t *testing.T, f *fixture, m core.Meter, key string) (*core.Vend, core.Reply) {
	t.Helper()
	ctx := context.Background()
	req := vendReq(f.agent.ID, m, key, 50_00)
	req.Channel, req.Payer = core.ChannelSMS, payer
	req.Reply = &core.ReplyTo{Route: "smsc1", Sender: "40404", Recipient: payer, Render: func(v *core.Vend) string { return "tokens of " + v.Reference }}
	v, err := f.vendor.Vend(ctx, req)
	must(t, err)
	replies, err := f.db.RepliesByStatus(ctx, core.ReplyPending, 1000)
	must(t, err)
	for _, r := range replies {
		if r.VendID == v.ID {
			return v, r
		}
	}
	t.Fatalf("vend %d has no pending reply", v.ID)
	return nil, core.Reply{}
}

func reversal(id, agentID int64) core.ReversalRequest {
	return core.ReversalRequest{VendID: id, AgentID: agentID, Reason: "no answer reached the terminal"}
}

// Defect: a reversed vend's SMS stayed pending and was delivered later, and the meter took the
// token. The reversal cancels the replies not sent, in its own transaction.
func TestReversalCancelsUnsentReplies(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		m := f.newMeter(t, 0)
		pending, pendingReply := smsVend(t, f, m, "sms-pending")
		failed, failedReply := smsVend(t, f, m, "sms-failed")
		r, claimed, err := db.ClaimReply(ctx, failedReply.ID, time.Now(), time.Minute)
		must(t, err)
		if !claimed {
			t.Fatal("the reply to fail was not claimed")
		}
		must(t, db.FailReply(ctx, r.ID, r.Claim, "refused by the SMSC", now))

		for _, v := range []*core.Vend{pending, failed} {
			rev, err := f.vendor.Reverse(ctx, reversal(v.ID, f.agent.ID))
			must(t, err)
			if rev.Status != core.VendReversed || rev.ReversalReason != "no answer reached the terminal" || rev.ReversedBy != fmt.Sprintf("agent %d", f.agent.ID) {
				t.Errorf("reversed vend: status %s, reason %q, by %q", rev.Status, rev.ReversalReason, rev.ReversedBy)
			}
		}
		for _, id := range []int64{pendingReply.ID, failedReply.ID} {
			got, err := db.Reply(ctx, id)
			must(t, err)
			if got.Status != core.ReplyCancelled {
				t.Errorf("reply %d of a reversed vend is %s, want cancelled", id, got.Status)
			}
			if err := db.ResendReply(ctx, id, now); !errors.Is(err, core.ErrNotFound) {
				t.Errorf("resending the cancelled reply %d: %v, want refused (not found)", id, err)
			}
		}
		due, err := db.ClaimReplies(ctx, time.Now().Add(time.Hour), time.Minute, 100)
		must(t, err)
		if len(due) != 0 {
			t.Errorf("a relay claimed %d replies of reversed vends", len(due))
		}
		checkLedger(t, db)
	})
}

// A vend sold on a customer channel whose token has gone out is not reversed: the customer has
// the token and the meter would take it.
func TestReversalRefusedOnceTokenSent(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		m := f.newMeter(t, 0)
		before, err := db.Agent(ctx, f.agent.ID)
		must(t, err)

		sending, sendingReply := smsVend(t, f, m, "sms-sending")
		if _, claimed, err := db.ClaimReply(ctx, sendingReply.ID, time.Now(), time.Minute); err != nil || !claimed {
			t.Fatalf("claiming the reply: claimed %v, %v", claimed, err)
		}
		delivered, deliveredReply := smsVend(t, f, m, "sms-delivered")
		r, _, err := db.ClaimReply(ctx, deliveredReply.ID, time.Now(), time.Minute)
		must(t, err)
		must(t, db.MarkReplyDelivered(ctx, r.ID, r.Claim, "msg-1", now))
		ussdReq := vendReq(f.agent.ID, m, "ussd-session-1", 50_00)
		ussdReq.Channel, ussdReq.Payer = core.ChannelUSSD, payer
		ussd, err := f.vendor.Vend(ctx, ussdReq)
		must(t, err)

		for name, v := range map[string]*core.Vend{"ReplySending": sending, "ReplyDelivered": delivered, "USSDScreenShown": ussd} {
			t.Run(name, func(t *testing.T) {
				for _, agent := range []int64{f.agent.ID, 0} { // the agent and an operator alike
					_, err := f.vendor.Reverse(ctx, reversal(v.ID, agent))
					wantCode(t, err, core.CodeConflict, "token_delivered")
				}
				got, err := db.Vend(ctx, v.ID)
				must(t, err)
				if got.Status != core.VendCompleted {
					t.Errorf("refused reversal left the vend %s", got.Status)
				}
			})
		}
		after, err := db.Agent(ctx, f.agent.ID)
		must(t, err)
		if want := before.Balance - 3*(50_00-1_00); after.Balance != want { // each sale less its 2 % commission
			t.Errorf("balance %d after refused reversals, want %d (nothing given back)", after.Balance, want)
		}
		checkLedger(t, db)
	})
}

// Defect: an agent could sell, hand over the token, reverse and keep the cash. An agent reverses
// only within the window and with a reason; past it only an operator may.
func TestReversalWindow(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db) // the utility's window is an hour
		m := f.newMeter(t, 0)
		v := mustVend(t, f, m, "windowed", 80_00)

		_, err := f.vendor.Reverse(ctx, core.ReversalRequest{VendID: v.ID, AgentID: f.agent.ID, Reason: "  "})
		wantCode(t, err, core.CodeInvalid, "invalid_reversal_reason")
		if e := core.AsError(err); e.Field != "reason" {
			t.Errorf("refusal names field %q, want reason", e.Field)
		}
		later := now.Add(time.Hour + time.Second)
		f.vendor.Clock = func() time.Time { return later }
		_, err = f.vendor.Reverse(ctx, reversal(v.ID, f.agent.ID))
		wantCode(t, err, core.CodeConflict, "reversal_window_passed")
		rev, err := f.vendor.Reverse(ctx, core.ReversalRequest{VendID: v.ID, Reason: "customer complaint 4411"})
		must(t, err)
		if rev.ReversedBy != "operator" || !rev.ReversedAt.Equal(later) {
			t.Errorf("operator's reversal: by %q at %v", rev.ReversedBy, rev.ReversedAt)
		}

		// A utility without a window of its own gets the default: minutes, not forever.
		u := f.utility
		u.ReversalWindow = 0
		w := mustVend(t, f, m, "default-window", 80_00)
		f.vendor.Clock = func() time.Time { return w.CreatedAt.Add(core.DefaultReversalWindow + time.Second) }
		f.vendor.Utilities = utilityReader(func(context.Context, int64) (core.Utility, error) { return u, nil })
		_, err = f.vendor.Reverse(ctx, reversal(w.ID, f.agent.ID))
		wantCode(t, err, core.CodeConflict, "reversal_window_passed")

		reversed, err := db.FindVends(ctx, core.VendQuery{Status: core.VendReversed})
		must(t, err)
		if len(reversed) != 1 || reversed[0].ID != v.ID || reversed[0].ReversalReason != "customer complaint 4411" {
			t.Errorf("the list of reversed vends: %d vends %v", len(reversed), reversed)
		}
	})
}

type meterReader func(context.Context, string) (core.MeterView, error)

func (f meterReader) MeterByNumber(ctx context.Context, n string) (core.MeterView, error) {
	return f(ctx, n)
}

type utilityReader func(context.Context, int64) (core.Utility, error)

func (f utilityReader) Utility(ctx context.Context, id int64) (core.Utility, error) {
	return f(ctx, id)
}

// Defect: LAST showed the meter's newest vend whoever paid. Vends record the paying phone and a
// query by payer returns only that phone's.
func TestFindVends(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		m := f.newMeter(t, 0)
		other := f.newMeter(t, 0)
		mine, _ := smsVend(t, f, m, "phone-1")
		req := vendReq(f.agent.ID, m, "phone-2", 20_00)
		req.Channel, req.Payer = core.ChannelSMS, "27820000002"
		theirs, err := f.vendor.Vend(ctx, req)
		must(t, err)
		rest := mustVend(t, f, other, "rest-1", 30_00)
		second := f.newAgent(t, 0, 100_00)
		_, err = f.vendor.Vend(ctx, vendReq(second.ID, m, "agent-2", 10_00))
		must(t, err)

		ids := func(q core.VendQuery) []int64 {
			t.Helper()
			vs, err := db.FindVends(ctx, q)
			must(t, err)
			out := make([]int64, len(vs))
			for i, v := range vs {
				out[i] = v.ID
			}
			return out
		}
		for name, c := range map[string]struct {
			q    core.VendQuery
			want []int64
		}{
			"ByPayer":        {core.VendQuery{MeterNumber: m.Number, Payer: payer}, []int64{mine.ID}},
			"ByOtherPayer":   {core.VendQuery{MeterNumber: m.Number, Payer: "27820000002"}, []int64{theirs.ID}},
			"AgentAll":       {core.VendQuery{AgentID: f.agent.ID}, []int64{rest.ID, theirs.ID, mine.ID}},
			"AgentChannel":   {core.VendQuery{AgentID: f.agent.ID, Channel: core.ChannelREST}, []int64{rest.ID}},
			"Page":           {core.VendQuery{AgentID: f.agent.ID, Limit: 2}, []int64{rest.ID, theirs.ID}},
			"NextPage":       {core.VendQuery{AgentID: f.agent.ID, BeforeID: theirs.ID, Limit: 2}, []int64{mine.ID}},
			"BeforeTheSales": {core.VendQuery{AgentID: f.agent.ID, To: now}, []int64{}},
			"FromTheSales":   {core.VendQuery{AgentID: f.agent.ID, From: now, To: now.Add(time.Second)}, []int64{rest.ID, theirs.ID, mine.ID}},
		} {
			t.Run(name, func(t *testing.T) {
				if got := ids(c.q); !equalIDs(got, c.want) {
					t.Errorf("got vends %v, want %v", got, c.want)
				}
			})
		}
		if _, err := db.FindVends(ctx, core.VendQuery{Status: "lost"}); core.AsError(err).Field != "status" {
			t.Errorf("an unknown status: %v, want an error on field status", err)
		}
		if got, err := db.Vend(ctx, mine.ID); err != nil || got.Payer != payer {
			t.Errorf("stored payer %q (%v), want %s", got.Payer, err, payer)
		}
	})
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Receipts print the sale's time in the utility's zone, with the zone, on the sale and on a
// reprint; a replay says it is one.
func TestVendTimeZoneAndReplay(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		joburg, err := time.LoadLocation("Africa/Johannesburg")
		must(t, err)
		f.vendor.Meters = meterReader(func(ctx context.Context, n string) (core.MeterView, error) {
			v, err := db.MeterByNumber(ctx, n)
			v.Utility.Location = joburg
			return v, err
		})
		m := f.newMeter(t, 0)
		v, err := f.vendor.Vend(ctx, vendReq(f.agent.ID, m, "tz-1", 50_00))
		must(t, err)
		if v.Replayed {
			t.Error("a new vend says it is a replay")
		}
		again, err := f.vendor.Vend(ctx, vendReq(f.agent.ID, m, "tz-1", 50_00))
		must(t, err)
		if !again.Replayed || again.ID != v.ID {
			t.Errorf("the replay: replayed %v, vend %d, want the stored vend %d replayed", again.Replayed, again.ID, v.ID)
		}
		stored, err := db.Vend(ctx, v.ID)
		must(t, err)
		for name, got := range map[string]*core.Vend{"Sale": v, "Reprint": stored} {
			if line := receiptLine(got, "Date:"); line != "Date:       2025-03-15 12:30 SAST" {
				t.Errorf("%s: receipt line %q, want the time in SAST", name, line)
			}
		}
	})
}

func receiptLine(v *core.Vend, prefix string) string {
	for _, l := range v.Receipt() {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}
