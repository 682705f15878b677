package migrations

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Customers' debts in the ledger: a closed contract keeps the arrears it carried to the customer
// (carried_arrears, which later adjustments and write-offs move), and every debt that exists
// already gets its opening entries, customer:<id>:debt debited and utility:<u>:arrears credited,
// so that the ledger check finds each customer's debt equal to minus the sum of their debt
// account on an installation that kept arrears before the ledger did.
//
// Refunds: money paid back to a customer for credit not used, by cash, wallet or agent, with the
// reason and who asked (the ledger entries say where the money went).
func init() {
	type refund struct {
		bun.BaseModel `bun:"table:refunds"`

		ID          int64     `bun:",pk,autoincrement"`
		UtilityID   int64     `bun:",notnull"`
		CustomerID  int64     `bun:",notnull"`
		ContractID  int64     `bun:",notnull"`
		MeterNumber string    `bun:",notnull"`
		Amount      int64     `bun:",notnull"`
		Method      string    `bun:",notnull,type:varchar(8)"`
		AgentID     int64     `bun:",notnull"` // 0 unless paid by an agent
		Reason      string    `bun:",notnull,type:text"`
		RequestedBy string    `bun:",notnull"`
		At          time.Time `bun:",notnull"`
	}
	// A utility's catalogue of charges, and the charges made to customers' contracts: collected
	// at the counter (with a receipt number) or deducted from the meter's purchases at a share
	// (a decimal, as text); a vend records the fees it took.
	type chargeType struct {
		bun.BaseModel `bun:"table:charge_types"`

		ID        int64  `bun:",pk,autoincrement"`
		UtilityID int64  `bun:",notnull,unique:charge_types_code"`
		Code      string `bun:",notnull,type:varchar(16),unique:charge_types_code"`
		Name      string `bun:",notnull"`
		Kind      string `bun:",notnull,type:varchar(40)"`
		Amount    int64  `bun:",notnull"`
		Active    bool   `bun:",notnull"`
		Version   int64  `bun:",notnull"`
	}
	type customerCharge struct {
		bun.BaseModel `bun:"table:customer_charges"`

		ID            int64     `bun:",pk,autoincrement"`
		UtilityID     int64     `bun:",notnull"`
		CustomerID    int64     `bun:",notnull"`
		ContractID    int64     `bun:",notnull"`
		MeterID       int64     `bun:",notnull"`
		ChargeTypeID  int64     `bun:",notnull"`
		Code          string    `bun:",notnull,type:varchar(16)"`
		Name          string    `bun:",notnull"`
		Kind          string    `bun:",notnull,type:varchar(40)"`
		Amount        int64     `bun:",notnull"`
		Remaining     int64     `bun:",notnull"`
		Method        string    `bun:",notnull,type:varchar(8)"`
		Share         string    `bun:",notnull,type:varchar(20)"`
		Status        string    `bun:",notnull,type:varchar(12)"`
		Reason        string    `bun:",notnull,type:text"`
		ChargedBy     string    `bun:",notnull"`
		ChargedAt     time.Time `bun:",notnull"`
		ReceiptNumber string    `bun:",notnull,type:varchar(32)"`
		CollectedBy   string    `bun:",notnull"`
		CollectedAt   time.Time `bun:",nullzero"`
		Collected     int64     `bun:",notnull"`
	}
	up := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if err := createTables(ctx, tx, []table{
				{model: (*refund)(nil), fks: []string{`("contract_id") REFERENCES "contracts" ("id")`}},
				{model: (*chargeType)(nil), fks: []string{`("utility_id") REFERENCES "utilities" ("id")`}},
				{model: (*customerCharge)(nil), fks: []string{`("contract_id") REFERENCES "contracts" ("id")`, `("charge_type_id") REFERENCES "charge_types" ("id")`}},
			}); err != nil {
				return err
			}
			if err := createIndexes(ctx, tx, []index{
				{table: "refunds", name: "refunds_customer_idx", columns: []string{"customer_id", "id"}},
				{table: "customer_charges", name: "customer_charges_meter_idx", columns: []string{"meter_id", "status", "id"}},
				{table: "customer_charges", name: "customer_charges_contract_idx", columns: []string{"contract_id", "id"}},
			}); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "ALTER TABLE vends ADD COLUMN fees BIGINT NOT NULL DEFAULT 0"); err != nil {
				return err
			}
			now := time.Now().UTC().Truncate(time.Microsecond)
			for _, q := range []string{
				"ALTER TABLE contracts ADD COLUMN carried_arrears BIGINT NOT NULL DEFAULT 0",
				"UPDATE contracts SET carried_arrears = closing_arrears WHERE status = 'closed' AND arrears_outcome = 'carried'",
				// The meters' arrears on open contracts, customer side then utility side.
				`INSERT INTO ledger_entries (vend_id, account, amount, memo, created_at)
					SELECT NULL, 'customer:' || m.customer_id || ':debt', -m.arrears, 'opening debt of meter ' || m.number || ' (migration)', ?0
					FROM meters AS m WHERE m.contract_id IS NOT NULL AND m.arrears <> 0 ORDER BY m.id`,
				`INSERT INTO ledger_entries (vend_id, account, amount, memo, created_at)
					SELECT NULL, 'utility:' || sg.utility_id || ':arrears', m.arrears, 'opening debt of meter ' || m.number || ' (migration)', ?0
					FROM meters AS m JOIN supply_groups AS sg ON sg.id = m.supply_group_id
					WHERE m.contract_id IS NOT NULL AND m.arrears <> 0 ORDER BY m.id`,
				// The arrears closed contracts carried to their customers.
				`INSERT INTO ledger_entries (vend_id, account, amount, memo, created_at)
					SELECT NULL, 'customer:' || c.customer_id || ':debt', -c.carried_arrears, 'opening debt carried from contract ' || c.id || ' (migration)', ?0
					FROM contracts AS c WHERE c.carried_arrears <> 0 ORDER BY c.id`,
				`INSERT INTO ledger_entries (vend_id, account, amount, memo, created_at)
					SELECT NULL, 'utility:' || sg.utility_id || ':arrears', c.carried_arrears, 'opening debt carried from contract ' || c.id || ' (migration)', ?0
					FROM contracts AS c JOIN meters AS m ON m.id = c.meter_id JOIN supply_groups AS sg ON sg.id = m.supply_group_id
					WHERE c.carried_arrears <> 0 ORDER BY c.id`,
			} {
				if _, err := tx.ExecContext(ctx, q, now); err != nil {
					return err
				}
			}
			return nil
		})
	}
	// down forgets carried arrears and takes back the opening entries up posted (and only those:
	// no vend's, all balanced pairs), so that migrating again posts them once.
	down := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if err := dropTables(ctx, tx, "customer_charges", "charge_types", "refunds"); err != nil {
				return err
			}
			for _, q := range []string{
				"ALTER TABLE vends DROP COLUMN fees",
				"DELETE FROM ledger_entries WHERE vend_id IS NULL AND memo LIKE 'opening debt % (migration)'",
				"ALTER TABLE contracts DROP COLUMN carried_arrears",
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
