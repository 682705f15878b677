package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

// fourEyes is a seeded database with a back office, its administrator (the maker in these
// tests) and a supervisor (the checker).
type fourEyes struct {
	*fixture
	bo  *testkit.BackOffice
	sup backoffice.Actor
}

// newFourEyes seeds db and bootstraps a back office that reverses with the fixture's vendor,
// whose clock is the back office's.
func newFourEyes(t *testing.T, db *store.DB) *fourEyes {
	t.Helper()
	e := &fourEyes{fixture: seed(t, db)}
	e.vendor.Clock = func() time.Time { return e.bo.Clock.Now() }
	e.bo = testkit.NewBackOffice(t, db, backoffice.WithReverser(e.vendor))
	e.sup = e.bo.Operator(t, "sup", backoffice.RoleSupervisor)
	return e
}

// step runs fn and checks that it left exactly one audit entry, with the outcome want.
func (e *fourEyes) step(t *testing.T, want backoffice.Outcome, fn func()) backoffice.AuditEntry {
	t.Helper()
	ctx := context.Background()
	head, err := e.db.AuditHead(ctx)
	must(t, err)
	fn()
	got, err := e.db.AuditEntries(ctx, backoffice.AuditQuery{AfterSeq: head.Seq, Limit: 10})
	must(t, err)
	if len(got) != 1 {
		t.Fatalf("got %d audit entries, want 1: %+v", len(got), got)
	}
	if got[0].Outcome != want {
		t.Fatalf("got an audit entry with outcome %s (%s), want %s", got[0].Outcome, got[0].Detail, want)
	}
	return got[0]
}

// noEntry runs fn and checks that it left no audit entry.
func (e *fourEyes) noEntry(t *testing.T, fn func()) {
	t.Helper()
	ctx := context.Background()
	head, err := e.db.AuditHead(ctx)
	must(t, err)
	fn()
	if after, _ := e.db.AuditHead(ctx); after != head {
		t.Fatalf("the audit head moved from %d to %d", head.Seq, after.Seq)
	}
}

func (e *fourEyes) balance(t *testing.T) core.Money {
	t.Helper()
	a, err := e.db.Agent(context.Background(), e.agent.ID)
	must(t, err)
	return a.Balance
}

// adjustments counts the float adjustments booked to the agent.
func (e *fourEyes) adjustments(t *testing.T) int {
	t.Helper()
	lines, err := e.db.Statement(context.Background(), e.agent.ID, 0, 1000)
	must(t, err)
	n := 0
	for _, l := range lines {
		if len(l.Memo) > 17 && l.Memo[:17] == "float adjustment:" {
			n++
		}
	}
	return n
}

// finish checks what every test ends on: the ledger balances, and the audit chain is whole.
func (e *fourEyes) finish(t *testing.T) {
	t.Helper()
	checkLedger(t, e.db)
	ctx := context.Background()
	adj, err := e.db.AccountBalance(ctx, core.UtilityAccount(e.utility.ID, "adjustment"))
	must(t, err)
	lines, err := e.db.Statement(ctx, e.agent.ID, 0, 1000)
	must(t, err)
	var agentAdj core.Money
	for _, l := range lines {
		if len(l.Memo) > 17 && l.Memo[:17] == "float adjustment:" {
			agentAdj += l.Amount
		}
	}
	if adj != -agentAdj {
		t.Errorf("the adjustment account holds %d, the agent's adjustments sum to %d", adj, agentAdj)
	}
	res, err := e.bo.Svc.VerifyAudit(ctx, e.bo.Admin)
	must(t, err)
	if res.Break != nil {
		t.Errorf("the audit chain broke: %v", res.Break)
	}
}

// request makes a float adjustment that waits for approval.
func (e *fourEyes) request(t *testing.T, amount core.Money) *backoffice.ApprovalRequest {
	t.Helper()
	var res backoffice.Result[backoffice.AgentView]
	entry := e.step(t, backoffice.OutcomeRequested, func() {
		var err error
		res, err = e.bo.Svc.AdjustFloat(context.Background(), e.bo.Admin, e.agent.ID, amount, "cash counted short")
		must(t, err)
	})
	if res.Done() {
		t.Fatalf("the adjustment ran at once: %+v", res.Value)
	}
	if entry.ApprovalID != res.Pending.ID || entry.Action != backoffice.ActionFloatAdjust {
		t.Errorf("the request's entry is %+v, want approval %d", entry, res.Pending.ID)
	}
	return res.Pending
}

func TestApprovalMakerCannotApprove(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newFourEyes(t, db)
		start := e.balance(t)
		req := e.request(t, 500_00)
		if req.Status != backoffice.ApprovalPending || req.MakerName != "admin" || req.Amount != 500_00 || req.PayloadHash == "" {
			t.Errorf("got request %+v", req)
		}
		if e.balance(t) != start {
			t.Fatal("a request moved the float before its approval")
		}
		e.step(t, backoffice.OutcomeDenied, func() {
			_, err := e.bo.Svc.Approve(ctx, e.bo.Admin, req.ID)
			wantCode(t, err, core.CodeForbidden, backoffice.ReasonOwnApproval)
		})
		cashier := e.bo.Operator(t, "till", backoffice.RoleCashier)
		e.step(t, backoffice.OutcomeDenied, func() {
			_, err := e.bo.Svc.Approve(ctx, cashier, req.ID)
			wantCode(t, err, core.CodeForbidden, backoffice.ReasonPermissionDenied)
		})
		if e.balance(t) != start {
			t.Fatal("a refused approval moved the float")
		}
		entry := e.step(t, backoffice.OutcomeApproved, func() {
			got, err := e.bo.Svc.Approve(ctx, e.sup, req.ID)
			must(t, err)
			if got.Status != backoffice.ApprovalApproved || got.CheckerName != "sup" {
				t.Errorf("got %+v", got)
			}
		})
		if entry.ActorName != "sup" || entry.ApprovalID != req.ID || entry.Detail != "approved by sup; requested by admin: cash counted short" {
			t.Errorf("the approval's entry: actor %s, approval %d, detail %q", entry.ActorName, entry.ApprovalID, entry.Detail)
		}
		if got, want := e.balance(t), start+500_00; got != want {
			t.Errorf("got balance %d, want %d", got, want)
		}
		e.noEntry(t, func() {
			_, err := e.bo.Svc.Approve(ctx, e.sup, req.ID)
			wantCode(t, err, core.CodeConflict, backoffice.ReasonApprovalNotPending)
		})
		if e.adjustments(t) != 1 {
			t.Errorf("got %d adjustments, want 1", e.adjustments(t))
		}
		e.finish(t)
	})
}

func TestApprovalExpires(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newFourEyes(t, db)
		start := e.balance(t)
		late := e.request(t, -300_00)
		due := e.request(t, -200_00)
		e.bo.Clock.Advance(backoffice.DefaultApprovalExpiry)
		e.step(t, backoffice.OutcomeExpired, func() {
			_, err := e.bo.Svc.Approve(ctx, e.sup, late.ID)
			wantCode(t, err, core.CodeConflict, backoffice.ReasonApprovalExpired)
		})
		e.step(t, backoffice.OutcomeExpired, func() {
			n, err := e.bo.Svc.ExpireApprovals(ctx)
			must(t, err)
			if n != 1 {
				t.Errorf("expired %d requests, want 1 (the other was expired by the approval)", n)
			}
		})
		for _, id := range []int64{late.ID, due.ID} {
			got, err := e.bo.Svc.Approval(ctx, e.sup, id)
			must(t, err)
			if got.Status != backoffice.ApprovalExpired || got.DecidedAt.IsZero() {
				t.Errorf("request %d: got %s at %v, want expired", id, got.Status, got.DecidedAt)
			}
			e.noEntry(t, func() {
				_, err := e.bo.Svc.Approve(ctx, e.sup, id)
				wantCode(t, err, core.CodeConflict, backoffice.ReasonApprovalNotPending)
			})
		}
		e.noEntry(t, func() {
			n, err := e.bo.Svc.ExpireApprovals(ctx)
			if err != nil || n != 0 {
				t.Errorf("a second expiry run expired %d, %v", n, err)
			}
		})
		if e.balance(t) != start || e.adjustments(t) != 0 {
			t.Errorf("expired requests moved the float: %d, want %d", e.balance(t), start)
		}
		e.finish(t)
	})
}

// TestApprovalConcurrent: of 8 concurrent approvals of one request, one runs the adjustment and
// the others are refused; the float moves once.
func TestApprovalConcurrent(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newFourEyes(t, db)
		sup2 := e.bo.Operator(t, "sup2", backoffice.RoleSupervisor)
		start := e.balance(t)
		req := e.request(t, 700_00)
		head, err := db.AuditHead(ctx)
		must(t, err)
		const n = 8
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			checker := e.sup
			if i%2 == 1 {
				checker = sup2
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = e.bo.Svc.Approve(ctx, checker, req.ID)
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
				continue
			}
			if r := core.AsError(err); r == nil || r.Reason != backoffice.ReasonApprovalNotPending {
				t.Errorf("got %v, want approved or approval_not_pending", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d approvals ran, want 1", ok)
		}
		entries, err := db.AuditEntries(ctx, backoffice.AuditQuery{AfterSeq: head.Seq, Limit: 100})
		must(t, err)
		if len(entries) != 1 || entries[0].Outcome != backoffice.OutcomeApproved {
			t.Errorf("got %d entries (%+v), want one approval", len(entries), entries)
		}
		if got, want := e.balance(t), start+700_00; got != want {
			t.Errorf("got balance %d, want %d", got, want)
		}
		if e.adjustments(t) != 1 {
			t.Errorf("got %d adjustments, want 1", e.adjustments(t))
		}
		e.finish(t)
	})
}

func TestApprovalRejected(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newFourEyes(t, db)
		start := e.balance(t)
		req := e.request(t, 900_00)
		e.noEntry(t, func() {
			_, err := e.bo.Svc.Reject(ctx, e.sup, req.ID, "  ")
			wantCode(t, err, core.CodeInvalid, backoffice.ReasonInvalidApproval)
		})
		entry := e.step(t, backoffice.OutcomeRejected, func() {
			got, err := e.bo.Svc.Reject(ctx, e.sup, req.ID, "no slip for it")
			must(t, err)
			if got.Status != backoffice.ApprovalRejected || got.Reason != "no slip for it" {
				t.Errorf("got %+v", got)
			}
		})
		if entry.Detail != "rejected by sup; requested by admin: no slip for it" {
			t.Errorf("got detail %q", entry.Detail)
		}
		e.noEntry(t, func() {
			_, err := e.bo.Svc.Approve(ctx, e.sup, req.ID)
			wantCode(t, err, core.CodeConflict, backoffice.ReasonApprovalNotPending)
		})
		mine := e.request(t, 100)
		entry = e.step(t, backoffice.OutcomeRejected, func() {
			_, err := e.bo.Svc.Reject(ctx, e.bo.Admin, mine.ID, "typed the wrong agent")
			must(t, err)
		})
		if entry.Detail != "withdrawn by its maker; requested by admin: typed the wrong agent" {
			t.Errorf("got detail %q", entry.Detail)
		}
		list, err := e.bo.Svc.Approvals(ctx, e.sup, backoffice.ApprovalRejected, 0, 0)
		must(t, err)
		if len(list) != 2 || list[0].ID != req.ID || list[1].ID != mine.ID {
			t.Errorf("the rejected list holds %+v", list)
		}
		if pending, _ := e.bo.Svc.Approvals(ctx, e.sup, backoffice.ApprovalPending, 0, 0); len(pending) != 0 {
			t.Errorf("the pending list holds %+v", pending)
		}
		if e.balance(t) != start || e.adjustments(t) != 0 {
			t.Errorf("a rejected request moved the float")
		}
		e.finish(t)
	})
}

// TestApprovalThreshold: below its policy's threshold an adjustment runs at once; above it, it
// waits; a debit never takes the float below minus the credit limit.
func TestApprovalThreshold(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newFourEyes(t, db)
		start := e.balance(t)
		e.step(t, backoffice.OutcomeDenied, func() {
			_, err := e.bo.Svc.SetApprovalPolicy(ctx, e.sup, backoffice.ApprovalPolicy{Action: backoffice.ActionFloatAdjust, Required: true, Threshold: 1000_00})
			wantCode(t, err, core.CodeForbidden, backoffice.ReasonPermissionDenied)
		})
		e.step(t, backoffice.OutcomeDone, func() {
			p, err := e.bo.Svc.SetApprovalPolicy(ctx, e.bo.Admin, backoffice.ApprovalPolicy{Action: backoffice.ActionFloatAdjust, Required: true, Threshold: 1000_00})
			must(t, err)
			if p.Version != 1 || p.Expiry != backoffice.DefaultApprovalExpiry || p.Permission != backoffice.PermFloatAdjust {
				t.Errorf("got %+v", p)
			}
		})
		e.noEntry(t, func() {
			_, err := e.bo.Svc.SetApprovalPolicy(ctx, e.bo.Admin, backoffice.ApprovalPolicy{Action: backoffice.ActionFloatAdjust, Required: true})
			wantCode(t, err, core.CodeConflict, backoffice.ReasonStaleVersion)
		})
		policies, err := e.bo.Svc.ApprovalPolicies(ctx, e.sup)
		must(t, err)
		want := map[backoffice.Action]core.Money{backoffice.ActionFloatAdjust: 1000_00, backoffice.ActionCreditLimitSet: 0, backoffice.ActionCommissionSet: 0}
		for _, p := range policies {
			if th, ok := want[p.Action]; ok && (p.Threshold != th || !p.Required) {
				t.Errorf("policy %+v, want required above %d", p, th)
			}
			delete(want, p.Action)
		}
		if len(want) != 0 {
			t.Errorf("no policy for %v", want)
		}
		var res backoffice.Result[backoffice.AgentView]
		entry := e.step(t, backoffice.OutcomeDone, func() {
			res, err = e.bo.Svc.AdjustFloat(ctx, e.bo.Admin, e.agent.ID, -1000_00, "float taken back")
			must(t, err)
		})
		if !res.Done() || core.Money(res.Value.Balance) != start-1000_00 || entry.Detail != "float taken back" {
			t.Errorf("got %+v, entry %q", res, entry.Detail)
		}
		e.request(t, 1000_01)
		// The fixture's agent may go 100.00 below zero.
		e.noEntry(t, func() {
			_, err := e.bo.Svc.AdjustFloat(ctx, e.bo.Admin, e.agent.ID, -(start - 1000_00 + 100_01), "too much")
			wantCode(t, err, core.CodeInsufficientFunds, core.ReasonInsufficientFunds)
		})
		e.noEntry(t, func() {
			_, err := e.bo.Svc.AdjustFloat(ctx, e.bo.Admin, e.agent.ID, 0, "nothing")
			wantCode(t, err, core.CodeInvalid, backoffice.ReasonInvalidAdjustment)
		})
		if got := e.balance(t); got != start-1000_00 {
			t.Errorf("got balance %d, want %d", got, start-1000_00)
		}
		e.finish(t)
	})
}

// TestApprovalDebitShortAtApproval: a debit the float covered when requested but not when
// approved is refused, changes nothing, and the request stays pending.
func TestApprovalDebitShortAtApproval(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newFourEyes(t, db)
		start := e.balance(t)
		first := e.request(t, -start)
		second := e.request(t, -start)
		e.step(t, backoffice.OutcomeApproved, func() {
			_, err := e.bo.Svc.Approve(ctx, e.sup, first.ID)
			must(t, err)
		})
		e.noEntry(t, func() {
			_, err := e.bo.Svc.Approve(ctx, e.sup, second.ID)
			wantCode(t, err, core.CodeInsufficientFunds, core.ReasonInsufficientFunds)
		})
		got, err := e.bo.Svc.Approval(ctx, e.sup, second.ID)
		must(t, err)
		if got.Status != backoffice.ApprovalPending || e.balance(t) != 0 {
			t.Errorf("got %s and balance %d, want pending and 0", got.Status, e.balance(t))
		}
		e.finish(t)
	})
}

func TestApprovalAgentTerms(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newFourEyes(t, db)
		var raise, other backoffice.Result[backoffice.AgentView]
		e.step(t, backoffice.OutcomeRequested, func() {
			var err error
			raise, err = e.bo.Svc.SetCreditLimit(ctx, e.bo.Admin, e.agent.ID, 5000_00)
			must(t, err)
		})
		e.step(t, backoffice.OutcomeRequested, func() {
			var err error
			other, err = e.bo.Svc.SetCreditLimit(ctx, e.sup, e.agent.ID, 50_00)
			must(t, err)
		})
		if raise.Done() || raise.Pending.Amount != 4900_00 || other.Pending.Amount != 0 {
			t.Fatalf("got %+v and %+v", raise.Pending, other.Pending)
		}
		e.step(t, backoffice.OutcomeApproved, func() {
			_, err := e.bo.Svc.Approve(ctx, e.sup, raise.Pending.ID)
			must(t, err)
		})
		a, err := db.Agent(ctx, e.agent.ID)
		must(t, err)
		if a.CreditLimit != 5000_00 || a.Balance != e.agent.Balance {
			t.Errorf("got limit %d and balance %d", a.CreditLimit, a.Balance)
		}
		// The second request was made against the old limit: it no longer applies.
		e.noEntry(t, func() {
			_, err := e.bo.Svc.Approve(ctx, e.bo.Admin, other.Pending.ID)
			wantCode(t, err, core.CodeConflict, backoffice.ReasonTermsChanged)
		})
		// The new limit holds for a debit at once.
		_, err = e.bo.Svc.SetApprovalPolicy(ctx, e.bo.Admin, backoffice.ApprovalPolicy{Action: backoffice.ActionFloatAdjust})
		must(t, err)
		e.step(t, backoffice.OutcomeDone, func() {
			_, err := e.bo.Svc.AdjustFloat(ctx, e.bo.Admin, e.agent.ID, -(a.Balance + 5000_00), "settled to the limit")
			must(t, err)
		})
		var rate backoffice.Result[backoffice.AgentView]
		e.step(t, backoffice.OutcomeRequested, func() {
			rate, err = e.bo.Svc.SetCommissionRate(ctx, e.sup, e.agent.ID, decimal.RequireFromString("0.035"))
			must(t, err)
		})
		e.step(t, backoffice.OutcomeApproved, func() {
			_, err := e.bo.Svc.Approve(ctx, e.bo.Admin, rate.Pending.ID)
			must(t, err)
		})
		a, err = db.Agent(ctx, e.agent.ID)
		must(t, err)
		if !a.CommissionRate.Equal(decimal.RequireFromString("0.035")) || a.Balance != -5000_00 {
			t.Errorf("got rate %s and balance %d", a.CommissionRate, a.Balance)
		}
		e.noEntry(t, func() {
			_, err := e.bo.Svc.SetCommissionRate(ctx, e.sup, e.agent.ID, decimal.NewFromInt(1))
			wantCode(t, err, core.CodeInvalid, backoffice.ReasonInvalidTerms)
		})
		e.finish(t)
	})
}

// TestApprovalPolicyExpiry: a policy's own expiry sets when its requests expire.
func TestApprovalPolicyExpiry(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newFourEyes(t, db)
		_, err := e.bo.Svc.SetApprovalPolicy(ctx, e.bo.Admin, backoffice.ApprovalPolicy{Action: backoffice.ActionFloatAdjust, Required: true, Expiry: time.Hour})
		must(t, err)
		req := e.request(t, 100)
		if got := req.ExpiresAt.Sub(req.CreatedAt); got != time.Hour {
			t.Errorf("the request waits %s, want 1h", got)
		}
		e.bo.Clock.Advance(time.Hour - time.Second)
		if n, err := e.bo.Svc.ExpireApprovals(ctx); err != nil || n != 0 {
			t.Errorf("expired %d early, %v", n, err)
		}
		e.bo.Clock.Advance(time.Second)
		if n, err := e.bo.Svc.ExpireApprovals(ctx); err != nil || n != 1 {
			t.Errorf("expired %d on time, %v", n, err)
		}
	})
}

// TestApprovalLateReversal: an operator reverses a vend at once inside the utility's window;
// past it the reversal waits for a second operator, and the approved request reverses it once.
func TestApprovalLateReversal(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newFourEyes(t, db)
		m := e.newMeter(t, 0)
		start := e.balance(t)
		fresh, err := e.vendor.Vend(ctx, vendReq(e.agent.ID, m, "fresh", 50_00))
		must(t, err)
		old, err := e.vendor.Vend(ctx, vendReq(e.agent.ID, m, "old", 70_00))
		must(t, err)
		var res backoffice.Result[backoffice.VendView]
		e.step(t, backoffice.OutcomeDone, func() {
			res, err = e.bo.Svc.ReverseVend(ctx, e.sup, fresh.ID, "no answer at the till")
			must(t, err)
		})
		if !res.Done() || res.Value.Status != core.VendReversed || res.Value.ReversedBy != "operator sup" {
			t.Fatalf("inside the window: got %+v", res)
		}
		e.bo.Clock.Advance(e.utility.ReversalWindow + time.Second)
		e.step(t, backoffice.OutcomeRequested, func() {
			res, err = e.bo.Svc.ReverseVend(ctx, e.sup, old.ID, "customer paid twice")
			must(t, err)
		})
		if res.Done() || res.Pending.Action != backoffice.ActionVendReverseLate || res.Pending.Amount != 70_00 {
			t.Fatalf("past the window: got %+v", res.Pending)
		}
		if v, _ := db.Vend(ctx, old.ID); v.Status != core.VendCompleted {
			t.Fatalf("a request reversed the vend before its approval: %s", v.Status)
		}
		e.step(t, backoffice.OutcomeDenied, func() {
			_, err := e.bo.Svc.Approve(ctx, e.sup, res.Pending.ID)
			wantCode(t, err, core.CodeForbidden, backoffice.ReasonOwnApproval)
		})
		entry := e.step(t, backoffice.OutcomeApproved, func() {
			_, err := e.bo.Svc.Approve(ctx, e.bo.Admin, res.Pending.ID)
			must(t, err)
		})
		if entry.Action != backoffice.ActionVendReverseLate || entry.Detail != "approved by admin; requested by sup: customer paid twice" {
			t.Errorf("got entry %s %q", entry.Action, entry.Detail)
		}
		v, err := db.Vend(ctx, old.ID)
		must(t, err)
		if v.Status != core.VendReversed || v.ReversedBy != "operator sup" || v.ReversalReason != "customer paid twice" {
			t.Errorf("got %s by %q for %q", v.Status, v.ReversedBy, v.ReversalReason)
		}
		if got := e.balance(t); got != start {
			t.Errorf("got balance %d after both reversals, want %d", got, start)
		}
		e.noEntry(t, func() {
			_, err := e.bo.Svc.ReverseVend(ctx, e.sup, old.ID, "again")
			wantCode(t, err, core.CodeConflict, core.ReasonAlreadyReversed)
		})
		e.finish(t)
	})
}

// TestApprovalPayloadAltered: a request whose stored payload no longer matches its SHA-256 does
// not run, and stays pending.
func TestApprovalPayloadAltered(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newFourEyes(t, db)
		start := e.balance(t)
		req := e.request(t, 100_00)
		must(t, db.Exec(ctx, "UPDATE approval_requests SET payload = REPLACE(payload, '10000', '9990000') WHERE id = ?", req.ID))
		e.noEntry(t, func() {
			_, err := e.bo.Svc.Approve(ctx, e.sup, req.ID)
			wantCode(t, err, core.CodeInternal, backoffice.ReasonApprovalPayload)
		})
		got, err := e.bo.Svc.Approval(ctx, e.sup, req.ID)
		must(t, err)
		if got.Status != backoffice.ApprovalPending || e.balance(t) != start || !strings.Contains(string(got.Payload), "9990000") {
			t.Errorf("got %s, payload %s, balance %d; want pending, the altered payload, %d", got.Status, got.Payload, e.balance(t), start)
		}
		e.finish(t)
	})
}

// TestApprovalScope: an operator of another utility neither sees nor approves a request about
// this utility's agent; one of this utility does both.
func TestApprovalScope(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newFourEyes(t, db)
		outsider := e.bo.OperatorOf(t, backoffice.NewOperator{Username: "faraway", FullName: "Far Away",
			Roles: []string{backoffice.RoleSupervisor}, UtilityID: e.utility.ID + 1000})
		local := e.bo.OperatorOf(t, backoffice.NewOperator{Username: "nearby", FullName: "Near By",
			Roles: []string{backoffice.RoleSupervisor}, UtilityID: e.utility.ID})
		req := e.request(t, 100_00)
		if req.UtilityID != e.utility.ID {
			t.Fatalf("the request is of utility %d, want %d", req.UtilityID, e.utility.ID)
		}
		e.step(t, backoffice.OutcomeDenied, func() {
			_, err := e.bo.Svc.Approve(ctx, outsider, req.ID)
			wantCode(t, err, core.CodeForbidden, backoffice.ReasonOutOfScope)
		})
		e.step(t, backoffice.OutcomeDenied, func() {
			_, err := e.bo.Svc.AdjustFloat(ctx, outsider, e.agent.ID, 100, "not mine")
			wantCode(t, err, core.CodeForbidden, backoffice.ReasonOutOfScope)
		})
		if list, err := e.bo.Svc.Approvals(ctx, outsider, "", 0, 0); err != nil || len(list) != 0 {
			t.Errorf("the outsider sees %+v, %v", list, err)
		}
		_, err := e.bo.Svc.Approval(ctx, outsider, req.ID)
		wantCode(t, err, core.CodeNotFound, backoffice.ReasonApprovalNotFound)
		if list, err := e.bo.Svc.Approvals(ctx, local, backoffice.ApprovalPending, 0, 0); err != nil || len(list) != 1 {
			t.Errorf("the local supervisor sees %+v, %v", list, err)
		}
		e.step(t, backoffice.OutcomeApproved, func() {
			_, err := e.bo.Svc.Approve(ctx, local, req.ID)
			must(t, err)
		})
		e.finish(t)
	})
}
