package store_test

import (
	"context"
	"testing"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

// TestMigrateInventory stores a meter (with arrears and a vend's counters) in the schema before
// meter storage and checks that the migration keeps it selling: an open contract with its
// customer, tariff and arrears, the stock state installed with the movement that says so, and
// its TID counter untouched. Rolling back and migrating again works, on both databases.
func TestMigrateInventory(t *testing.T) {
	ctx := context.Background()
	for name, url := range map[string]func() string{"SQLite": func() string { return "" }, "PostgreSQL": func() string { return testkit.PostgresURL(t) }} {
		t.Run(name, func(t *testing.T) {
			db, err := store.Open(ctx, url(), t.TempDir())
			must(t, err)
			t.Cleanup(func() { _ = db.Close() })
			must(t, db.MigrateBefore(ctx, "20261203184000"))
			f := seed(t, db)
			number := meterNumber(t, 1)
			k := meterKey(t, number, 1)
			must(t, db.Exec(ctx, `INSERT INTO meters (number, kind, status, supply_group_id, customer_id, tariff_id, pan, sgc, krn, kt, ti, dkga, ea, base_date, ken,
				pending_rollover, version, last_tid, tid_key, arrears, month, month_energy, month_fixed_paid)
				VALUES (?, 'electricity', 'active', ?, ?, ?, ?, '123456', 1, 2, 1, 2, 7, 2014, 255, FALSE, 0, 0, '', 4000, '', 0, 0)`,
				number, f.group.ID, f.customer.ID, f.tariff.ID, k.PAN.String()))
			must(t, db.Migrate(ctx))

			v, err := f.vendor.Vend(ctx, vendReq(f.agent.ID, core.Meter{Number: number}, "k1", 100_00))
			must(t, err)
			if v.Breakdown.Debt != 25_00 || v.CustomerName != f.customer.Name {
				t.Errorf("vend %+v to %s, want the meter's arrears recovered for %s", v.Breakdown, v.CustomerName, f.customer.Name)
			}
			bo := testkit.NewBackOffice(t, db)
			cs, err := bo.Svc.Contracts(ctx, bo.Admin, backoffice.ContractQuery{MeterNumber: number})
			must(t, err)
			if len(cs) != 1 || cs[0].Status != backoffice.ContractOpen || cs[0].CustomerID != f.customer.ID || cs[0].TariffID != f.tariff.ID ||
				cs[0].OpeningArrears != 40_00 || cs[0].OpenedBy != "migration" {
				t.Fatalf("the meter's contracts %+v, want one open with its customer, tariff and 40.00 arrears", cs)
			}
			moves, err := bo.Svc.MeterMovements(ctx, bo.Admin, number)
			must(t, err)
			if len(moves) != 1 || moves[0].To != backoffice.StockInstalled || moves[0].ContractID != cs[0].ID {
				t.Errorf("movements %+v, want the one installing it on contract %d", moves, cs[0].ID)
			}

			must(t, db.RollbackLast(ctx))
			if n, err := db.ScanInt(ctx, "SELECT COUNT(*) FROM meters"); err != nil || n != 1 {
				t.Errorf("after the rollback: %d meters, %v; want the meter kept", n, err)
			}
			must(t, db.Migrate(ctx))
			if _, err := f.vendor.Vend(ctx, vendReq(f.agent.ID, core.Meter{Number: number}, "k2", 100_00)); err != nil {
				t.Errorf("after migrating again: %v", err)
			}
		})
	}
}
