package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
)

// Twenty concurrent vends at a daily limit's edge sell exactly up to it, never over: the hot
// agent's batches that would pass it run their vends alone.
func TestDailySalesLimitUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		e := newFourEyes(t, db)
		const amount, limit = 50_00, 10*50_00 + 30_00 // room for ten vends, not eleven
		var view backoffice.SalesLimitsView
		e.step(t, backoffice.OutcomeDone, func() {
			var err error
			view, err = e.bo.Svc.SetSalesLimits(ctx, e.bo.Admin, e.agent.ID, limit, 0)
			must(t, err)
		})
		if view.DailyLimit != limit || view.MonthlyLimit != 0 {
			t.Fatalf("limits set: %+v", view)
		}
		meters := make([]core.Meter, 20)
		for i := range meters {
			meters[i] = e.newMeter(t, 0)
		}
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			sold    core.Money
			refused int
			others  []error
		)
		for i, m := range meters {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, err := e.vendor.Vend(ctx, vendReq(e.agent.ID, m, fmt.Sprintf("limit-%d", i), amount))
				mu.Lock()
				defer mu.Unlock()
				var ce *core.Error
				switch {
				case err == nil:
					sold += v.Breakdown.Paid
				case errors.As(err, &ce) && ce.Reason == core.ReasonSalesLimitExceeded:
					refused++
				default:
					others = append(others, err)
				}
			}()
		}
		wg.Wait()
		if len(others) > 0 {
			t.Fatalf("unexpected refusals: %v", others)
		}
		if sold != 10*amount || refused != 10 {
			t.Errorf("sold %d with %d vends refused; want 50000 sold and 10 refused", sold, refused)
		}
		got, err := e.bo.Svc.SalesLimits(ctx, e.bo.Admin, e.agent.ID)
		must(t, err)
		if got.DaySold != sold || got.MonthSold != sold {
			t.Errorf("the agent's tally: day %d, month %d; want %d", got.DaySold, got.MonthSold, sold)
		}
		vends, err := db.FindVends(ctx, core.VendQuery{AgentID: e.agent.ID, Limit: 100})
		must(t, err)
		var stored core.Money
		for _, v := range vends {
			stored += v.Breakdown.Paid
		}
		if stored != sold {
			t.Errorf("stored vends pay %d, want %d", stored, sold)
		}
		checkLedger(t, db)

		// Lifting the limit lets the agent sell again; a role without agents.credit is refused.
		_, err = e.bo.Svc.SetSalesLimits(ctx, e.bo.Admin, e.agent.ID, 0, 0)
		must(t, err)
		if _, err := e.vendor.Vend(ctx, vendReq(e.agent.ID, meters[0], "limit-lifted", amount)); err != nil {
			t.Errorf("with no limit: %v", err)
		}
		cashier := e.bo.Operator(t, "cash", backoffice.RoleCashier)
		e.step(t, backoffice.OutcomeDenied, func() {
			_, err := e.bo.Svc.SetSalesLimits(ctx, cashier, e.agent.ID, 1_00, 0)
			wantCode(t, err, core.CodeForbidden, backoffice.ReasonPermissionDenied)
		})
		_, err = e.bo.Svc.SetSalesLimits(ctx, e.bo.Admin, e.agent.ID, 2_00, 1_00)
		wantField(t, err, "daily_limit")
	})
}
