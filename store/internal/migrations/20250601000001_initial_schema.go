package migrations

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// The initial schema. Decimals (rates, prices) are TEXT in their exact decimal form; money is
// BIGINT minor units; energy is BIGINT tenths of a unit; tokens are their 20 digits; times are
// timestamps in UTC.
func init() {
	type utility struct {
		bun.BaseModel `bun:"table:utilities"`

		ID                    int64  `bun:",pk,autoincrement"`
		Name                  string `bun:",notnull,unique"`
		Currency              string `bun:",notnull,type:varchar(3)"`
		TaxRate               string `bun:",notnull,type:text"`
		TimeZone              string `bun:",notnull,type:text"`
		DebtRecoveryRate      string `bun:",notnull,type:text"`
		MonthlyFixedCharge    int64  `bun:",notnull"`
		FreeBasicEnergy       int64  `bun:",notnull"`
		ReversalWindowSeconds int64  `bun:",notnull"`
	}
	type supplyGroup struct {
		bun.BaseModel `bun:"table:supply_groups"`

		ID               int64  `bun:",pk,autoincrement"`
		UtilityID        int64  `bun:",notnull"`
		SGC              string `bun:"sgc,notnull,type:varchar(6),unique:supply_groups_key"`
		KRN              int16  `bun:"krn,notnull,unique:supply_groups_key"`
		DKGA             int16  `bun:"dkga,notnull,unique:supply_groups_key"`
		Name             string `bun:",notnull"`
		SealedVendingKey []byte `bun:",notnull"`
	}
	type tariff struct {
		bun.BaseModel `bun:"table:tariffs"`

		ID        int64  `bun:",pk,autoincrement"`
		UtilityID int64  `bun:",notnull,unique:tariffs_name"`
		Name      string `bun:",notnull,unique:tariffs_name"`
		Blocks    string `bun:",notnull,type:text"` // JSON: [{"up_to":0,"price":"123.45"}]
	}
	type customer struct {
		bun.BaseModel `bun:"table:customers"`

		ID        int64  `bun:",pk,autoincrement"`
		Name      string `bun:",notnull"`
		Address   string `bun:",notnull"`
		Phone     string `bun:",notnull"`
		Language  string `bun:",notnull"`
		FreeBasic bool   `bun:",notnull"`
	}
	type meter struct {
		bun.BaseModel `bun:"table:meters"`

		ID            int64  `bun:",pk,autoincrement"`
		Number        string `bun:",notnull,unique,type:varchar(13)"`
		Kind          string `bun:",notnull"`
		Status        string `bun:",notnull"`
		SupplyGroupID int64  `bun:",notnull"`
		CustomerID    int64  `bun:",notnull"`
		TariffID      int64  `bun:",notnull"`
		// The decoder key's parameters.
		PAN      string `bun:"pan,notnull,type:varchar(18)"`
		SGC      string `bun:"sgc,notnull,type:varchar(6)"`
		KRN      int16  `bun:"krn,notnull"`
		KT       int16  `bun:"kt,notnull"`
		TI       int16  `bun:"ti,notnull"`
		DKGA     int16  `bun:"dkga,notnull"`
		EA       int16  `bun:"ea,notnull"`
		BaseDate int16  `bun:",notnull"`
		KEN      int16  `bun:"ken,notnull"`
		// The key a requested key change moves the meter to; NULL when none is pending.
		PendingPAN      *string `bun:"pending_pan,type:varchar(18)"`
		PendingSGC      *string `bun:"pending_sgc,type:varchar(6)"`
		PendingKRN      *int16  `bun:"pending_krn"`
		PendingKT       *int16  `bun:"pending_kt"`
		PendingTI       *int16  `bun:"pending_ti"`
		PendingDKGA     *int16  `bun:"pending_dkga"`
		PendingEA       *int16  `bun:"pending_ea"`
		PendingBaseDate *int16  `bun:"pending_base_date"`
		PendingKEN      *int16  `bun:"pending_ken"`
		PendingRollover bool    `bun:",notnull"`
		// The counters a vend reads and writes under the row's lock.
		Version        int64  `bun:",notnull"`
		LastTID        int64  `bun:"last_tid,notnull"`
		TIDKey         string `bun:"tid_key,notnull,type:text"`
		Arrears        int64  `bun:",notnull"`
		Month          string `bun:",notnull,type:varchar(7)"`
		MonthEnergy    int64  `bun:",notnull"`
		MonthFixedPaid int64  `bun:",notnull"`
		MonthFreeGiven bool   `bun:",notnull"`
	}
	type agent struct {
		bun.BaseModel `bun:"table:agents"`

		ID             int64  `bun:",pk,autoincrement"`
		UtilityID      int64  `bun:",notnull"`
		Name           string `bun:",notnull"`
		Kind           string `bun:",notnull"`
		Balance        int64  `bun:",notnull"`
		CreditLimit    int64  `bun:",notnull"`
		CommissionRate string `bun:",notnull,type:text"`
		Active         bool   `bun:",notnull"`
	}
	type apiKey struct {
		bun.BaseModel `bun:"table:api_keys"`

		ID        int64     `bun:",pk,autoincrement"`
		AgentID   int64     `bun:",notnull"`
		Hash      string    `bun:",notnull,unique,type:varchar(64)"`
		Label     string    `bun:",notnull"`
		CreatedAt time.Time `bun:",notnull"`
		RevokedAt time.Time `bun:",nullzero"`
	}
	type vend struct {
		bun.BaseModel `bun:"table:vends"`

		ID             int64  `bun:",pk,autoincrement"`
		Reference      string `bun:",notnull,unique"`
		Channel        string `bun:",notnull,unique:vends_idempotency"`
		IdempotencyKey string `bun:",notnull,unique:vends_idempotency"`
		RequestHash    string `bun:",notnull"`
		AgentID        int64  `bun:",notnull"`
		UtilityID      int64  `bun:",notnull"`
		MeterID        int64  `bun:",notnull"`
		MeterNumber    string `bun:",notnull,type:varchar(13)"`
		CustomerName   string `bun:",notnull"`
		Currency       string `bun:",notnull,type:varchar(3)"`
		// The breakdown.
		Paid         int64 `bun:",notnull"`
		Debt         int64 `bun:",notnull"`
		FixedCharges int64 `bun:",notnull"`
		Tax          int64 `bun:",notnull"`
		EnergyCharge int64 `bun:",notnull"`
		Energy       int64 `bun:",notnull"`
		FreeEnergy   int64 `bun:",notnull"`
		Commission   int64 `bun:",notnull"`

		Status     string    `bun:",notnull"`
		CreatedAt  time.Time `bun:",notnull"`
		ReversedAt time.Time `bun:",nullzero"`
	}
	type vendToken struct {
		bun.BaseModel `bun:"table:vend_tokens"`

		VendID   int64  `bun:",pk"`
		Seq      int16  `bun:",pk"`
		Purpose  string `bun:",notnull"`
		Class    int16  `bun:",notnull"`
		Subclass int16  `bun:",notnull"`
		Token    string `bun:",notnull,type:varchar(20)"`
		TID      int64  `bun:"tid,notnull"`
		Energy   int64  `bun:",notnull"`
	}
	type ledgerEntry struct {
		bun.BaseModel `bun:"table:ledger_entries"`

		ID        int64     `bun:",pk,autoincrement"`
		VendID    *int64    `bun:"vend_id"`
		Account   string    `bun:",notnull"`
		Amount    int64     `bun:",notnull"`
		Memo      string    `bun:",notnull"`
		CreatedAt time.Time `bun:",notnull"`
	}

	up := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if err := createTables(ctx, tx, []table{
				{model: (*utility)(nil)},
				{model: (*supplyGroup)(nil), fks: []string{`("utility_id") REFERENCES "utilities" ("id")`}},
				{model: (*tariff)(nil), fks: []string{`("utility_id") REFERENCES "utilities" ("id")`}},
				{model: (*customer)(nil)},
				{model: (*meter)(nil), fks: []string{
					`("supply_group_id") REFERENCES "supply_groups" ("id")`,
					`("customer_id") REFERENCES "customers" ("id")`,
					`("tariff_id") REFERENCES "tariffs" ("id")`,
				}},
				{model: (*agent)(nil), fks: []string{`("utility_id") REFERENCES "utilities" ("id")`}},
				{model: (*apiKey)(nil), fks: []string{`("agent_id") REFERENCES "agents" ("id")`}},
				{model: (*vend)(nil), fks: []string{
					`("agent_id") REFERENCES "agents" ("id")`,
					`("utility_id") REFERENCES "utilities" ("id")`,
					`("meter_id") REFERENCES "meters" ("id")`,
				}},
				{model: (*vendToken)(nil), fks: []string{`("vend_id") REFERENCES "vends" ("id")`}},
				{model: (*ledgerEntry)(nil), fks: []string{`("vend_id") REFERENCES "vends" ("id")`}},
			}); err != nil {
				return err
			}
			return createIndexes(ctx, tx, []index{
				{table: "supply_groups", name: "supply_groups_utility_id_idx", columns: []string{"utility_id"}},
				{table: "meters", name: "meters_customer_id_idx", columns: []string{"customer_id"}},
				{table: "agents", name: "agents_utility_id_idx", columns: []string{"utility_id"}},
				{table: "api_keys", name: "api_keys_agent_id_idx", columns: []string{"agent_id"}},
				{table: "vends", name: "vends_meter_number_id_idx", columns: []string{"meter_number", "id"}},
				{table: "vends", name: "vends_agent_id_id_idx", columns: []string{"agent_id", "id"}},
				{table: "ledger_entries", name: "ledger_entries_account_id_idx", columns: []string{"account", "id"}},
				{table: "ledger_entries", name: "ledger_entries_vend_id_idx", columns: []string{"vend_id"}},
			})
		})
	}
	down := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return dropTables(ctx, tx, "ledger_entries", "vend_tokens", "vends", "api_keys", "agents",
				"meters", "customers", "tariffs", "supply_groups", "utilities")
		})
	}
	Migrations.MustRegister(up, down)
}
