package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

var _ backoffice.CommissionStore = (*DB)(nil)

// Rows of the commission_runs, commission_statements and commission_lines tables.
type (
	commissionRunRow struct {
		bun.BaseModel `bun:"table:commission_runs,alias:cr"`

		ID        int64     `bun:"id,pk,autoincrement"`
		UtilityID int64     `bun:"utility_id"`
		Period    string    `bun:"period"`
		Total     int64     `bun:"total"`
		Agents    int64     `bun:"agents"`
		CreatedAt time.Time `bun:"created_at"`
		CreatedBy string    `bun:"created_by"`
	}
	commissionStatementRow struct {
		bun.BaseModel `bun:"table:commission_statements,alias:cs"`

		ID            int64  `bun:"id,pk,autoincrement"`
		RunID         int64  `bun:"run_id"`
		AgentID       int64  `bun:"agent_id"`
		UtilityID     int64  `bun:"utility_id"`
		Period        string `bun:"period"`
		Vends         int64  `bun:"vends"`
		Sold          int64  `bun:"sold"`
		Reversals     int64  `bun:"reversals"`
		Reversed      int64  `bun:"reversed"`
		Commission    int64  `bun:"commission"`
		CommissionOff int64  `bun:"commission_off"`
	}
	commissionLineRow struct {
		bun.BaseModel `bun:"table:commission_lines,alias:cl"`

		StatementID int64     `bun:"statement_id,pk"`
		Seq         int64     `bun:"seq,pk"`
		VendID      int64     `bun:"vend_id"`
		Reference   string    `bun:"reference"`
		Kind        string    `bun:"kind"`
		At          time.Time `bun:"at"`
		Paid        int64     `bun:"paid"`
		Commission  int64     `bun:"commission"`
	}
)

func toCommissionStatement(r commissionStatementRow) backoffice.CommissionStatement {
	return backoffice.CommissionStatement{
		ID: r.ID, RunID: r.RunID, AgentID: r.AgentID, UtilityID: r.UtilityID, Period: r.Period, Vends: int(r.Vends),
		Sold: core.Money(r.Sold), Reversals: int(r.Reversals), Reversed: core.Money(r.Reversed),
		Commission: core.Money(r.Commission), CommissionOff: core.Money(r.CommissionOff),
	}
}

// VendLedgerEntries returns the entries on agents' accounts that belong to vends of the utility
// (of one agent when agentID is not 0), dated in [from, to), by ID. A vend's entries on an agent
// account are only ever its own agent's.
func (db *DB) VendLedgerEntries(ctx context.Context, utilityID, agentID int64, from, to time.Time) ([]backoffice.VendLedgerEntry, error) {
	var rows []struct {
		ID        int64     `bun:"id"`
		VendID    int64     `bun:"vend_id"`
		AgentID   int64     `bun:"agent_id"`
		Reference string    `bun:"reference"`
		CreatedAt time.Time `bun:"created_at"`
		Amount    int64     `bun:"amount"`
		Memo      string    `bun:"memo"`
	}
	q := db.idb(ctx).NewSelect().TableExpr("ledger_entries AS le").
		ColumnExpr("le.id, le.vend_id, v.agent_id, v.reference, le.created_at, le.amount, le.memo").
		Join("JOIN vends AS v ON v.id = le.vend_id").
		Where("v.utility_id = ?", utilityID).
		Where("le.created_at >= ? AND le.created_at < ?", from.UTC(), to.UTC())
	if agentID != 0 {
		q = q.Where("v.agent_id = ? AND le.account = ?", agentID, core.AgentAccount(agentID))
	} else {
		q = q.Where("le.account LIKE 'agent:%'")
	}
	if err := q.OrderExpr("le.id").Scan(ctx, &rows); err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.VendLedgerEntry, len(rows))
	for i, r := range rows {
		out[i] = backoffice.VendLedgerEntry{ID: r.ID, VendID: r.VendID, AgentID: r.AgentID, Reference: r.Reference,
			At: r.CreatedAt.UTC(), Amount: core.Money(r.Amount), Memo: r.Memo}
	}
	return out, nil
}

// CreateCommissionRun stores a run, its statements and their lines, and books each statement's
// due commission as settled: utility:<u>:commission +due, utility:<u>:commission_paid -due. The
// run's unique (utility, period) makes a second run of a period a duplicate.
func (db *DB) CreateCommissionRun(ctx context.Context, r *backoffice.CommissionRun) error {
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		run := commissionRunRow{UtilityID: r.UtilityID, Period: r.Period, Total: int64(r.Total), Agents: int64(len(r.Statements)),
			CreatedAt: r.CreatedAt.UTC(), CreatedBy: r.CreatedBy}
		if _, err := tx.NewInsert().Model(&run).Exec(ctx); err != nil {
			return err
		}
		r.ID = run.ID
		var sets []entrySet
		for i := range r.Statements {
			st := &r.Statements[i]
			st.RunID = run.ID
			row := commissionStatementRow{RunID: run.ID, AgentID: st.AgentID, UtilityID: r.UtilityID, Period: r.Period,
				Vends: int64(st.Vends), Sold: int64(st.Sold), Reversals: int64(st.Reversals), Reversed: int64(st.Reversed),
				Commission: int64(st.Commission), CommissionOff: int64(st.CommissionOff)}
			if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
				return err
			}
			st.ID = row.ID
			if len(st.Lines) > 0 {
				lines := make([]commissionLineRow, len(st.Lines))
				for j, l := range st.Lines {
					lines[j] = commissionLineRow{StatementID: row.ID, Seq: int64(j + 1), VendID: l.VendID, Reference: l.Reference,
						Kind: l.Kind, At: l.At.UTC(), Paid: int64(l.Paid), Commission: int64(l.Commission)}
				}
				if _, err := tx.NewInsert().Model(&lines).Exec(ctx); err != nil {
					return err
				}
			}
			if due := st.Due(); due != 0 {
				memo := "commission run " + r.Period + " agent " + core.AgentAccount(st.AgentID)
				sets = append(sets, entrySet{entries: []core.LedgerEntry{
					{Account: core.UtilityAccount(r.UtilityID, "commission"), Amount: due, Memo: memo},
					{Account: core.UtilityAccount(r.UtilityID, "commission_paid"), Amount: -due, Memo: memo},
				}, at: r.CreatedAt})
			}
		}
		return db.insertEntrySets(ctx, tx.Tx, sets)
	})
	return dbError(err)
}

// CommissionRunByPeriod returns a utility's run of a period with its statements (no lines).
func (db *DB) CommissionRunByPeriod(ctx context.Context, utilityID int64, period string) (backoffice.CommissionRun, error) {
	var run commissionRunRow
	if err := db.idb(ctx).NewSelect().Model(&run).Where("utility_id = ? AND period = ?", utilityID, period).Scan(ctx); err != nil {
		return backoffice.CommissionRun{}, dbError(err)
	}
	var rows []commissionStatementRow
	if err := db.idb(ctx).NewSelect().Model(&rows).Where("run_id = ?", run.ID).Order("agent_id").Scan(ctx); err != nil {
		return backoffice.CommissionRun{}, dbError(err)
	}
	out := backoffice.CommissionRun{ID: run.ID, UtilityID: run.UtilityID, Period: run.Period, Total: core.Money(run.Total),
		CreatedAt: run.CreatedAt.UTC(), CreatedBy: run.CreatedBy}
	for _, r := range rows {
		out.Statements = append(out.Statements, toCommissionStatement(r))
	}
	return out, nil
}

// CommissionStatement returns a run's statement with its lines.
func (db *DB) CommissionStatement(ctx context.Context, id int64) (backoffice.CommissionStatement, error) {
	var r commissionStatementRow
	if err := db.idb(ctx).NewSelect().Model(&r).Where("id = ?", id).Scan(ctx); err != nil {
		return backoffice.CommissionStatement{}, dbError(err)
	}
	var lines []commissionLineRow
	if err := db.idb(ctx).NewSelect().Model(&lines).Where("statement_id = ?", id).Order("seq").Scan(ctx); err != nil {
		return backoffice.CommissionStatement{}, dbError(err)
	}
	st := toCommissionStatement(r)
	for _, l := range lines {
		st.Lines = append(st.Lines, backoffice.CommissionLine{VendID: l.VendID, Reference: l.Reference, Kind: l.Kind,
			At: l.At.UTC(), Paid: core.Money(l.Paid), Commission: core.Money(l.Commission)})
	}
	return st, nil
}
