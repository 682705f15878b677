package store_test

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
)

// TestContractLifecycle: a meter received into the store cannot be sold to; a cashier opens a
// contract for it (its opening arrears become the meter's) and it sells, recovering the debt;
// closing the contract carries what is left to the customer and stops the sales again.
func TestContractLifecycle(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		iv := newInventory(t, db)
		number := iv.receive(t, "B-1", 1)[0]
		m := core.Meter{Number: number}
		cashier := iv.bo.Operator(t, "cashier", backoffice.RoleCashier)

		_, err := iv.vendor.Vend(ctx, vendReq(iv.agent.ID, m, "k0", 100_00))
		wantCode(t, err, core.CodeInvalid, core.ReasonMeterNotInstalled)

		open := backoffice.NewContract{CustomerID: iv.customer.ID, MeterNumber: number, TariffID: iv.tariff.ID, OpeningArrears: 40_00}
		c, err := iv.bo.Svc.OpenContract(ctx, cashier, open)
		must(t, err)
		if c.ID == 0 || c.Status != backoffice.ContractOpen || c.OpenedBy != "cashier" || c.OpeningArrears != 40_00 || c.MeterNumber != number {
			t.Fatalf("contract %+v, want open by c with 40.00 opening arrears", c)
		}
		stock, err := iv.bo.Svc.MeterStockOf(ctx, cashier, number)
		must(t, err)
		if stock.State != backoffice.StockInstalled || stock.ContractID != c.ID || stock.CustomerID != iv.customer.ID {
			t.Errorf("meter %+v, want installed on contract %d at customer %d", stock, c.ID, iv.customer.ID)
		}
		if e := lastAudit(t, db); e.Action != backoffice.ActionContractOpen || e.ActorName != "cashier" || e.Target != "contract:"+strconv.FormatInt(c.ID, 10) {
			t.Errorf("audit entry %+v, want c's contract.open of contract %d", e, c.ID)
		}

		v, err := iv.vendor.Vend(ctx, vendReq(iv.agent.ID, m, "k1", 100_00))
		must(t, err)
		if v.Breakdown.Debt != 25_00 || v.CustomerName != iv.customer.Name || len(v.Tokens) != 1 {
			t.Errorf("vend %+v, want 25.00 of the opening arrears recovered for %s", v.Breakdown, iv.customer.Name)
		}

		t.Run("ErrMeterOnContract", func(t *testing.T) {
			_, err := iv.bo.Svc.OpenContract(ctx, cashier, open)
			wantCode(t, err, core.CodeConflict, backoffice.ReasonMeterOnContract)
		})
		t.Run("ErrStockMoveOffContract", func(t *testing.T) {
			_, err := iv.bo.Svc.MoveMeter(ctx, iv.bo.Admin, backoffice.StockMove{MeterNumber: number, To: backoffice.StockRemoved, Reason: "x"})
			wantCode(t, err, core.CodeInvalid, backoffice.ReasonStockMoveRefused)
		})

		list, err := iv.bo.Svc.Contracts(ctx, cashier, backoffice.ContractQuery{CustomerID: iv.customer.ID})
		must(t, err)
		if len(list) != 1 || list[0].ID != c.ID || list[0].Customer != iv.customer.Name {
			t.Errorf("the customer's contracts: %+v, want contract %d", list, c.ID)
		}

		closed, err := iv.bo.Svc.CloseContract(ctx, cashier, c.ID, 1234_5, backoffice.ArrearsCarry)
		must(t, err)
		if closed.Status != backoffice.ContractClosed || closed.ClosingArrears != 15_00 || closed.ArrearsOutcome != backoffice.ArrearsCarry ||
			closed.ClosingReading != 1234_5 || closed.ClosedAt == nil || closed.ClosedBy != "cashier" {
			t.Errorf("closed contract %+v, want 15.00 carried at reading 1234.5", closed)
		}
		shown, err := iv.bo.Svc.ContractOf(ctx, cashier, c.ID)
		must(t, err)
		if shown.Status != backoffice.ContractClosed || shown.ClosingArrears != 15_00 || shown.Version != closed.Version {
			t.Errorf("stored contract %+v, want it as closed (%+v)", shown, closed)
		}
		stock, err = iv.bo.Svc.MeterStockOf(ctx, cashier, number)
		must(t, err)
		if stock.State != backoffice.StockRemoved || stock.ContractID != 0 {
			t.Errorf("meter %+v, want removed, on no contract", stock)
		}
		if got := counters(t, db, stock.MeterID).Arrears; got != 0 {
			t.Errorf("the freed meter keeps %d arrears, want 0 (carried to the customer)", got)
		}
		_, err = iv.vendor.Vend(ctx, vendReq(iv.agent.ID, m, "k2", 100_00))
		wantCode(t, err, core.CodeInvalid, core.ReasonMeterNotInstalled)
		checkLedger(t, db)

		t.Run("ErrClosedAlready", func(t *testing.T) {
			_, err := iv.bo.Svc.CloseContract(ctx, cashier, c.ID, 0, backoffice.ArrearsSettle)
			wantCode(t, err, core.CodeConflict, backoffice.ReasonContractClosed)
		})
		t.Run("ErrRemovedMeterNotInStore", func(t *testing.T) {
			_, err := iv.bo.Svc.OpenContract(ctx, cashier, open)
			wantCode(t, err, core.CodeConflict, backoffice.ReasonMeterNotInStore)
		})
		t.Run("BackToStoreThenNewContractSettled", func(t *testing.T) {
			_, err := iv.bo.Svc.MoveMeter(ctx, iv.bo.Admin, backoffice.StockMove{MeterNumber: number, To: backoffice.StockInStore, Reason: "tested, fine"})
			must(t, err)
			other := core.Customer{Name: "Lerato Khumalo", Language: "en"}
			must(t, db.CreateCustomer(ctx, &other))
			c2, err := iv.bo.Svc.OpenContract(ctx, cashier, backoffice.NewContract{CustomerID: other.ID, MeterNumber: number, TariffID: iv.tariff.ID})
			must(t, err)
			v, err := iv.vendor.Vend(ctx, vendReq(iv.agent.ID, m, "k3", 100_00))
			must(t, err)
			if v.CustomerName != other.Name || v.Breakdown.Debt != 0 || v.Tokens[0].TID <= 0 {
				t.Errorf("vend %+v for %s, want the new customer's, with no debt", v.Breakdown, v.CustomerName)
			}
			closed, err := iv.bo.Svc.CloseContract(ctx, cashier, c2.ID, 0, backoffice.ArrearsSettle)
			must(t, err)
			if closed.ArrearsOutcome != backoffice.ArrearsSettle || closed.ClosingArrears != 0 {
				t.Errorf("closed %+v, want settled with nothing owed", closed)
			}
			byMeter, err := iv.bo.Svc.Contracts(ctx, iv.bo.Admin, backoffice.ContractQuery{MeterNumber: number})
			must(t, err)
			if len(byMeter) != 2 || byMeter[0].ID != c.ID || byMeter[1].ID != c2.ID {
				t.Errorf("the meter's contracts: %+v, want %d then %d", byMeter, c.ID, c2.ID)
			}
		})
	})
}

func TestOpenContractRefused(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		iv := newInventory(t, db)
		number := iv.receive(t, "B-1", 1)[0]
		water := core.Tariff{UtilityID: iv.utility.ID, Name: "Water", Kind: core.Water, Blocks: iv.tariff.Blocks}
		must(t, db.CreateTariff(ctx, &water))
		for _, tc := range []struct {
			name   string
			n      backoffice.NewContract
			code   core.Code
			reason core.Reason
			field  string
		}{
			{"ErrNoCustomer", backoffice.NewContract{CustomerID: 999, MeterNumber: number, TariffID: iv.tariff.ID}, core.CodeInvalid, backoffice.ReasonInvalidContract, "customer_id"},
			{"ErrTariffOtherKind", backoffice.NewContract{CustomerID: iv.customer.ID, MeterNumber: number, TariffID: water.ID}, core.CodeInvalid, core.ReasonTariffOtherKind, "tariff_id"},
			{"ErrNegativeArrears", backoffice.NewContract{CustomerID: iv.customer.ID, MeterNumber: number, TariffID: iv.tariff.ID, OpeningArrears: -1}, core.CodeInvalid, backoffice.ReasonInvalidContract, "opening_arrears"},
			{"ErrUnknownMeter", backoffice.NewContract{CustomerID: iv.customer.ID, MeterNumber: meterNumber(t, 9999), TariffID: iv.tariff.ID}, core.CodeNotFound, core.ReasonMeterNotFound, "meter_number"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				seq := auditSeq(t, db)
				_, err := iv.bo.Svc.OpenContract(ctx, iv.bo.Admin, tc.n)
				wantCode(t, err, tc.code, tc.reason)
				if f := core.AsError(err).Field; f != tc.field {
					t.Errorf("field %q, want %q", f, tc.field)
				}
				if got := auditSeq(t, db); got != seq {
					t.Errorf("a refused opening wrote %d audit entries", got-seq)
				}
			})
		}
		t.Run("ErrDecommissioned", func(t *testing.T) {
			old := iv.receive(t, "B-2", 1)[0]
			stock, err := iv.bo.Svc.MeterStockOf(ctx, iv.bo.Admin, old)
			must(t, err)
			must(t, db.SetMeterStatus(ctx, stock.MeterID, core.MeterDecommissioned))
			_, err = iv.bo.Svc.OpenContract(ctx, iv.bo.Admin, backoffice.NewContract{CustomerID: iv.customer.ID, MeterNumber: old, TariffID: iv.tariff.ID})
			wantCode(t, err, core.CodeConflict, core.ReasonMeterDecommissionedForGood)
		})
		t.Run("ErrForbidden", func(t *testing.T) {
			ro := iv.bo.Operator(t, "reader", backoffice.RoleReadOnly)
			seq := auditSeq(t, db)
			_, err := iv.bo.Svc.OpenContract(ctx, ro, backoffice.NewContract{CustomerID: iv.customer.ID, MeterNumber: number, TariffID: iv.tariff.ID})
			wantCode(t, err, core.CodeForbidden, backoffice.ReasonPermissionDenied)
			wantDenied(t, db, seq, "reader", backoffice.ActionContractOpen)
			list, err := iv.bo.Svc.Contracts(ctx, ro, backoffice.ContractQuery{MeterNumber: number})
			must(t, err)
			if len(list) != 0 {
				t.Errorf("a refused opening left contracts %+v", list)
			}
			if got := auditSeq(t, db); got != seq+1 {
				t.Errorf("a read wrote an audit entry")
			}
		})
	})
}

// TestRegisteredMeterOnContract: a meter registered straight onto its customer (CreateMeter, as
// every meter before meter storage) is installed on an open contract, which lists it.
func TestRegisteredMeterOnContract(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		iv := newInventory(t, db)
		m := iv.newMeter(t, 10_00)
		if m.ContractID == 0 {
			t.Fatalf("CreateMeter set no contract")
		}
		list, err := iv.bo.Svc.Contracts(ctx, iv.bo.Admin, backoffice.ContractQuery{MeterNumber: m.Number, Status: backoffice.ContractOpen})
		must(t, err)
		if len(list) != 1 || list[0].ID != m.ContractID || list[0].OpeningArrears != 10_00 || list[0].CustomerID != iv.customer.ID {
			t.Fatalf("the meter's open contracts: %+v, want contract %d with 10.00 opening arrears", list, m.ContractID)
		}
		stock, err := iv.bo.Svc.MeterStockOf(ctx, iv.bo.Admin, m.Number)
		must(t, err)
		if stock.State != backoffice.StockInstalled {
			t.Errorf("meter %+v, want installed", stock)
		}
		if _, err := iv.vendor.Vend(ctx, vendReq(iv.agent.ID, m, "k1", 50_00)); err != nil {
			t.Fatal(err)
		}
	})
}

// TestOpenContractConcurrent: operators opening contracts for one meter at once, and then closing
// its contract at once, get one success each time; the others a conflict, and nothing half done.
func TestOpenContractConcurrent(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		iv := newInventory(t, db)
		number := iv.receive(t, "B-1", 1)[0]
		const n = 6
		run := func(fn func() error) (ok int, errs []error) {
			var wg sync.WaitGroup
			results := make(chan error, n)
			for range n {
				wg.Add(1)
				go func() { defer wg.Done(); results <- fn() }()
			}
			wg.Wait()
			close(results)
			for err := range results {
				if err == nil {
					ok++
				} else {
					errs = append(errs, err)
				}
			}
			return ok, errs
		}
		ok, errs := run(func() error {
			_, err := iv.bo.Svc.OpenContract(ctx, iv.bo.Admin, backoffice.NewContract{CustomerID: iv.customer.ID, MeterNumber: number, TariffID: iv.tariff.ID})
			return err
		})
		if ok != 1 {
			t.Fatalf("%d openings succeeded, want 1 (errors %v)", ok, errs)
		}
		for _, err := range errs {
			if c := core.ErrorCode(err); c != core.CodeConflict {
				t.Errorf("a losing opening: %v, want a conflict", err)
			}
		}
		open, err := iv.bo.Svc.Contracts(ctx, iv.bo.Admin, backoffice.ContractQuery{MeterNumber: number})
		must(t, err)
		if len(open) != 1 {
			t.Fatalf("%d contracts for the meter, want 1", len(open))
		}
		ok, errs = run(func() error {
			_, err := iv.bo.Svc.CloseContract(ctx, iv.bo.Admin, open[0].ID, 0, backoffice.ArrearsSettle)
			return err
		})
		if ok != 1 {
			t.Fatalf("%d closings succeeded, want 1 (errors %v)", ok, errs)
		}
		for _, err := range errs {
			if c := core.ErrorCode(err); c != core.CodeConflict {
				t.Errorf("a losing closing: %v, want a conflict", err)
			}
		}
		moves, err := iv.bo.Svc.MeterMovements(ctx, iv.bo.Admin, number)
		must(t, err)
		if len(moves) != 3 {
			t.Errorf("%d movements (%+v), want received, installed, removed", len(moves), moves)
		}
	})
}
