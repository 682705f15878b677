package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// agentSalesRow is a row of agent_sales: an agent's contract state, its sales limits and what it
// has sold in the current day and month.
type agentSalesRow struct {
	bun.BaseModel `bun:"table:agent_sales,alias:asl"`

	AgentID      int64  `bun:"agent_id,pk"`
	Contract     string `bun:"contract"`
	DailyLimit   int64  `bun:"daily_limit"`
	MonthlyLimit int64  `bun:"monthly_limit"`
	Day          string `bun:"day"`
	DaySold      int64  `bun:"day_sold"`
	Month        string `bun:"month"`
	MonthSold    int64  `bun:"month_sold"`
	Version      int64  `bun:"version"`
}

func toCoreAgentSales(r agentSalesRow) core.AgentSales {
	return core.AgentSales{
		Contract: core.AgentContractState(r.Contract), DailyLimit: core.Money(r.DailyLimit), MonthlyLimit: core.Money(r.MonthlyLimit),
		Day: r.Day, DaySold: core.Money(r.DaySold), Month: r.Month, MonthSold: core.Money(r.MonthSold),
	}
}

// addSalesSQL adds a tally to an agent's sales in one guarded update: a new day or month starts
// from the tally. The row stays locked until the vend's transaction ends, so concurrent vend
// transactions of the agent count one after the other.
const addSalesSQL = "UPDATE agent_sales SET " +
	"day_sold = CASE WHEN day = ? THEN day_sold + ? ELSE ? END, " +
	"month_sold = CASE WHEN month = ? THEN month_sold + ? ELSE ? END, day = ?, month = ? " +
	"WHERE agent_id = ? RETURNING contract, daily_limit, monthly_limit, day, day_sold, month, month_sold"

// AddAgentSales adds a vend transaction's tally to the agent's sales and returns its selling
// state after; an agent with no row (no limit set, never a contract) is found false.
func (t *vendTx) AddAgentSales(ctx context.Context, agentID int64, tl core.SalesTally) (core.AgentSales, bool, error) {
	a := int64(tl.Amount)
	rows, err := t.db.queryN(ctx, t.tx, 1, addSalesSQL, tl.Day, a, a, tl.Month, a, a, tl.Day, tl.Month, agentID)
	if err != nil {
		return core.AgentSales{}, false, dbError(err)
	}
	defer rows.Close()
	if !rows.Next() {
		return core.AgentSales{}, false, dbError(rows.Err())
	}
	var r agentSalesRow
	if err := rows.Scan(&r.Contract, &r.DailyLimit, &r.MonthlyLimit, &r.Day, &r.DaySold, &r.Month, &r.MonthSold); err != nil {
		return core.AgentSales{}, false, dbError(err)
	}
	return toCoreAgentSales(r), true, dbError(rows.Err())
}

// AgentSales returns an agent's selling state; an agent with none has the zero state.
func (db *DB) AgentSales(ctx context.Context, agentID int64) (core.AgentSales, error) {
	var r agentSalesRow
	err := db.idb(ctx).NewSelect().Model(&r).Where("agent_id = ?", agentID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return core.AgentSales{}, nil
	}
	if err != nil {
		return core.AgentSales{}, dbError(err)
	}
	return toCoreAgentSales(r), nil
}

// changeAgentSales reads the agent's selling state locked (a new row when it has none), lets
// change set it, and writes it back.
func (db *DB) changeAgentSales(ctx context.Context, agentID int64, change func(s *core.AgentSales) error) (before, after core.AgentSales, err error) {
	err = db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var r agentSalesRow
		err := tx.NewRaw("SELECT * FROM agent_sales WHERE agent_id = ?"+db.dialect.forUpdate(), agentID).Scan(ctx, &r)
		fresh := errors.Is(err, sql.ErrNoRows)
		if err != nil && !fresh {
			return err
		}
		if fresh {
			r = agentSalesRow{AgentID: agentID}
		}
		before = toCoreAgentSales(r)
		after = before
		if err := change(&after); err != nil {
			return err
		}
		r.Contract, r.DailyLimit, r.MonthlyLimit = string(after.Contract), int64(after.DailyLimit), int64(after.MonthlyLimit)
		if fresh {
			_, err = tx.NewInsert().Model(&r).Exec(ctx)
			return err
		}
		r.Version++
		_, err = tx.NewUpdate().Model(&r).Column("contract", "daily_limit", "monthly_limit", "version").WherePK().Exec(ctx)
		return err
	})
	if err != nil {
		return core.AgentSales{}, core.AgentSales{}, dbError(err)
	}
	return before, after, nil
}

// SetAgentSalesLimits sets an agent's daily and monthly sales limits (0: none) and returns its
// selling state before and after.
func (db *DB) SetAgentSalesLimits(ctx context.Context, agentID int64, daily, monthly core.Money) (before, after core.AgentSales, err error) {
	return db.changeAgentSales(ctx, agentID, func(s *core.AgentSales) error {
		s.DailyLimit, s.MonthlyLimit = daily, monthly
		return nil
	})
}

var _ backoffice.SalesLimitStore = (*DB)(nil)
