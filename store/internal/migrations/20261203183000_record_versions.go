package migrations

import (
	"context"

	"github.com/uptrace/bun"
)

// Operators' edits of utilities, customers, meters and agents name the version of the record they
// read, so that of two operators editing one record the second gets a conflict instead of
// overwriting the first. meters.version counts the vend path's changes (counters, key changes)
// and is left to it: record_version counts operators' edits only. Customers get the utility they
// belong to (0 for those created before, which only an operator of every utility may change).
func init() {
	up := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			for _, q := range []string{
				"ALTER TABLE utilities ADD COLUMN record_version BIGINT NOT NULL DEFAULT 1",
				"ALTER TABLE customers ADD COLUMN record_version BIGINT NOT NULL DEFAULT 1",
				"ALTER TABLE customers ADD COLUMN utility_id BIGINT NOT NULL DEFAULT 0",
				"ALTER TABLE meters ADD COLUMN record_version BIGINT NOT NULL DEFAULT 1",
				"ALTER TABLE agents ADD COLUMN record_version BIGINT NOT NULL DEFAULT 1",
			} {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return err
				}
			}
			return createIndexes(ctx, tx, []index{
				{table: "customers", name: "customers_utility_idx", columns: []string{"utility_id", "id"}},
			})
		})
	}
	down := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			for _, q := range []string{
				"DROP INDEX IF EXISTS customers_utility_idx",
				"ALTER TABLE utilities DROP COLUMN record_version",
				"ALTER TABLE customers DROP COLUMN record_version",
				"ALTER TABLE customers DROP COLUMN utility_id",
				"ALTER TABLE meters DROP COLUMN record_version",
				"ALTER TABLE agents DROP COLUMN record_version",
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
