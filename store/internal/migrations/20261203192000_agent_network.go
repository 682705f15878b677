package migrations

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// The vending network: each agent's selling state (its contract state, its daily and monthly
// sales limits and what it has sold in the current day and month, counted in the vend's
// transaction), its contracts (one row per signing: the history of its terms), and commission
// payment runs with a statement per agent and its lines. A run is made once per utility and
// period (a unique key).
func init() {
	type agentSales struct {
		bun.BaseModel `bun:"table:agent_sales"`

		AgentID      int64  `bun:",pk"`
		Contract     string `bun:",notnull"` // "" never had one, active, cancelled
		DailyLimit   int64  `bun:",notnull"`
		MonthlyLimit int64  `bun:",notnull"`
		Day          string `bun:",notnull"` // 2006-01-02 in the utility's time zone
		DaySold      int64  `bun:",notnull"`
		Month        string `bun:",notnull"` // 2006-01
		MonthSold    int64  `bun:",notnull"`
		Version      int64  `bun:",notnull"`
	}
	type agentContract struct {
		bun.BaseModel `bun:"table:agent_contracts"`

		ID             int64     `bun:",pk,autoincrement"`
		AgentID        int64     `bun:",notnull"`
		UtilityID      int64     `bun:",notnull"`
		Status         string    `bun:",notnull"` // active, superseded, cancelled
		StartDate      string    `bun:",notnull"` // 2006-01-02
		CommissionRate string    `bun:",notnull"`
		CreditLimit    int64     `bun:",notnull"`
		HallID         int64     `bun:",notnull"`
		Area           string    `bun:",notnull,type:text"`
		DocumentRef    string    `bun:",notnull,type:text"`
		SignedAt       time.Time `bun:",notnull"`
		SignedBy       string    `bun:",notnull"`
		EndedAt        time.Time `bun:",nullzero"`
		EndReason      string    `bun:",notnull,type:text"`
		EndedBy        string    `bun:",notnull"`
	}
	type commissionRun struct {
		bun.BaseModel `bun:"table:commission_runs"`

		ID        int64     `bun:",pk,autoincrement"`
		UtilityID int64     `bun:",notnull"`
		Period    string    `bun:",notnull"` // 2006-01
		Total     int64     `bun:",notnull"`
		Agents    int64     `bun:",notnull"`
		CreatedAt time.Time `bun:",notnull"`
		CreatedBy string    `bun:",notnull"`
	}
	type commissionStatement struct {
		bun.BaseModel `bun:"table:commission_statements"`

		ID            int64  `bun:",pk,autoincrement"`
		RunID         int64  `bun:",notnull"`
		AgentID       int64  `bun:",notnull"`
		UtilityID     int64  `bun:",notnull"`
		Period        string `bun:",notnull"`
		Vends         int64  `bun:",notnull"`
		Sold          int64  `bun:",notnull"`
		Reversals     int64  `bun:",notnull"`
		Reversed      int64  `bun:",notnull"`
		Commission    int64  `bun:",notnull"`
		CommissionOff int64  `bun:",notnull"` // commission taken back by reversals
	}
	type commissionLine struct {
		bun.BaseModel `bun:"table:commission_lines"`

		StatementID int64     `bun:",pk"`
		Seq         int64     `bun:",pk"`
		VendID      int64     `bun:",notnull"`
		Reference   string    `bun:",notnull"`
		Kind        string    `bun:",notnull"` // sale, reversal
		At          time.Time `bun:",notnull"`
		Paid        int64     `bun:",notnull"`
		Commission  int64     `bun:",notnull"`
	}
	up := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if err := createTables(ctx, tx, []table{
				{model: (*agentSales)(nil), fks: []string{`("agent_id") REFERENCES "agents" ("id")`}},
				{model: (*agentContract)(nil), fks: []string{`("agent_id") REFERENCES "agents" ("id")`}},
				{model: (*commissionRun)(nil)},
				{model: (*commissionStatement)(nil), fks: []string{`("run_id") REFERENCES "commission_runs" ("id")`}},
				{model: (*commissionLine)(nil), fks: []string{`("statement_id") REFERENCES "commission_statements" ("id")`}},
			}); err != nil {
				return err
			}
			return createIndexes(ctx, tx, []index{
				{table: "agent_contracts", name: "agent_contracts_agent", columns: []string{"agent_id", "id"}},
				{table: "commission_runs", name: "commission_runs_period", columns: []string{"utility_id", "period"}, unique: true},
				{table: "commission_statements", name: "commission_statements_agent", columns: []string{"run_id", "agent_id"}, unique: true},
			})
		})
	}
	down := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return dropTables(ctx, tx, "commission_lines", "commission_statements", "commission_runs", "agent_contracts", "agent_sales")
		})
	}
	Migrations.MustRegister(up, down)
}
