package store_test

import (
	"context"
	"testing"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

// TestMigrateTariffKinds stores data in the schema before tariffs had kinds (a utility with a
// fixed charge and an allowance, one tariff shared by an electricity and a water meter, another
// used by a gas meter only, an allowance given this month) and checks what the migration makes of
// it, on both databases.
func TestMigrateTariffKinds(t *testing.T) {
	ctx := context.Background()
	for name, url := range map[string]func() string{"SQLite": func() string { return "" }, "PostgreSQL": func() string { return testkit.PostgresURL(t) }} {
		t.Run(name, func(t *testing.T) {
			db, err := store.Open(ctx, url(), t.TempDir())
			must(t, err)
			t.Cleanup(func() { _ = db.Close() })
			must(t, db.MigrateBefore(ctx, "20261203134500"))
			w1, w2 := meterNumber(t, 1), meterNumber(t, 2)
			for _, q := range []string{
				`INSERT INTO utilities (name, currency, tax_rate, time_zone, debt_recovery_rate, monthly_fixed_charge, free_basic_energy, reversal_window_seconds)
					VALUES ('Old Power', 'ZAR', '0.15', 'UTC', '0', 2000, 500, 3600)`,
				`INSERT INTO supply_groups (utility_id, sgc, krn, dkga, name, sealed_vending_key) VALUES (1, '123456', 1, 2, 'g', 'x')`,
				`INSERT INTO tariffs (utility_id, name, blocks) VALUES (1, 'Domestic', '[{"up_to":0,"price":"200"}]')`,
				`INSERT INTO tariffs (utility_id, name, blocks) VALUES (1, 'Gas', '[{"up_to":0,"price":"900"}]')`,
				`INSERT INTO customers (name, address, phone, language, free_basic) VALUES ('A', '', '', 'en', TRUE)`,
			} {
				must(t, db.Exec(ctx, q))
			}
			meter := `INSERT INTO meters (number, kind, status, supply_group_id, customer_id, tariff_id, pan, sgc, krn, kt, ti, dkga, ea, base_date, ken,
				pending_rollover, version, last_tid, tid_key, arrears, month, month_energy, month_fixed_paid, month_free_given)
				VALUES (?, ?, 'active', 1, 1, ?, ?, '123456', 1, 2, 1, 2, 7, 2014, 255, FALSE, 0, 0, '', 0, '2025-03', 0, 0, ?)`
			// In ID order: meter 1 electricity on tariff 1, 2 water on tariff 1, 3 gas on tariff 2.
			e1 := meterNumber(t, 3)
			must(t, db.Exec(ctx, meter, e1, "electricity", 1, meterKey(t, e1, 1).PAN.String(), true))
			must(t, db.Exec(ctx, meter, w1, "water", 1, meterKey(t, w1, 1).PAN.String(), false))
			must(t, db.Exec(ctx, meter, w2, "gas", 2, meterKey(t, w2, 1).PAN.String(), false))
			must(t, db.Exec(ctx, `INSERT INTO agents (utility_id, name, kind, balance, credit_limit, commission_rate, active) VALUES (1, 'a', 'agent', 0, 0, '0', TRUE)`))
			must(t, db.Exec(ctx, `INSERT INTO vends (reference, channel, idempotency_key, request_hash, agent_id, utility_id, meter_id, meter_number,
				customer_name, currency, paid, debt, fixed_charges, tax, energy_charge, energy, free_energy, commission, status, created_at)
				VALUES ('VOLD', 'rest', 'k', 'h', 1, 1, 2, ?, 'A', 'ZAR', 100, 0, 0, 0, 100, 5, 0, 0, 'completed', '2025-03-01 10:00:00+00:00')`, w1))
			must(t, db.Migrate(ctx))

			view := func(number string) core.MeterView {
				t.Helper()
				v, err := db.MeterByNumber(ctx, number)
				must(t, err)
				return v
			}
			elec, water, gas := view(e1), view(w1), view(w2)
			if tr := elec.Tariff; tr.ID != 1 || tr.Kind != core.Electricity || tr.MonthlyFixedCharge != 2000 || tr.FreeBasicEnergy != 500 {
				t.Errorf("the electricity meter's tariff: %+v, want tariff 1, electricity, the utility's 20.00 and 50.0 kWh", tr)
			}
			if tr := water.Tariff; tr.ID == 1 || tr.Kind != core.Water || tr.Name != "Domestic (water)" || tr.MonthlyFixedCharge != 0 || tr.FreeBasicEnergy != 0 || len(tr.Blocks) != 1 {
				t.Errorf("the water meter's tariff: %+v, want a water copy of Domestic with no charge and no allowance", tr)
			}
			if tr := gas.Tariff; tr.ID != 2 || tr.Kind != core.Gas || tr.MonthlyFixedCharge != 0 {
				t.Errorf("the gas meter's tariff: %+v, want tariff 2, now gas, with no charge", tr)
			}
			v, err := db.Vend(ctx, 1)
			must(t, err)
			if v.Kind != core.Water {
				t.Errorf("the water meter's old vend: kind %q, want water", v.Kind)
			}
			err = db.InVendTx(ctx, func(tx core.VendTx) error {
				again, err := tx.ClaimFreeBasic(ctx, core.FreeBasicGrant{CustomerID: 1, Kind: core.Electricity, Month: "2025-03", VendReference: "VNEW"})
				if err == nil && again {
					t.Errorf("the allowance given in March before the migration could be given again")
				}
				return err
			})
			must(t, err)

			// Down again: the charges go back to the utility, the allowance to the meter.
			must(t, db.RollbackLast(ctx))
			for q, want := range map[string]int64{
				"SELECT monthly_fixed_charge FROM utilities":         2000,
				"SELECT free_basic_energy FROM utilities":            500,
				"SELECT COUNT(*) FROM meters WHERE month_free_given": 1,
				"SELECT COUNT(*) FROM tariffs":                       3,
			} {
				got, err := db.ScanInt(ctx, q)
				if err != nil || got != want {
					t.Errorf("after the rollback, %s: got %d, %v; want %d", q, got, err, want)
				}
			}
			must(t, db.Migrate(ctx))
		})
	}
}
