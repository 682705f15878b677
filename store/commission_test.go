package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
)

// A commission statement's figures equal the vends made and reversed; the period's payment run
// is made once, even under concurrent approvals, and the ledger stays balanced.
func TestCommissionStatementAndRun(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		e := newFourEyes(t, db)
		m := e.newMeter(t, 0)
		var vends []*core.Vend
		for i, amount := range []core.Money{100_00, 55_55, 20_00} {
			v, err := e.vendor.Vend(ctx, vendReq(e.agent.ID, m, "com-"+string(rune('a'+i)), amount))
			must(t, err)
			vends = append(vends, v)
		}
		rev, err := e.vendor.Reverse(ctx, reversal(vends[1].ID, e.agent.ID))
		must(t, err)
		period := e.bo.Clock.Now().Format("2006-01")

		st, err := e.bo.Svc.CommissionStatementFor(ctx, e.bo.Admin, e.agent.ID, period)
		must(t, err)
		var earned core.Money
		for _, v := range vends {
			earned += v.Breakdown.Commission
		}
		if st.Vends != 3 || st.Sold != 175_55 || st.Reversals != 1 || st.Reversed != 55_55 ||
			st.Commission != earned || st.CommissionOff != rev.Breakdown.Commission || earned == 0 {
			t.Errorf("statement %+v; want 3 vends of 17555, 1 reversal of 5555, commission %d less %d", st, earned, rev.Breakdown.Commission)
		}
		if len(st.Lines) != 4 || st.Lines[3].Kind != backoffice.CommissionReversal || st.Lines[3].Reference != vends[1].Reference {
			t.Errorf("statement lines: %+v", st.Lines)
		}

		// The period has not ended; a cashier may not run it.
		_, err = e.bo.Svc.RunCommission(ctx, e.bo.Admin, e.utility.ID, period)
		wantField(t, err, "period")
		cashier := e.bo.Operator(t, "cash", backoffice.RoleCashier)
		e.step(t, backoffice.OutcomeDenied, func() {
			_, err := e.bo.Svc.RunCommission(ctx, cashier, e.utility.ID, period)
			wantCode(t, err, core.CodeForbidden, backoffice.ReasonPermissionDenied)
		})

		e.bo.Clock.Advance(31 * 24 * time.Hour)
		res, err := e.bo.Svc.RunCommission(ctx, e.bo.Admin, e.utility.ID, period)
		must(t, err)
		if res.Pending == nil || res.Pending.Amount != st.Due() {
			t.Fatalf("the run: %+v; want it pending for a second operator, weighing %d", res, st.Due())
		}
		// A second request for the period before the first is approved: only one can run.
		res2, err := e.bo.Svc.RunCommission(ctx, e.bo.Admin, e.utility.ID, period)
		must(t, err)
		sup2 := e.bo.Operator(t, "sup2", backoffice.RoleSupervisor)
		var (
			wg  sync.WaitGroup
			mu  sync.Mutex
			ran int
		)
		for _, c := range []struct {
			who backoffice.Actor
			id  int64
		}{{e.sup, res.Pending.ID}, {sup2, res.Pending.ID}, {sup2, res2.Pending.ID}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := e.bo.Svc.Approve(ctx, c.who, c.id); err == nil {
					mu.Lock()
					ran++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if ran != 1 {
			t.Errorf("%d approvals ran the period's commission, want 1", ran)
		}
		_, err = e.bo.Svc.RunCommission(ctx, e.bo.Admin, e.utility.ID, period)
		wantCode(t, err, core.CodeConflict, backoffice.ReasonCommissionRunExists)

		run, err := e.bo.Svc.CommissionRunOf(ctx, e.bo.Admin, e.utility.ID, period)
		must(t, err)
		if run.Total != st.Due() || len(run.Statements) != 1 || run.Statements[0].AgentID != e.agent.ID {
			t.Fatalf("run %+v; want one statement paying %d", run, st.Due())
		}
		paid, err := db.AccountBalance(ctx, core.UtilityAccount(e.utility.ID, "commission_paid"))
		must(t, err)
		open, err := db.AccountBalance(ctx, core.UtilityAccount(e.utility.ID, "commission"))
		must(t, err)
		if paid != -st.Due() || open != 0 {
			t.Errorf("commission_paid %d, commission %d; want %d and 0", paid, open, -st.Due())
		}
		a, err := db.Agent(ctx, e.agent.ID)
		must(t, err)
		if a.Balance != e.agent.Balance-175_55+55_55+st.Due() {
			t.Errorf("agent balance %d; the run must not credit the commission twice", a.Balance)
		}
		checkLedger(t, db)

		csv, err := e.bo.Svc.ExportStatement(ctx, e.bo.Admin, run.Statements[0].ID)
		must(t, err)
		rows := strings.Split(strings.TrimSpace(string(csv)), "\n")
		if len(rows) != 6 || !strings.Contains(rows[4], vends[1].Reference+",reversal,") || !strings.HasSuffix(rows[5], ",total,,12000,"+itoa(int64(st.Due()))) {
			t.Errorf("CSV:\n%s", csv)
		}
	})
}
