package migrations

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// The life of a meter in the back office: meter storage and contracts.
//
//   - A meter has a stock state (in_store, issued, installed, removed, faulty, scrapped) beside its
//     vending status, the technician it is issued to, the batch it was received in, and the open
//     contract it is installed on (contract_id, NULL for none). A meter in the store belongs to
//     no customer and takes no tariff yet, so meters.customer_id and meters.tariff_id may now be
//     NULL (on SQLite the table is rebuilt, the one way to drop a NOT NULL there).
//   - meter_batches: the deliveries meters are received in; meter_movements: every move of a
//     meter between stock states, with who, when, why, the technician or the contract.
//   - contracts tie a customer, a meter, a tariff and a site; at most one is open per meter.
//
// Existing meters keep selling: each gets an open contract with its customer and tariff (its
// arrears as the opening arrears) and the stock state installed, with a movement recording it.
func init() {
	type meterBatch struct {
		bun.BaseModel `bun:"table:meter_batches"`

		ID           int64     `bun:",pk,autoincrement"`
		UtilityID    int64     `bun:",notnull"`
		Reference    string    `bun:",notnull"`
		Manufacturer string    `bun:",notnull"`
		Note         string    `bun:",notnull,type:text"`
		Meters       int64     `bun:",notnull"`
		ReceivedAt   time.Time `bun:",notnull"`
		ReceivedBy   string    `bun:",notnull"`
	}
	type meterMovement struct {
		bun.BaseModel `bun:"table:meter_movements"`

		ID         int64     `bun:",pk,autoincrement"`
		MeterID    int64     `bun:",notnull"`
		FromState  string    `bun:",notnull,type:varchar(16)"`
		ToState    string    `bun:",notnull,type:varchar(16)"`
		At         time.Time `bun:",notnull"`
		Actor      string    `bun:",notnull"`
		Reason     string    `bun:",notnull,type:text"`
		Technician string    `bun:",notnull"`
		ContractID int64     `bun:",nullzero"`
		BatchID    int64     `bun:",nullzero"`
	}
	type contract struct {
		bun.BaseModel `bun:"table:contracts"`

		ID             int64     `bun:",pk,autoincrement"`
		CustomerID     int64     `bun:",notnull"`
		MeterID        int64     `bun:",notnull"`
		TariffID       int64     `bun:",notnull"`
		SiteID         int64     `bun:",notnull"`
		Status         string    `bun:",notnull,type:varchar(8)"`
		OpenedAt       time.Time `bun:",notnull"`
		OpenedBy       string    `bun:",notnull"`
		OpeningArrears int64     `bun:",notnull"`
		ClosedAt       time.Time `bun:",nullzero"`
		ClosedBy       string    `bun:",notnull"`
		ClosingReading int64     `bun:",notnull"`
		ClosingArrears int64     `bun:",notnull"`
		ArrearsOutcome string    `bun:",notnull,type:varchar(8)"` // "", settled or carried
		Version        int64     `bun:",notnull"`
	}
	up := func(ctx context.Context, db *bun.DB) error {
		return withoutForeignKeys(ctx, db, func(ctx context.Context, tx bun.Tx) error {
			if err := relaxMeterOwner(ctx, tx); err != nil {
				return fmt.Errorf("letting a meter have no customer and no tariff: %w", err)
			}
			for _, q := range []string{
				"ALTER TABLE meters ADD COLUMN stock_state VARCHAR(16) NOT NULL DEFAULT 'installed'",
				"ALTER TABLE meters ADD COLUMN technician VARCHAR(255) NOT NULL DEFAULT ''",
				"ALTER TABLE meters ADD COLUMN batch_id BIGINT",
				"ALTER TABLE meters ADD COLUMN contract_id BIGINT",
			} {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return err
				}
			}
			if err := createTables(ctx, tx, []table{
				{model: (*meterBatch)(nil), fks: []string{`("utility_id") REFERENCES "utilities" ("id")`}},
				{model: (*contract)(nil), fks: []string{
					`("customer_id") REFERENCES "customers" ("id")`,
					`("meter_id") REFERENCES "meters" ("id")`,
					`("tariff_id") REFERENCES "tariffs" ("id")`,
				}},
				{model: (*meterMovement)(nil), fks: []string{
					`("meter_id") REFERENCES "meters" ("id")`,
					`("contract_id") REFERENCES "contracts" ("id")`,
					`("batch_id") REFERENCES "meter_batches" ("id")`,
				}},
			}); err != nil {
				return err
			}
			if err := createIndexes(ctx, tx, []index{
				{table: "meter_batches", name: "meter_batches_reference_idx", columns: []string{"utility_id", "reference"}, unique: true},
				{table: "meter_movements", name: "meter_movements_meter_id_idx", columns: []string{"meter_id", "id"}},
				{table: "meters", name: "meters_stock_state_idx", columns: []string{"stock_state", "id"}},
				{table: "meters", name: "meters_batch_id_idx", columns: []string{"batch_id"}},
				{table: "contracts", name: "contracts_customer_id_idx", columns: []string{"customer_id", "id"}},
				{table: "contracts", name: "contracts_meter_id_idx", columns: []string{"meter_id", "id"}},
			}); err != nil {
				return err
			}
			// One open contract per meter, as a constraint: two operators opening a contract
			// for one meter at once cannot both succeed.
			if _, err := tx.ExecContext(ctx, "CREATE UNIQUE INDEX IF NOT EXISTS contracts_open_meter_idx ON contracts (meter_id) WHERE status = 'open'"); err != nil {
				return err
			}
			now := time.Now().UTC().Truncate(time.Microsecond)
			for _, q := range []string{
				`INSERT INTO contracts (customer_id, meter_id, tariff_id, site_id, status, opened_at, opened_by, opening_arrears,
					closed_by, closing_reading, closing_arrears, arrears_outcome, version)
					SELECT customer_id, id, tariff_id, 0, 'open', ?0, 'migration', arrears, '', 0, 0, '', 1 FROM meters ORDER BY id`,
				"UPDATE meters SET contract_id = (SELECT c.id FROM contracts AS c WHERE c.meter_id = meters.id AND c.status = 'open')",
				`INSERT INTO meter_movements (meter_id, from_state, to_state, at, actor, reason, technician, contract_id)
					SELECT id, '', 'installed', ?0, 'migration', 'installed before meter storage was kept', '', contract_id FROM meters ORDER BY id`,
			} {
				if _, err := tx.ExecContext(ctx, q, now); err != nil {
					return err
				}
			}
			return nil
		})
	}
	// down drops meter storage and contracts; meters with no customer (in the store) cannot stay
	// and are deleted with their movements. The columns stay nullable.
	down := func(ctx context.Context, db *bun.DB) error {
		return withoutForeignKeys(ctx, db, func(ctx context.Context, tx bun.Tx) error {
			if err := dropTables(ctx, tx, "meter_movements", "contracts", "meter_batches"); err != nil {
				return err
			}
			for _, q := range []string{
				"DELETE FROM meters WHERE customer_id IS NULL OR tariff_id IS NULL",
				"DROP INDEX IF EXISTS meters_stock_state_idx",
				"DROP INDEX IF EXISTS meters_batch_id_idx",
				"ALTER TABLE meters DROP COLUMN contract_id",
				"ALTER TABLE meters DROP COLUMN batch_id",
				"ALTER TABLE meters DROP COLUMN technician",
				"ALTER TABLE meters DROP COLUMN stock_state",
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

// withoutForeignKeys runs fn in a transaction; on SQLite, on a connection of its own with foreign
// key enforcement off (it cannot be switched inside a transaction), as SQLite's procedure for
// rebuilding a table asks, and checks every foreign key before committing.
func withoutForeignKeys(ctx context.Context, db *bun.DB, fn func(ctx context.Context, tx bun.Tx) error) error {
	if db.Dialect().Name() != dialect.SQLite {
		return db.RunInTx(ctx, nil, fn)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return err
	}
	defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON") }()
	return conn.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := fn(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
		if err != nil {
			return err
		}
		broken := rows.Next()
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		if broken {
			return errors.New("a foreign key does not hold after the migration")
		}
		return nil
	})
}

// relaxMeterOwner lets meters.customer_id and meters.tariff_id be NULL. PostgreSQL drops the
// constraints; SQLite rebuilds the table from its own stored definition with the two NOT NULLs
// removed, copies the rows and recreates its indexes.
func relaxMeterOwner(ctx context.Context, tx bun.Tx) error {
	if tx.Dialect().Name() != dialect.SQLite {
		_, err := tx.ExecContext(ctx, "ALTER TABLE meters ALTER COLUMN customer_id DROP NOT NULL, ALTER COLUMN tariff_id DROP NOT NULL")
		return err
	}
	var create string
	if err := tx.QueryRowContext(ctx, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'meters'").Scan(&create); err != nil {
		return err
	}
	if !strings.Contains(create, `"customer_id" INTEGER NOT NULL`) && !strings.Contains(create, `"tariff_id" INTEGER NOT NULL`) {
		return nil // relaxed by an earlier run, which down left so
	}
	relaxed := create
	for _, edit := range [][2]string{
		{`CREATE TABLE "meters"`, `CREATE TABLE "meters_relaxed"`},
		{`"customer_id" INTEGER NOT NULL`, `"customer_id" INTEGER`},
		{`"tariff_id" INTEGER NOT NULL`, `"tariff_id" INTEGER`},
	} {
		if strings.Count(relaxed, edit[0]) != 1 {
			return fmt.Errorf("the stored definition of meters does not hold %s once: %s", edit[0], create)
		}
		relaxed = strings.Replace(relaxed, edit[0], edit[1], 1)
	}
	var indexes []string
	rows, err := tx.QueryContext(ctx, "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'meters' AND sql IS NOT NULL")
	if err != nil {
		return err
	}
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			_ = rows.Close()
			return err
		}
		indexes = append(indexes, s.String)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	for _, q := range append([]string{
		relaxed,
		"INSERT INTO meters_relaxed SELECT * FROM meters",
		"DROP TABLE meters",
		`ALTER TABLE meters_relaxed RENAME TO meters`,
	}, indexes...) {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", strings.SplitN(q, "(", 2)[0], err)
		}
	}
	return nil
}
