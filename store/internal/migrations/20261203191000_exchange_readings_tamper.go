package migrations

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Meter exchange, meter readings and tampering:
//
//   - meters.status_reason: why a meter has its vending status (a blocked meter's tamper case);
//     meter_status_changes: every change of a meter's status, with its reason and actor.
//   - contract_meters: which meter was on a contract when (from, to; to NULL while it is on it),
//     filled for every existing contract from its opening (and closing).
//   - meter_exchanges: an exchange of a contract's meter, with the old meter's reading, the credit
//     carried to the new meter, the arrears moved, and the credit token issued.
//   - meter_readings: a meter's register, read by hand, imported or at an exchange.
//   - tamper_cases: a case of tampering (reported by staff or raised from readings), its penalty
//     (and the customer's charge that carries it) and its resolution; meter_orders: the disconnection and reconnection orders it gives.
func init() {
	type meterStatusChange struct {
		bun.BaseModel `bun:"table:meter_status_changes"`

		ID         int64     `bun:",pk,autoincrement"`
		MeterID    int64     `bun:",notnull"`
		FromStatus string    `bun:",notnull,type:varchar(16)"`
		ToStatus   string    `bun:",notnull,type:varchar(16)"`
		Reason     string    `bun:",notnull,type:text"`
		Actor      string    `bun:",notnull"`
		At         time.Time `bun:",notnull"`
	}
	type contractMeter struct {
		bun.BaseModel `bun:"table:contract_meters"`

		ID         int64     `bun:",pk,autoincrement"`
		ContractID int64     `bun:",notnull"`
		MeterID    int64     `bun:",notnull"`
		FromAt     time.Time `bun:",notnull"`
		ToAt       time.Time `bun:",nullzero"`
	}
	type meterExchange struct {
		bun.BaseModel `bun:"table:meter_exchanges"`

		ID              int64     `bun:",pk,autoincrement"`
		ContractID      int64     `bun:",notnull"`
		OldMeterID      int64     `bun:",notnull"`
		NewMeterID      int64     `bun:",notnull"`
		OldReading      int64     `bun:",notnull"`
		RemainingCredit int64     `bun:",notnull"`
		CarriedCredit   int64     `bun:",notnull"`
		Arrears         int64     `bun:",notnull"`
		TokenID         int64     `bun:",nullzero"`
		Reason          string    `bun:",notnull,type:text"`
		Actor           string    `bun:",notnull"`
		At              time.Time `bun:",notnull"`
	}
	type meterReading struct {
		bun.BaseModel `bun:"table:meter_readings"`

		ID         int64     `bun:",pk,autoincrement"`
		MeterID    int64     `bun:",notnull"`
		Reading    int64     `bun:",notnull"`
		ReadAt     time.Time `bun:",notnull"`
		Source     string    `bun:",notnull,type:varchar(16)"`
		RecordedBy string    `bun:",notnull"`
		CreatedAt  time.Time `bun:",notnull"`
	}
	type tamperCase struct {
		bun.BaseModel `bun:"table:tamper_cases"`

		ID              int64     `bun:",pk,autoincrement"`
		MeterID         int64     `bun:",notnull"`
		UtilityID       int64     `bun:",notnull"`
		CustomerID      int64     `bun:",nullzero"`
		Status          string    `bun:",notnull,type:varchar(16)"`
		Source          string    `bun:",notnull,type:varchar(16)"`
		Reason          string    `bun:",notnull,type:text"`
		Penalty         int64     `bun:",notnull"`
		PenaltyChargeID int64     `bun:",nullzero"`
		ReportedBy      string    `bun:",notnull"`
		ReportedAt      time.Time `bun:",notnull"`
		ResolvedBy      string    `bun:",notnull"`
		ResolvedAt      time.Time `bun:",nullzero"`
		Resolution      string    `bun:",notnull,type:text"`
		ClearTokenID    int64     `bun:",nullzero"`
		Version         int64     `bun:",notnull"`
	}
	type meterOrder struct {
		bun.BaseModel `bun:"table:meter_orders"`

		ID           int64     `bun:",pk,autoincrement"`
		MeterID      int64     `bun:",notnull"`
		TamperCaseID int64     `bun:",nullzero"`
		Kind         string    `bun:",notnull,type:varchar(16)"`
		Status       string    `bun:",notnull,type:varchar(8)"`
		Note         string    `bun:",notnull,type:text"`
		CreatedBy    string    `bun:",notnull"`
		CreatedAt    time.Time `bun:",notnull"`
		DoneBy       string    `bun:",notnull"`
		DoneAt       time.Time `bun:",nullzero"`
	}
	meterFK := `("meter_id") REFERENCES "meters" ("id")`
	up := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, "ALTER TABLE meters ADD COLUMN status_reason TEXT NOT NULL DEFAULT ''"); err != nil {
				return err
			}
			if err := createTables(ctx, tx, []table{
				{model: (*meterStatusChange)(nil), fks: []string{meterFK}},
				{model: (*contractMeter)(nil), fks: []string{meterFK, `("contract_id") REFERENCES "contracts" ("id")`}},
				{model: (*meterExchange)(nil), fks: []string{`("contract_id") REFERENCES "contracts" ("id")`}},
				{model: (*meterReading)(nil), fks: []string{meterFK}},
				{model: (*tamperCase)(nil), fks: []string{meterFK}},
				{model: (*meterOrder)(nil), fks: []string{meterFK}},
			}); err != nil {
				return err
			}
			if err := createIndexes(ctx, tx, []index{
				{table: "meter_status_changes", name: "meter_status_changes_meter", columns: []string{"meter_id", "id"}},
				{table: "contract_meters", name: "contract_meters_contract", columns: []string{"contract_id", "id"}},
				{table: "contract_meters", name: "contract_meters_meter", columns: []string{"meter_id", "id"}},
				{table: "meter_exchanges", name: "meter_exchanges_contract", columns: []string{"contract_id", "id"}},
				{table: "meter_readings", name: "meter_readings_meter", columns: []string{"meter_id", "read_at"}},
				{table: "tamper_cases", name: "tamper_cases_meter", columns: []string{"meter_id", "id"}},
				{table: "meter_orders", name: "meter_orders_meter", columns: []string{"meter_id", "id"}},
			}); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO contract_meters (contract_id, meter_id, from_at, to_at)
				SELECT id, meter_id, opened_at, closed_at FROM contracts ORDER BY id`)
			return err
		})
	}
	down := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if err := dropTables(ctx, tx, "meter_orders", "tamper_cases", "meter_readings", "meter_exchanges",
				"contract_meters", "meter_status_changes"); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "ALTER TABLE meters DROP COLUMN status_reason")
			return err
		})
	}
	Migrations.MustRegister(up, down)
}
