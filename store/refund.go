package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

var _ backoffice.RefundStore = (*DB)(nil)

// refundRow is a row of refunds.
type refundRow struct {
	bun.BaseModel `bun:"table:refunds,alias:rf"`

	ID          int64     `bun:"id,pk,autoincrement"`
	UtilityID   int64     `bun:"utility_id"`
	CustomerID  int64     `bun:"customer_id"`
	ContractID  int64     `bun:"contract_id"`
	MeterNumber string    `bun:"meter_number"`
	Amount      int64     `bun:"amount"`
	Method      string    `bun:"method"`
	AgentID     int64     `bun:"agent_id"`
	Reason      string    `bun:"reason"`
	RequestedBy string    `bun:"requested_by"`
	At          time.Time `bun:"at"`
}

// PayRefund stores a refund and posts its entries (see backoffice.RefundStore); a refund through
// an agent credits the agent's balance with its entry.
func (db *DB) PayRefund(ctx context.Context, r *backoffice.Refund) error {
	return dbError(db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		row := refundRow{UtilityID: r.UtilityID, CustomerID: r.CustomerID, ContractID: r.ContractID, MeterNumber: r.MeterNumber,
			Amount: int64(r.Amount), Method: string(r.Method), AgentID: r.AgentID, Reason: r.Reason, RequestedBy: r.RequestedBy, At: r.At.UTC()}
		if _, err := tx.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
			return err
		}
		r.ID = row.ID
		memo := fmt.Sprintf("refund %d: %s", r.ID, r.Reason)
		var to string
		switch r.Method {
		case backoffice.RefundCash:
			to = core.UtilityAccount(r.UtilityID, "cash")
		case backoffice.RefundWallet:
			to = core.CustomerWalletAccount(r.CustomerID)
		case backoffice.RefundAgent:
			res, err := tx.NewUpdate().Model((*agentRow)(nil)).Set("balance = balance + ?", int64(r.Amount)).
				Where("id = ? AND utility_id = ?", r.AgentID, r.UtilityID).Exec(ctx)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				if err != nil {
					return err
				}
				return core.ErrNotFound
			}
			to = core.AgentAccount(r.AgentID)
		default:
			return core.Errorf(core.CodeInvalid, backoffice.ReasonInvalidRefund, "refund method %q", r.Method)
		}
		return db.insertEntries(ctx, tx.Tx, nil, []core.LedgerEntry{
			{Account: to, Amount: r.Amount, Memo: memo},
			{Account: core.UtilityAccount(r.UtilityID, "refunds"), Amount: -r.Amount, Memo: memo},
		}, r.At)
	}))
}
