package migrations

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// The organisation of a utility and the versions of what prices a vend.
//
// Departments and vending halls (sites) belong to a utility; terminals (POS devices) to a
// utility, tied to an agent, a hall or both. Each is versioned (optimistic updates) and
// deactivated rather than deleted. A terminal's API keys are rows of api_keys with its id in
// terminal_id (0 for an agent's own keys), so that they authenticate as the terminal's agent, and
// a vend records the terminal it was sold from (vends.terminal_id, 0 for none).
//
// A tariff's prices and a utility's tax rate, debt recovery rate and reversal window become
// versions, each effective from a time, with a new parameter: the most one purchase may pay (0,
// the version 1 value, for no limit). Existing tariffs and utilities get their current values as
// version 1, effective from the Unix epoch: the tables did not record when the rows were created,
// and the values priced every vend made so far.
func init() {
	type department struct {
		bun.BaseModel `bun:"table:departments"`

		ID        int64     `bun:",pk,autoincrement"`
		UtilityID int64     `bun:",notnull,unique:departments_code"`
		Code      string    `bun:",notnull,unique:departments_code"`
		Name      string    `bun:",notnull"`
		Active    bool      `bun:",notnull"`
		CreatedAt time.Time `bun:",notnull"`
		Version   int64     `bun:",notnull"`
	}
	type hall struct {
		bun.BaseModel `bun:"table:halls"`

		ID           int64     `bun:",pk,autoincrement"`
		UtilityID    int64     `bun:",notnull,unique:halls_code"`
		DepartmentID int64     `bun:",notnull"` // 0 for none
		Code         string    `bun:",notnull,unique:halls_code"`
		Name         string    `bun:",notnull"`
		Address      string    `bun:",notnull"`
		Active       bool      `bun:",notnull"`
		CreatedAt    time.Time `bun:",notnull"`
		Version      int64     `bun:",notnull"`
	}
	type terminal struct {
		bun.BaseModel `bun:"table:terminals"`

		ID        int64     `bun:",pk,autoincrement"`
		UtilityID int64     `bun:",notnull"`
		Serial    string    `bun:",notnull,unique"`
		Name      string    `bun:",notnull"`
		AgentID   int64     `bun:",notnull"` // 0 for none
		HallID    int64     `bun:",notnull"` // 0 for none
		Active    bool      `bun:",notnull"`
		CreatedAt time.Time `bun:",notnull"`
		Version   int64     `bun:",notnull"`
	}
	type tariffVersion struct {
		bun.BaseModel `bun:"table:tariff_versions"`

		TariffID           int64     `bun:",pk"`
		Version            int64     `bun:",pk"`
		EffectiveFrom      time.Time `bun:",notnull"`
		Blocks             string    `bun:",notnull,type:text"`
		MonthlyFixedCharge int64     `bun:",notnull"`
		FreeBasicEnergy    int64     `bun:",notnull"`
		CreatedAt          time.Time `bun:",notnull"`
		CreatedBy          string    `bun:",notnull"`
		Reason             string    `bun:",notnull"`
	}
	type utilityParameters struct {
		bun.BaseModel `bun:"table:utility_parameters"`

		UtilityID             int64     `bun:",pk"`
		Version               int64     `bun:",pk"`
		EffectiveFrom         time.Time `bun:",notnull"`
		TaxRate               string    `bun:",notnull,type:text"`
		DebtRecoveryRate      string    `bun:",notnull,type:text"`
		ReversalWindowSeconds int64     `bun:",notnull"`
		MaxVendAmount         int64     `bun:",notnull"` // 0 for no limit
		CreatedAt             time.Time `bun:",notnull"`
		CreatedBy             string    `bun:",notnull"`
		Reason                string    `bun:",notnull"`
	}
	epoch := time.Unix(0, 0).UTC()
	up := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if err := createTables(ctx, tx, []table{
				{model: (*department)(nil), fks: []string{`("utility_id") REFERENCES "utilities" ("id")`}},
				{model: (*hall)(nil), fks: []string{`("utility_id") REFERENCES "utilities" ("id")`}},
				{model: (*terminal)(nil), fks: []string{`("utility_id") REFERENCES "utilities" ("id")`}},
				{model: (*tariffVersion)(nil), fks: []string{`("tariff_id") REFERENCES "tariffs" ("id")`}},
				{model: (*utilityParameters)(nil), fks: []string{`("utility_id") REFERENCES "utilities" ("id")`}},
			}); err != nil {
				return err
			}
			for _, q := range []string{
				"ALTER TABLE api_keys ADD COLUMN terminal_id BIGINT NOT NULL DEFAULT 0",
				"ALTER TABLE vends ADD COLUMN terminal_id BIGINT NOT NULL DEFAULT 0",
			} {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return err
				}
			}
			if err := createIndexes(ctx, tx, []index{
				{table: "api_keys", name: "api_keys_terminal_id_idx", columns: []string{"terminal_id"}},
				{table: "terminals", name: "terminals_agent_id_idx", columns: []string{"agent_id"}},
				{table: "terminals", name: "terminals_hall_id_idx", columns: []string{"hall_id"}},
			}); err != nil {
				return err
			}
			var tariffs []struct {
				ID                 int64  `bun:"id"`
				Blocks             string `bun:"blocks"`
				MonthlyFixedCharge int64  `bun:"monthly_fixed_charge"`
				FreeBasicEnergy    int64  `bun:"free_basic_energy"`
			}
			if err := tx.NewRaw("SELECT id, blocks, monthly_fixed_charge, free_basic_energy FROM tariffs ORDER BY id").Scan(ctx, &tariffs); err != nil {
				return err
			}
			for _, t := range tariffs {
				v := tariffVersion{TariffID: t.ID, Version: 1, EffectiveFrom: epoch, Blocks: t.Blocks, MonthlyFixedCharge: t.MonthlyFixedCharge,
					FreeBasicEnergy: t.FreeBasicEnergy, CreatedAt: epoch, CreatedBy: "migration", Reason: "the tariff as it stood"}
				if _, err := tx.NewInsert().Model(&v).Exec(ctx); err != nil {
					return err
				}
			}
			var utilities []struct {
				ID                    int64  `bun:"id"`
				TaxRate               string `bun:"tax_rate"`
				DebtRecoveryRate      string `bun:"debt_recovery_rate"`
				ReversalWindowSeconds int64  `bun:"reversal_window_seconds"`
			}
			if err := tx.NewRaw("SELECT id, tax_rate, debt_recovery_rate, reversal_window_seconds FROM utilities ORDER BY id").Scan(ctx, &utilities); err != nil {
				return err
			}
			for _, u := range utilities {
				p := utilityParameters{UtilityID: u.ID, Version: 1, EffectiveFrom: epoch, TaxRate: u.TaxRate, DebtRecoveryRate: u.DebtRecoveryRate,
					ReversalWindowSeconds: u.ReversalWindowSeconds, CreatedAt: epoch, CreatedBy: "migration", Reason: "the utility's settings as they stood"}
				if _, err := tx.NewInsert().Model(&p).Exec(ctx); err != nil {
					return err
				}
			}
			return nil
		})
	}
	// down drops the versions (the tariffs and utilities keep their version 1 values, which they
	// never stopped holding) and the organisation; terminals' API keys are revoked first.
	down := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, "DELETE FROM api_keys WHERE terminal_id <> 0"); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "DROP INDEX IF EXISTS api_keys_terminal_id_idx"); err != nil {
				return err
			}
			for _, q := range []string{"ALTER TABLE api_keys DROP COLUMN terminal_id", "ALTER TABLE vends DROP COLUMN terminal_id"} {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return err
				}
			}
			return dropTables(ctx, tx, "utility_parameters", "tariff_versions", "terminals", "halls", "departments")
		})
	}
	Migrations.MustRegister(up, down)
}
