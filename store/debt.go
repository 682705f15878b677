package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

var _ backoffice.DebtStore = (*DB)(nil)

// bookDebt posts the entries that move a customer's debt by amount against the utility account
// named against (core.DebtEntries), the utility being the meter's; nothing for a zero amount.
func (db *DB) bookDebt(ctx context.Context, tx bun.Tx, meterID, customerID int64, amount core.Money, against, memo string, at time.Time) error {
	if amount == 0 {
		return nil
	}
	var utilityID int64
	err := tx.NewSelect().TableExpr("meters AS m").Join("JOIN supply_groups AS sg ON sg.id = m.supply_group_id").
		ColumnExpr("sg.utility_id").Where("m.id = ?", meterID).Scan(ctx, &utilityID)
	if err != nil {
		return err
	}
	return db.insertEntries(ctx, tx.Tx, nil, core.DebtEntries(utilityID, customerID, amount, against, memo), at)
}

// ChangeDebt moves a contract's debt with its ledger entries (see backoffice.DebtStore): an open
// contract's is its meter's arrears, changed under the meter's row lock (the lock a vend takes),
// a closed contract's its carried arrears; either with a guarded update that never takes it
// below zero.
func (db *DB) ChangeDebt(ctx context.Context, m backoffice.DebtMove) (backoffice.ContractDebt, error) {
	var out backoffice.ContractDebt
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var c contractRow
		if err := tx.NewSelect().Model(&c).Column("id", "customer_id", "meter_id", "status", "arrears_outcome").
			Where("id = ?", m.ContractID).Scan(ctx); err != nil {
			return err
		}
		out = backoffice.ContractDebt{ContractID: c.ID, CustomerID: c.CustomerID}
		var after int64
		var err error
		switch {
		case c.Status == string(backoffice.ContractOpen):
			err = tx.NewRaw("UPDATE meters SET arrears = arrears + ?, version = version + 1 WHERE id = ? AND contract_id = ? AND arrears + ? >= 0 RETURNING arrears",
				int64(m.Amount), c.MeterID, c.ID, int64(m.Amount)).Scan(ctx, &after)
		case c.ArrearsOutcome == string(backoffice.ArrearsCarry):
			err = tx.NewRaw("UPDATE contracts SET carried_arrears = carried_arrears + ?, version = version + 1 WHERE id = ? AND carried_arrears + ? >= 0 RETURNING carried_arrears",
				int64(m.Amount), c.ID, int64(m.Amount)).Scan(ctx, &after)
		default:
			return core.Errorf(core.CodeConflict, backoffice.ReasonNoDebt, "contract %d was closed with its arrears settled: it holds no debt", c.ID)
		}
		if errors.Is(err, sql.ErrNoRows) {
			return core.Errorf(core.CodeConflict, backoffice.ReasonDebtShort, "contract %d's debt is less than %d", c.ID, -m.Amount).OnField("amount")
		}
		if err != nil {
			return err
		}
		out.Before, out.After = core.Money(after)-m.Amount, core.Money(after)
		return db.bookDebt(ctx, tx, c.MeterID, c.CustomerID, m.Amount, m.Against, m.Memo, db.utc())
	})
	if err != nil {
		return backoffice.ContractDebt{}, dbError(err)
	}
	return out, nil
}

// ContractDebt returns what a contract holds of its customer's debt: its meter's arrears while
// open, its carried arrears once closed.
func (db *DB) ContractDebt(ctx context.Context, contractID int64) (core.Money, error) {
	var debt int64
	err := db.idb(ctx).NewSelect().TableExpr("contracts AS c").Join("JOIN meters AS m ON m.id = c.meter_id").
		ColumnExpr("CASE WHEN c.status = 'open' THEN m.arrears ELSE c.carried_arrears END").
		Where("c.id = ?", contractID).Scan(ctx, &debt)
	if err != nil {
		return 0, dbError(err)
	}
	return core.Money(debt), nil
}

// CustomerDebts returns every customer's debt as the records hold it: the meter arrears of their
// open contracts and the arrears their closed contracts carried, by customer (customers who owe
// nothing are left out), to check against the ledger (core.CustomerDebtAccount).
func (db *DB) CustomerDebts(ctx context.Context) (map[int64]core.Money, error) {
	var rows []struct {
		CustomerID int64 `bun:"customer_id"`
		Debt       int64 `bun:"debt"`
	}
	err := db.idb(ctx).NewRaw(`SELECT customer_id, SUM(debt) AS debt FROM (
			SELECT c.customer_id, m.arrears AS debt FROM contracts AS c JOIN meters AS m ON m.id = c.meter_id AND m.contract_id = c.id
				WHERE c.status = 'open'
			UNION ALL
			SELECT customer_id, carried_arrears AS debt FROM contracts WHERE status = 'closed'
		) AS d GROUP BY customer_id`).Scan(ctx, &rows)
	if err != nil {
		return nil, dbError(err)
	}
	out := make(map[int64]core.Money, len(rows))
	for _, r := range rows {
		if r.Debt != 0 {
			out[r.CustomerID] = core.Money(r.Debt)
		}
	}
	return out, nil
}
