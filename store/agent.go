package store

import (
	"context"
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/core"
)

var (
	_ core.AgentReader  = (*DB)(nil)
	_ core.APIKeyReader = (*DB)(nil)
)

// Rows of the agents and api_keys tables.
type (
	agentRow struct {
		bun.BaseModel `bun:"table:agents,alias:a"`

		ID             int64  `bun:"id,pk,autoincrement"`
		UtilityID      int64  `bun:"utility_id"`
		Name           string `bun:"name"`
		Kind           string `bun:"kind"`
		Balance        int64  `bun:"balance"`
		CreditLimit    int64  `bun:"credit_limit"`
		CommissionRate string `bun:"commission_rate"`
		Active         bool   `bun:"active"`
		RecordVersion  int64  `bun:"record_version"`
		// Currency is the utility's, filled by withCurrency.
		Currency string `bun:"currency,scanonly"`
		// TerminalID is the terminal of the API key the agent was read by (AgentByAPIKeyHash).
		TerminalID int64 `bun:"terminal_id,scanonly"`
	}
	apiKeyRow struct {
		bun.BaseModel `bun:"table:api_keys,alias:k"`

		ID        int64     `bun:"id,pk,autoincrement"`
		AgentID   int64     `bun:"agent_id"`
		Hash      string    `bun:"hash"`
		Label     string    `bun:"label"`
		CreatedAt time.Time `bun:"created_at"`
		RevokedAt time.Time `bun:"revoked_at,nullzero"`
	}
)

func fromCoreAgent(a *core.Agent) agentRow {
	return agentRow{
		ID: a.ID, UtilityID: a.UtilityID, Name: a.Name, Kind: string(a.Kind), Balance: int64(a.Balance),
		CreditLimit: int64(a.CreditLimit), CommissionRate: a.CommissionRate.String(), Active: a.Active,
	}
}

func toCoreAgent(r agentRow) (core.Agent, error) {
	rate, err := decimal.NewFromString(r.CommissionRate)
	if err != nil {
		return core.Agent{}, corrupt("agent", r.ID, err)
	}
	cur, err := core.ParseCurrency(r.Currency)
	if err != nil {
		return core.Agent{}, corrupt("agent", r.ID, err)
	}
	return core.Agent{
		ID: r.ID, UtilityID: r.UtilityID, Name: r.Name, Kind: core.AgentKind(r.Kind), Balance: core.Money(r.Balance),
		CreditLimit: core.Money(r.CreditLimit), CommissionRate: rate, Active: r.Active, Currency: cur, TerminalID: r.TerminalID,
	}, nil
}

// withCurrency converts an agent row, with its utility's currency from the reference cache.
func (db *DB) withCurrency(ctx context.Context, r agentRow) (core.Agent, error) {
	u, err := cachedRow(ctx, db, "utilities", r.UtilityID, func(ctx context.Context, u *utilityRow) error {
		return db.bun.NewSelect().Model(u).Where("u.id = ?", r.UtilityID).Scan(ctx)
	})
	if err != nil {
		return core.Agent{}, dbError(err)
	}
	r.Currency = u.Currency
	return toCoreAgent(r)
}

// Agent returns an agent, or core.ErrNotFound.
func (db *DB) Agent(ctx context.Context, id int64) (core.Agent, error) {
	var r agentRow
	if err := db.scanP(ctx, sqlTx(ctx), &r, db.queries.agent, id); err != nil {
		return core.Agent{}, dbError(err)
	}
	return db.withCurrency(ctx, r)
}

// AgentByAPIKeyHash returns the agent of an unrevoked API key, or core.ErrNotFound.
func (db *DB) AgentByAPIKeyHash(ctx context.Context, hash string) (core.Agent, error) {
	var r agentRow
	if err := db.scanP(ctx, nil, &r, db.queries.agentByAPIKeyHash, hash); err != nil {
		return core.Agent{}, dbError(err)
	}
	return db.withCurrency(ctx, r)
}

// CreateAgent stores an agent with a balance of 0 (floats move only through TopUp and vends, so
// that the balance always equals the ledger) and sets its ID and Balance. An empty kind is retail.
func (db *DB) CreateAgent(ctx context.Context, a *core.Agent) error {
	if a.Kind == "" {
		a.Kind = core.AgentRetail
	}
	switch {
	case a.Name == "":
		return core.Errorf(core.CodeInvalid, core.ReasonInvalidAgent, "the agent's name is required")
	case a.Kind != core.AgentRetail && a.Kind != core.AgentBank && a.Kind != core.AgentTelco:
		return core.Errorf(core.CodeInvalid, core.ReasonInvalidAgent, "agent %q: unknown kind %q", a.Name, a.Kind)
	case a.CreditLimit < 0:
		return core.Errorf(core.CodeInvalid, core.ReasonInvalidAgent, "agent %q: the credit limit must not be negative", a.Name)
	case a.CommissionRate.IsNegative() || a.CommissionRate.GreaterThanOrEqual(decimal.NewFromInt(1)):
		return core.Errorf(core.CodeInvalid, core.ReasonInvalidAgent, "agent %q: the commission rate must be at least 0 and below 1", a.Name)
	}
	r := fromCoreAgent(a)
	r.Balance, r.RecordVersion = 0, 1
	if _, err := db.idb(ctx).NewInsert().Model(&r).Exec(ctx); err != nil {
		return dbError(err)
	}
	a.ID, a.Balance = r.ID, 0
	return nil
}

// IssueAPIKey stores the hash of a new API key for an agent (core.NewAPIKey makes both) and
// returns the key's ID.
func (db *DB) IssueAPIKey(ctx context.Context, agentID int64, hash, label string) (int64, error) {
	if hash == "" {
		return 0, core.Errorf(core.CodeInvalid, core.ReasonInvalidAPIKeyHash, "the API key hash is required")
	}
	r := apiKeyRow{AgentID: agentID, Hash: hash, Label: label, CreatedAt: db.utc()}
	if _, err := db.idb(ctx).NewInsert().Model(&r).Exec(ctx); err != nil {
		return 0, dbError(err)
	}
	return r.ID, nil
}

// RevokeAPIKey revokes an API key; an unknown or already revoked key is core.ErrNotFound.
func (db *DB) RevokeAPIKey(ctx context.Context, id int64) error {
	res, err := db.idb(ctx).NewUpdate().Model((*apiKeyRow)(nil)).Set("revoked_at = ?", db.utc()).
		Where("id = ? AND revoked_at IS NULL", id).Exec(ctx)
	if err != nil {
		return dbError(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return core.ErrNotFound
	}
	return nil
}
