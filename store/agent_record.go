package store

import (
	"context"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// AgentRecord returns an agent with its record version, or core.ErrNotFound.
func (db *DB) AgentRecord(ctx context.Context, id int64) (backoffice.AgentRecord, error) {
	var r agentRow
	if err := db.idb(ctx).NewSelect().Model(&r).Where("a.id = ?", id).Scan(ctx); err != nil {
		return backoffice.AgentRecord{}, dbError(err)
	}
	a, err := db.withCurrency(ctx, r)
	return backoffice.AgentRecord{Agent: a, Version: r.RecordVersion}, err
}

// AgentRecords returns the agents q selects, by ID.
func (db *DB) AgentRecords(ctx context.Context, q backoffice.AgentQuery) ([]backoffice.AgentRecord, error) {
	var rows []agentRow
	sel := db.idb(ctx).NewSelect().Model(&rows).Where("a.id > ?", q.AfterID).Order("a.id").Limit(int64(max(q.Limit, 1)))
	if q.UtilityID != 0 {
		sel = sel.Where("a.utility_id = ?", q.UtilityID)
	}
	if q.Kind != "" {
		sel = sel.Where("a.kind = ?", string(q.Kind))
	}
	if q.Active != nil {
		sel = sel.Where("a.active = ?", *q.Active)
	}
	if q.Search != "" {
		sel = sel.Where("LOWER(a.name) LIKE ? ESCAPE '\\'", likeSearch(q.Search))
	}
	if err := sel.Scan(ctx); err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.AgentRecord, len(rows))
	for i, r := range rows {
		a, err := db.withCurrency(ctx, r)
		if err != nil {
			return nil, err
		}
		out[i] = backoffice.AgentRecord{Agent: a, Version: r.RecordVersion}
	}
	return out, nil
}

// SaveAgent updates an agent's name and active flag at the record version it was read; its
// balance, credit limit and commission are never written here.
func (db *DB) SaveAgent(ctx context.Context, a *backoffice.AgentRecord) error {
	if a.Name == "" {
		return core.Errorf(core.CodeInvalid, core.ReasonInvalidAgent, "the agent's name is required")
	}
	r := agentRow{ID: a.ID, Name: a.Name, Active: a.Active, RecordVersion: a.Version}
	if err := saveColumns(ctx, db.idb(ctx), &r, "agent", a.ID, &r.RecordVersion, "name", "active"); err != nil {
		return err
	}
	a.Version = r.RecordVersion
	return nil
}

// APIKey returns an API key without its hash, or core.ErrNotFound.
func (db *DB) APIKey(ctx context.Context, id int64) (backoffice.APIKeyRecord, error) {
	var r apiKeyRow
	if err := db.idb(ctx).NewSelect().Model(&r).Column("id", "agent_id", "label", "created_at", "revoked_at").
		Where("id = ?", id).Scan(ctx); err != nil {
		return backoffice.APIKeyRecord{}, dbError(err)
	}
	return backoffice.APIKeyRecord{ID: r.ID, AgentID: r.AgentID, Label: r.Label, CreatedAt: r.CreatedAt, RevokedAt: r.RevokedAt}, nil
}

// AgentBalancesIn returns the balance of every agent of a utility (0: every utility's), as the
// agents table holds it.
func (db *DB) AgentBalancesIn(ctx context.Context, utilityID int64) (map[int64]core.Money, error) {
	var rows []agentRow
	sel := db.idb(ctx).NewSelect().Model(&rows).Column("id", "balance")
	if utilityID != 0 {
		sel = sel.Where("utility_id = ?", utilityID)
	}
	if err := sel.Scan(ctx); err != nil {
		return nil, dbError(err)
	}
	out := make(map[int64]core.Money, len(rows))
	for _, r := range rows {
		out[r.ID] = core.Money(r.Balance)
	}
	return out, nil
}
