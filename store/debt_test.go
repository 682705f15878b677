package store_test

import (
	"context"
	"testing"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

// debtOf returns what the ledger says a customer owes: minus the sum of their debt account.
func debtOf(t *testing.T, db *store.DB, customerID int64) core.Money {
	t.Helper()
	sum, err := db.AccountBalance(context.Background(), core.CustomerDebtAccount(customerID))
	must(t, err)
	return -sum
}

// wantDebt checks a contract's debt as its records hold it, the customer's as the ledger holds it,
// and that the whole ledger check passes.
func wantDebt(t *testing.T, db *store.DB, step string, contractID, customerID int64, contract, ledger core.Money) {
	t.Helper()
	got, err := db.ContractDebt(context.Background(), contractID)
	must(t, err)
	if got != contract {
		t.Errorf("%s: contract %d holds a debt of %d, want %d", step, contractID, got, contract)
	}
	if got := debtOf(t, db, customerID); got != ledger {
		t.Errorf("%s: the ledger says customer %d owes %d, want %d", step, customerID, got, ledger)
	}
	checkLedger(t, db)
}

// TestDebtInLedger: a contract's opening debt, the vends that recover it, additions, adjustments
// both ways and a write-off under four eyes are ledger entries, and the ledger check passes after
// each step; arrears changed behind the ledger's back fail it.
func TestDebtInLedger(t *testing.T) {
	ctx := context.Background()
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		iv := newInventory(t, db)
		number := iv.receive(t, "B-1", 1)[0]
		cashier := iv.bo.Operator(t, "cashier", backoffice.RoleCashier)
		sup := iv.bo.Operator(t, "sup", backoffice.RoleSupervisor)
		cust := iv.customer.ID

		c, err := iv.bo.Svc.OpenContract(ctx, cashier, backoffice.NewContract{CustomerID: cust, MeterNumber: number, TariffID: iv.tariff.ID, OpeningArrears: 40_00})
		must(t, err)
		wantDebt(t, db, "opened", c.ID, cust, 40_00, 40_00)
		if sum, err := db.AccountBalance(ctx, core.UtilityAccount(iv.utility.ID, "arrears")); err != nil || sum != 40_00 {
			t.Errorf("utility arrears account: %d (%v), want 40.00 booked against the customer", sum, err)
		}

		v, err := iv.vendor.Vend(ctx, vendReq(iv.agent.ID, core.Meter{Number: number}, "d1", 100_00))
		must(t, err)
		if v.Breakdown.Debt != 25_00 {
			t.Fatalf("vend recovered %d, want 25.00", v.Breakdown.Debt)
		}
		wantDebt(t, db, "recovered by a vend", c.ID, cust, 15_00, 15_00)

		d, err := iv.bo.Svc.AddDebt(ctx, sup, c.ID, 10_00, "unpaid reconnection")
		must(t, err)
		if d.Before != 15_00 || d.After != 25_00 {
			t.Errorf("addition: %+v, want 15.00 to 25.00", d)
		}
		wantDebt(t, db, "added to", c.ID, cust, 25_00, 25_00)
		if e := lastAudit(t, db); e.Action != backoffice.ActionDebtAdd || e.ActorName != "sup" || e.Detail != "unpaid reconnection" {
			t.Errorf("audit entry %+v, want sup's debt addition with its reason", e)
		}

		_, err = iv.bo.Svc.AdjustDebt(ctx, sup, c.ID, -5_00, "meter read wrongly")
		must(t, err)
		wantDebt(t, db, "adjusted down", c.ID, cust, 20_00, 20_00)
		_, err = iv.bo.Svc.AdjustDebt(ctx, sup, c.ID, 2_00, "late fee")
		must(t, err)
		wantDebt(t, db, "adjusted up", c.ID, cust, 22_00, 22_00)

		t.Run("ErrBelowZero", func(t *testing.T) {
			_, err := iv.bo.Svc.AdjustDebt(ctx, sup, c.ID, -23_00, "too much")
			wantCode(t, err, core.CodeConflict, backoffice.ReasonDebtShort)
			_, err = iv.bo.Svc.WriteOffDebt(ctx, sup, c.ID, 23_00, "too much")
			wantCode(t, err, core.CodeConflict, backoffice.ReasonDebtShort)
			wantDebt(t, db, "refused", c.ID, cust, 22_00, 22_00)
		})
		t.Run("ErrNoReason", func(t *testing.T) {
			_, err := iv.bo.Svc.AddDebt(ctx, sup, c.ID, 1_00, "  ")
			wantCode(t, err, core.CodeInvalid, backoffice.ReasonInvalidDebt)
		})
		t.Run("ErrCashierDenied", func(t *testing.T) {
			seq := auditSeq(t, db)
			_, err := iv.bo.Svc.AdjustDebt(ctx, cashier, c.ID, -1_00, "a favour")
			wantCode(t, err, core.CodeForbidden, backoffice.ReasonPermissionDenied)
			if got := auditSeq(t, db); got != seq+1 {
				t.Errorf("%d audit entries for the refusal, want 1", got-seq)
			}
			if e := lastAudit(t, db); e.Outcome != backoffice.OutcomeDenied || e.Permission != backoffice.PermCustomersDebt || e.ActorName != "cashier" {
				t.Errorf("audit entry %+v, want the cashier's refusal for lack of customers.debt", e)
			}
			wantDebt(t, db, "denied", c.ID, cust, 22_00, 22_00)
		})

		res, err := iv.bo.Svc.WriteOffDebt(ctx, sup, c.ID, 12_00, "hardship")
		must(t, err)
		if res.Done() {
			t.Fatal("the write-off ran at once; want it to wait for a second operator")
		}
		wantDebt(t, db, "write-off pending", c.ID, cust, 22_00, 22_00)
		_, err = iv.bo.Svc.Approve(ctx, sup, res.Pending.ID)
		wantCode(t, err, core.CodeForbidden, backoffice.ReasonOwnApproval)
		_, err = iv.bo.Svc.Approve(ctx, iv.bo.Admin, res.Pending.ID)
		must(t, err)
		wantDebt(t, db, "written off", c.ID, cust, 10_00, 10_00)
		if sum, err := db.AccountBalance(ctx, core.UtilityAccount(iv.utility.ID, "written_off")); err != nil || sum != -12_00 {
			t.Errorf("written_off account: %d (%v), want -12.00", sum, err)
		}
		_, err = iv.bo.Svc.Approve(ctx, iv.bo.Admin, res.Pending.ID)
		wantCode(t, err, core.CodeConflict, backoffice.ReasonApprovalNotPending)
		wantDebt(t, db, "approved once", c.ID, cust, 10_00, 10_00)
		if shown, err := iv.bo.Svc.ContractDebtOf(ctx, cashier, c.ID); err != nil || shown != 10_00 {
			t.Errorf("the cashier reads a debt of %d (%v), want 10.00", shown, err)
		}

		closed, err := iv.bo.Svc.CloseContract(ctx, cashier, c.ID, 100_0, backoffice.ArrearsCarry)
		must(t, err)
		if closed.CarriedArrears != 10_00 {
			t.Errorf("closed %+v, want 10.00 carried", closed)
		}
		wantDebt(t, db, "carried", c.ID, cust, 10_00, 10_00)
		_, err = iv.bo.Svc.AdjustDebt(ctx, sup, c.ID, -4_00, "paid at the office")
		must(t, err)
		wantDebt(t, db, "carried, adjusted", c.ID, cust, 6_00, 6_00)

		t.Run("Settled", func(t *testing.T) {
			_, err := iv.bo.Svc.MoveMeter(ctx, iv.bo.Admin, backoffice.StockMove{MeterNumber: number, To: backoffice.StockInStore, Reason: "refurbished"})
			must(t, err)
			other := core.Customer{Name: "Lerato Khumalo", Language: "en"}
			must(t, db.CreateCustomer(ctx, &other))
			c2, err := iv.bo.Svc.OpenContract(ctx, cashier, backoffice.NewContract{CustomerID: other.ID, MeterNumber: number, TariffID: iv.tariff.ID, OpeningArrears: 7_00})
			must(t, err)
			wantDebt(t, db, "second contract", c2.ID, other.ID, 7_00, 7_00)
			_, err = iv.bo.Svc.CloseContract(ctx, cashier, c2.ID, 0, backoffice.ArrearsSettle)
			must(t, err)
			wantDebt(t, db, "settled", c2.ID, other.ID, 0, 0)
			_, err = iv.bo.Svc.AddDebt(ctx, sup, c2.ID, 1_00, "after settling")
			wantCode(t, err, core.CodeConflict, backoffice.ReasonNoDebt)
		})

		t.Run("CheckBites", func(t *testing.T) {
			must(t, db.Exec(ctx, "UPDATE contracts SET carried_arrears = carried_arrears + 100 WHERE id = ?", c.ID))
			r, err := db.CheckLedger(ctx, 0)
			must(t, err)
			if r.OK() || len(r.CustomerDifferences) != 1 || r.CustomerDifferences[0] != (store.CustomerDifference{CustomerID: cust, Debt: 6_00 + 100, Ledger: 6_00}) {
				t.Errorf("after changing the carried arrears behind the ledger's back: %+v, want customer %d's difference", r, cust)
			}
		})
	})
}

// TestDebtCheckBitesOnMeter: a meter's arrears changed behind the ledger's back fail the check.
func TestDebtCheckBitesOnMeter(t *testing.T) {
	ctx := context.Background()
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		m := f.newMeter(t, 30_00)
		checkLedger(t, db)
		must(t, db.Exec(ctx, "UPDATE meters SET arrears = 0 WHERE id = ?", m.ID))
		r, err := db.CheckLedger(ctx, 0)
		must(t, err)
		if r.OK() || len(r.CustomerDifferences) != 1 || r.CustomerDifferences[0] != (store.CustomerDifference{CustomerID: f.customer.ID, Debt: 0, Ledger: 30_00}) {
			t.Errorf("after clearing the arrears behind the ledger's back: %+v, want customer %d's difference", r, f.customer.ID)
		}
	})
}
