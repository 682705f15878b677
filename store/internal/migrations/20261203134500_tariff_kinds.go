package migrations

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/uptrace/bun"
)

// Meter kinds on tariffs. A tariff prices one kind (electricity, water or gas) and only meters of
// its kind take it; the monthly fixed charge and the free basic allowance move from the utility to
// the tariff, and the allowance is recorded once a month per customer and kind (free_basic_grants)
// instead of per meter (meters.month_free_given). Vends keep their meter's kind, which names the
// unit of their quantities.
//
// Existing data is carried across: every tariff becomes an electricity tariff with its utility's
// fixed charge and allowance, except that a tariff that water or gas meters use becomes a tariff
// of their kind (copied, named "<name> (water)", when meters of several kinds share it) with no
// charge and no allowance, which were electricity's. The allowances given in a meter's current
// month become grants of the meter's customer, with the vend that gave them.
func init() {
	type freeBasicGrant struct {
		bun.BaseModel `bun:"table:free_basic_grants"`

		CustomerID    int64  `bun:",pk"`
		Kind          string `bun:",pk,type:varchar(16)"`
		Month         string `bun:",pk,type:varchar(7)"`
		VendReference string `bun:",notnull"`
	}
	up := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			for _, q := range []string{
				"ALTER TABLE tariffs ADD COLUMN kind VARCHAR(16) NOT NULL DEFAULT 'electricity'",
				"ALTER TABLE tariffs ADD COLUMN monthly_fixed_charge BIGINT NOT NULL DEFAULT 0",
				"ALTER TABLE tariffs ADD COLUMN free_basic_energy BIGINT NOT NULL DEFAULT 0",
				"ALTER TABLE vends ADD COLUMN kind VARCHAR(16) NOT NULL DEFAULT 'electricity'",
			} {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return err
				}
			}
			if err := splitTariffsByKind(ctx, tx); err != nil {
				return err
			}
			if err := createTables(ctx, tx, []table{{model: (*freeBasicGrant)(nil), fks: []string{`("customer_id") REFERENCES "customers" ("id")`}}}); err != nil {
				return err
			}
			if err := createIndexes(ctx, tx, []index{
				{table: "free_basic_grants", name: "free_basic_grants_vend_reference_idx", columns: []string{"vend_reference"}},
			}); err != nil {
				return err
			}
			for _, q := range []string{
				`UPDATE tariffs SET
					monthly_fixed_charge = (SELECT u.monthly_fixed_charge FROM utilities AS u WHERE u.id = tariffs.utility_id),
					free_basic_energy = (SELECT u.free_basic_energy FROM utilities AS u WHERE u.id = tariffs.utility_id)
					WHERE kind = 'electricity'`,
				"UPDATE vends SET kind = (SELECT m.kind FROM meters AS m WHERE m.id = vends.meter_id)",
				`INSERT INTO free_basic_grants (customer_id, kind, month, vend_reference)
					SELECT m.customer_id, m.kind, m.month, COALESCE((SELECT v.reference FROM vends AS v
						WHERE v.meter_id = m.id AND v.free_energy > 0 AND v.status = 'completed' ORDER BY v.id DESC LIMIT 1), '')
					FROM meters AS m WHERE m.month_free_given AND m.month <> ''
					ON CONFLICT (customer_id, kind, month) DO NOTHING`,
				"ALTER TABLE utilities DROP COLUMN monthly_fixed_charge",
				"ALTER TABLE utilities DROP COLUMN free_basic_energy",
				"ALTER TABLE meters DROP COLUMN month_free_given",
			} {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return err
				}
			}
			return nil
		})
	}
	// down puts the charges back on the utility (its electricity tariffs' largest) and the
	// allowance's month back on the meters of the customers who had it; tariffs copied per kind
	// stay.
	down := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			for _, q := range []string{
				"ALTER TABLE utilities ADD COLUMN monthly_fixed_charge BIGINT NOT NULL DEFAULT 0",
				"ALTER TABLE utilities ADD COLUMN free_basic_energy BIGINT NOT NULL DEFAULT 0",
				"ALTER TABLE meters ADD COLUMN month_free_given BOOLEAN NOT NULL DEFAULT FALSE",
				`UPDATE utilities SET
					monthly_fixed_charge = COALESCE((SELECT MAX(t.monthly_fixed_charge) FROM tariffs AS t WHERE t.utility_id = utilities.id AND t.kind = 'electricity'), 0),
					free_basic_energy = COALESCE((SELECT MAX(t.free_basic_energy) FROM tariffs AS t WHERE t.utility_id = utilities.id AND t.kind = 'electricity'), 0)`,
				`UPDATE meters SET month_free_given = TRUE WHERE EXISTS (SELECT 1 FROM free_basic_grants AS g
					WHERE g.customer_id = meters.customer_id AND g.kind = meters.kind AND g.month = meters.month)`,
				"DROP TABLE IF EXISTS free_basic_grants",
				"ALTER TABLE vends DROP COLUMN kind",
				"ALTER TABLE tariffs DROP COLUMN free_basic_energy",
				"ALTER TABLE tariffs DROP COLUMN monthly_fixed_charge",
				"ALTER TABLE tariffs DROP COLUMN kind",
			} {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return err
				}
			}
			return nil
		})
	}
	Migrations.MustRegister(up, down)
}

// splitTariffsByKind gives each tariff the kind of the meters on it: electricity when electricity
// meters use it (or none do), else the first other kind; meters of a further kind get a copy of the
// tariff, of their kind.
func splitTariffsByKind(ctx context.Context, tx bun.Tx) error {
	rows, err := tx.QueryContext(ctx, "SELECT DISTINCT tariff_id, kind FROM meters ORDER BY tariff_id, kind")
	if err != nil {
		return err
	}
	kinds := map[int64]map[string]bool{}
	var order []int64
	for rows.Next() {
		var (
			id   int64
			kind string
		)
		if err := rows.Scan(&id, &kind); err != nil {
			_ = rows.Close()
			return err
		}
		if kinds[id] == nil {
			kinds[id] = map[string]bool{}
			order = append(order, id)
		}
		kinds[id][kind] = true
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	for _, id := range order {
		own := "electricity"
		if !kinds[id][own] {
			own = ""
		}
		for _, kind := range []string{"electricity", "water", "gas"} {
			switch {
			case !kinds[id][kind] || kind == own:
			case own == "":
				own = kind
				if _, err := tx.ExecContext(ctx, "UPDATE tariffs SET kind = ? WHERE id = ?", kind, id); err != nil {
					return err
				}
			default:
				if err := copyTariff(ctx, tx, id, kind); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// copyTariff copies a tariff for the meters of one kind on it, and moves them to the copy.
func copyTariff(ctx context.Context, tx bun.Tx, id int64, kind string) error {
	var copyID int64
	err := tx.QueryRowContext(ctx, `INSERT INTO tariffs (utility_id, name, blocks, kind)
		SELECT utility_id, name || ?, blocks, ? FROM tariffs WHERE id = ? RETURNING id`, " ("+kind+")", kind, id).Scan(&copyID)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("tariff %d of meters does not exist", id)
	}
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, "UPDATE meters SET tariff_id = ? WHERE tariff_id = ? AND kind = ?", copyID, id, kind)
	return err
}
