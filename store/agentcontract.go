package store

import (
	"context"
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

var _ backoffice.AgentContractStore = (*DB)(nil)

// agentContractRow is a row of agent_contracts: one signing of an agent's contract.
type agentContractRow struct {
	bun.BaseModel `bun:"table:agent_contracts,alias:ac"`

	ID             int64     `bun:"id,pk,autoincrement"`
	AgentID        int64     `bun:"agent_id"`
	UtilityID      int64     `bun:"utility_id"`
	Status         string    `bun:"status"`
	StartDate      string    `bun:"start_date"`
	CommissionRate string    `bun:"commission_rate"`
	CreditLimit    int64     `bun:"credit_limit"`
	HallID         int64     `bun:"hall_id"`
	Area           string    `bun:"area"`
	DocumentRef    string    `bun:"document_ref"`
	SignedAt       time.Time `bun:"signed_at"`
	SignedBy       string    `bun:"signed_by"`
	EndedAt        time.Time `bun:"ended_at,nullzero"`
	EndReason      string    `bun:"end_reason"`
	EndedBy        string    `bun:"ended_by"`
}

func fromAgentContract(c *backoffice.AgentContract) agentContractRow {
	return agentContractRow{
		ID: c.ID, AgentID: c.AgentID, UtilityID: c.UtilityID, Status: string(c.Status), StartDate: c.StartDate,
		CommissionRate: c.CommissionRate.String(), CreditLimit: int64(c.CreditLimit), HallID: c.HallID, Area: c.Area,
		DocumentRef: c.DocumentRef, SignedAt: c.SignedAt.UTC(), SignedBy: c.SignedBy, EndedAt: c.EndedAt.UTC(),
		EndReason: c.EndReason, EndedBy: c.EndedBy,
	}
}

func toAgentContract(r agentContractRow) (backoffice.AgentContract, error) {
	rate, err := decimal.NewFromString(r.CommissionRate)
	if err != nil {
		return backoffice.AgentContract{}, corrupt("agent contract", r.ID, err)
	}
	c := backoffice.AgentContract{
		ID: r.ID, AgentID: r.AgentID, UtilityID: r.UtilityID, Status: backoffice.AgentContractStatus(r.Status), StartDate: r.StartDate,
		CommissionRate: rate, CreditLimit: core.Money(r.CreditLimit), HallID: r.HallID, Area: r.Area, DocumentRef: r.DocumentRef,
		SignedAt: r.SignedAt.UTC(), SignedBy: r.SignedBy, EndReason: r.EndReason, EndedBy: r.EndedBy,
	}
	if !r.EndedAt.IsZero() {
		c.EndedAt = r.EndedAt.UTC()
	}
	return c, nil
}

// setContractState sets an agent's contract state in its selling state (agent_sales), which the
// vend's transaction reads.
func (db *DB) setContractState(ctx context.Context, agentID int64, state core.AgentContractState) error {
	_, _, err := db.changeAgentSales(ctx, agentID, func(s *core.AgentSales) error {
		s.Contract = state
		return nil
	})
	return err
}

// SignAgentContract stores c as the agent's active contract, supersedes the one active before
// and sets the agent's contract state to active.
func (db *DB) SignAgentContract(ctx context.Context, c *backoffice.AgentContract) error {
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := db.setContractState(ctx, c.AgentID, core.ContractActive); err != nil { // locks the agent's selling state first
			return err
		}
		if _, err := tx.NewUpdate().Model((*agentContractRow)(nil)).
			Set("status = ?", string(backoffice.AgentContractSuperseded)).Set("ended_at = ?", c.SignedAt.UTC()).
			Set("end_reason = ?", "superseded by a new contract").Set("ended_by = ?", c.SignedBy).
			Where("agent_id = ? AND status = ?", c.AgentID, string(backoffice.AgentContractActive)).Exec(ctx); err != nil {
			return err
		}
		c.Status = backoffice.AgentContractActive
		r := fromAgentContract(c)
		if _, err := tx.NewInsert().Model(&r).Exec(ctx); err != nil {
			return err
		}
		c.ID = r.ID
		return nil
	})
	return dbError(err)
}

// CancelAgentContract cancels the agent's active contract (core.ErrNotFound when none) and sets
// its contract state to cancelled.
func (db *DB) CancelAgentContract(ctx context.Context, agentID int64, reason, by string, at time.Time) (backoffice.AgentContract, error) {
	var out backoffice.AgentContract
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := db.setContractState(ctx, agentID, core.ContractCancelled); err != nil {
			return err
		}
		var r agentContractRow
		err := tx.NewRaw("UPDATE agent_contracts SET status = ?, ended_at = ?, end_reason = ?, ended_by = ? "+
			"WHERE agent_id = ? AND status = ? RETURNING *",
			string(backoffice.AgentContractCancelled), at.UTC(), reason, by, agentID, string(backoffice.AgentContractActive)).Scan(ctx, &r)
		if err != nil {
			return err
		}
		out, err = toAgentContract(r)
		return err
	})
	if err != nil {
		return backoffice.AgentContract{}, dbError(err)
	}
	return out, nil
}

// AgentContracts returns an agent's contracts, oldest first.
func (db *DB) AgentContracts(ctx context.Context, agentID int64) ([]backoffice.AgentContract, error) {
	var rows []agentContractRow
	if err := db.idb(ctx).NewSelect().Model(&rows).Where("agent_id = ?", agentID).Order("id").Scan(ctx); err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.AgentContract, len(rows))
	for i, r := range rows {
		c, err := toAgentContract(r)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}
