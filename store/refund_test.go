package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

// TestRefunds: a duplicate payment refunded in cash with the clear credit token of the meter, and
// a removed meter's credit refunded through an agent, each asked for by a cashier and paid only
// once a supervisor approves; the token is accepted by the meter, the agent's float is credited,
// and the ledger check passes.
func TestRefunds(t *testing.T) {
	ctx := context.Background()
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		e := seedEngineering(t, db)
		cashier := e.bo.Operator(t, "cashier", backoffice.RoleCashier)
		m := e.newMeter(t, 0)
		vm := virtualMeter(t, m.Key, vendingKey)
		v, err := e.vendor.Vend(ctx, vendReq(e.agent.ID, m, "dup-1", 100_00))
		must(t, err)
		accept(t, vm, "the duplicate payment's token", v.Tokens[0].Token.Display())
		if vm.Credit(0) == 0 {
			t.Fatal("the vend added no credit")
		}

		res, err := e.svc.RequestRefund(ctx, cashier, backoffice.RefundRequest{ContractID: m.ContractID, Amount: 100_00,
			Method: backoffice.RefundCash, Reason: "paid twice", ClearCredit: true})
		must(t, err)
		if res.Done() {
			t.Fatal("the refund ran at once; want it to wait for a second operator")
		}
		if sum, err := db.AccountBalance(ctx, core.UtilityAccount(e.utility.ID, "refunds")); err != nil || sum != 0 {
			t.Fatalf("refunds account %d (%v) before the approval, want nothing paid", sum, err)
		}
		t.Run("ErrCashierCannotApprove", func(t *testing.T) {
			seq := auditSeq(t, db)
			_, err := e.svc.Approve(ctx, cashier, res.Pending.ID)
			wantCode(t, err, core.CodeForbidden, backoffice.ReasonPermissionDenied)
			if got := auditSeq(t, db); got != seq+1 {
				t.Errorf("%d audit entries for the refusal, want 1", got-seq)
			}
			if a := lastAudit(t, db); a.Outcome != backoffice.OutcomeDenied || a.Permission != backoffice.PermRefundsApprove {
				t.Errorf("audit entry %+v, want the refusal for lack of refunds.approve", a)
			}
		})
		_, err = e.svc.Approve(ctx, e.sup, res.Pending.ID)
		must(t, err)
		if sum, err := db.AccountBalance(ctx, core.UtilityAccount(e.utility.ID, "cash")); err != nil || sum != -e.agent.Balance+100_00 {
			t.Errorf("cash account %d (%v), want the agent's top-up less the 100.00 paid out", sum, err)
		}
		hist, err := e.svc.MeterTokenHistory(ctx, e.sup, m.Number, backoffice.MeterTokenPage{Limit: 10})
		must(t, err)
		i := slices.IndexFunc(hist, func(h backoffice.MeterTokenView) bool { return h.Kind == "clear_credit" })
		if len(hist) != 2 || i < 0 || !strings.Contains(hist[i].Reason, "paid twice") {
			t.Fatalf("after the refund the meter's history is %+v, want the vend's token and the refund's clear credit token", hist)
		}
		shown, err := e.svc.ReprintToken(ctx, e.sup, backoffice.MeterTokenRef{Source: hist[i].Source, ID: hist[i].RecordID, Seq: hist[i].Seq})
		must(t, err)
		accept(t, vm, "the refund's clear credit token", shown.Digits)
		if vm.Credit(0) != 0 {
			t.Errorf("credit after the refund's clear credit token: %d, want 0", vm.Credit(0))
		}
		checkLedger(t, db)
		_, err = e.svc.Approve(ctx, e.bo.Admin, res.Pending.ID)
		wantCode(t, err, core.CodeConflict, backoffice.ReasonApprovalNotPending)

		// The meter is removed with credit on it: the customer is paid back by an agent.
		other := e.newMeter(t, 0)
		before, err := db.Agent(ctx, e.agent.ID)
		must(t, err)
		res, err = e.svc.RequestRefund(ctx, cashier, backoffice.RefundRequest{ContractID: other.ContractID, Amount: 30_00,
			Method: backoffice.RefundAgent, AgentID: e.agent.ID, Reason: "meter removed with 30.00 of credit"})
		must(t, err)
		if res.Done() {
			t.Fatal("the refund through the agent ran at once")
		}
		_, err = e.svc.Approve(ctx, e.sup, res.Pending.ID)
		must(t, err)
		after, err := db.Agent(ctx, e.agent.ID)
		must(t, err)
		if after.Balance != before.Balance+30_00 {
			t.Errorf("agent balance %d after the refund, want %d + 30.00", after.Balance, before.Balance)
		}
		if sum, err := db.AccountBalance(ctx, core.UtilityAccount(e.utility.ID, "refunds")); err != nil || sum != -130_00 {
			t.Errorf("refunds account %d (%v), want -130.00", sum, err)
		}
		checkLedger(t, db)

		t.Run("ErrReadOnlyDenied", func(t *testing.T) {
			ro := e.bo.Operator(t, "reader", backoffice.RoleReadOnly)
			seq := auditSeq(t, db)
			_, err := e.svc.RequestRefund(ctx, ro, backoffice.RefundRequest{ContractID: other.ContractID, Amount: 1_00, Method: backoffice.RefundCash, Reason: "x"})
			wantCode(t, err, core.CodeForbidden, backoffice.ReasonPermissionDenied)
			if got := auditSeq(t, db); got != seq+1 {
				t.Errorf("%d audit entries for the refusal, want 1", got-seq)
			}
			if a := lastAudit(t, db); a.Outcome != backoffice.OutcomeDenied || a.Permission != backoffice.PermRefundsRequest || a.ActorName != "reader" {
				t.Errorf("audit entry %+v, want the reader's refusal for lack of refunds.request", a)
			}
		})
		t.Run("ErrBadRequest", func(t *testing.T) {
			for _, r := range []backoffice.RefundRequest{
				{ContractID: other.ContractID, Amount: 0, Method: backoffice.RefundCash, Reason: "x"},
				{ContractID: other.ContractID, Amount: 1, Method: "cheque", Reason: "x"},
				{ContractID: other.ContractID, Amount: 1, Method: backoffice.RefundAgent, Reason: "x"},
				{ContractID: other.ContractID, Amount: 1, Method: backoffice.RefundCash, Reason: " "},
			} {
				_, err := e.svc.RequestRefund(ctx, cashier, r)
				wantCode(t, err, core.CodeInvalid, backoffice.ReasonInvalidRefund)
			}
		})
	})
}
