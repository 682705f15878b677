package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

var _ backoffice.AgentMoneyStore = (*DB)(nil)

// agentColumns are the agents columns agentRow maps.
const agentColumns = "id, utility_id, name, kind, balance, credit_limit, commission_rate, active"

// AdjustAgentFloat adds amount (negative: a debit) to an agent's balance inside the caller's
// transaction (or one of its own), with the balanced entries agent:<id> +amount and
// utility:<u>:adjustment -amount. A debit is a guarded update, as a vend's is: it never takes
// the balance below -credit_limit (core.ErrInsufficientFunds). An unknown agent is
// core.ErrNotFound. It returns the agent after.
func (db *DB) AdjustAgentFloat(ctx context.Context, agentID int64, amount core.Money, memo string) (core.Agent, error) {
	if amount == 0 {
		return core.Agent{}, core.Errorf(core.CodeInvalid, core.ReasonInvalidAmount, "a float adjustment must not be zero")
	}
	var r agentRow
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		guard := ""
		args := []any{int64(amount), agentID}
		if amount < 0 {
			guard = " AND balance + ? >= -credit_limit"
			args = append(args, int64(amount))
		}
		err := tx.NewRaw("UPDATE agents SET balance = balance + ? WHERE id = ?"+guard+" RETURNING "+agentColumns, args...).Scan(ctx, &r)
		if errors.Is(err, sql.ErrNoRows) {
			exists, err := tx.NewSelect().Model((*agentRow)(nil)).Where("id = ?", agentID).Exists(ctx)
			if err == nil && exists {
				return core.ErrInsufficientFunds
			}
			if err == nil {
				return core.ErrNotFound
			}
			return err
		}
		if err != nil {
			return err
		}
		return db.insertEntries(ctx, tx.Tx, nil, []core.LedgerEntry{
			{Account: core.AgentAccount(agentID), Amount: amount, Memo: memo},
			{Account: core.UtilityAccount(r.UtilityID, "adjustment"), Amount: -amount, Memo: memo},
		}, db.utc())
	})
	if errors.Is(err, core.ErrInsufficientFunds) {
		return core.Agent{}, err
	}
	if err != nil {
		return core.Agent{}, dbError(err)
	}
	return db.withCurrency(ctx, r)
}

// ChangeAgentTerms reads an agent locked until the transaction ends, lets change set its credit
// limit and commission rate, and writes those two columns only (the balance moves with the
// ledger, never here). A vend checks the credit limit in its own guarded debit, so a new limit
// holds for the next vend; an AgentCache serves the old commission rate until its entries expire.
func (db *DB) ChangeAgentTerms(ctx context.Context, agentID int64, change func(a *core.Agent) error) (before, after core.Agent, err error) {
	err = db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var r agentRow
		if err := tx.NewRaw("SELECT "+agentColumns+" FROM agents WHERE id = ?"+db.dialect.forUpdate(), agentID).Scan(ctx, &r); err != nil {
			return err
		}
		if before, err = db.withCurrency(ctx, r); err != nil {
			return err
		}
		after = before
		if err := change(&after); err != nil {
			return err
		}
		switch {
		case after.CreditLimit < 0:
			return core.Errorf(core.CodeInvalid, core.ReasonInvalidAgent, "agent %d: the credit limit must not be negative", agentID)
		case after.CommissionRate.IsNegative() || after.CommissionRate.GreaterThanOrEqual(decimal.NewFromInt(1)):
			return core.Errorf(core.CodeInvalid, core.ReasonInvalidAgent, "agent %d: the commission rate must be at least 0 and below 1", agentID)
		}
		res, err := tx.NewUpdate().Model((*agentRow)(nil)).Set("credit_limit = ?", int64(after.CreditLimit)).
			Set("commission_rate = ?", after.CommissionRate.String()).Where("id = ?", agentID).Exec(ctx)
		if err != nil {
			return err
		}
		return oneRow(res, "agent")
	})
	if err != nil {
		return core.Agent{}, core.Agent{}, dbError(err)
	}
	return before, after, nil
}
