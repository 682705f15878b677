package store_test

import (
	"context"
	"testing"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

// TestMigrateDebts stores a meter with arrears in the schema before customers' debts were kept
// in the ledger and checks that the migration posts its opening entries: the ledger check passes,
// a vend recovers the debt from the customer's account, and rolling back and
// migrating again posts them once, on both databases.
func TestMigrateDebts(t *testing.T) {
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
			if got := debtOf(t, db, f.customer.ID); got != 40_00 {
				t.Fatalf("after the migration the ledger says the customer owes %d, want 40.00", got)
			}
			checkLedger(t, db)

			must(t, db.RollbackLast(ctx))
			must(t, db.Migrate(ctx))
			if got := debtOf(t, db, f.customer.ID); got != 40_00 {
				t.Errorf("after migrating again the ledger says the customer owes %d, want 40.00 (booked once)", got)
			}
			v, err := f.vendor.Vend(ctx, vendReq(f.agent.ID, core.Meter{Number: number}, "k1", 100_00))
			must(t, err)
			if v.Breakdown.Debt != 25_00 || debtOf(t, db, f.customer.ID) != 15_00 {
				t.Errorf("vend %+v: the ledger says the customer owes %d, want 15.00", v.Breakdown, debtOf(t, db, f.customer.ID))
			}
			checkLedger(t, db)
		})
	}
}
