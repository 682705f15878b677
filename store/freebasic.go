package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/core"
)

// freeBasicGrantRow is a row of free_basic_grants: a customer's free basic allowance of a kind
// for a month, with the vend that gave it. Its primary key (customer, kind, month) is what makes
// the allowance once a month per customer and kind, however many meters the customer has.
type freeBasicGrantRow struct {
	bun.BaseModel `bun:"table:free_basic_grants,alias:fbg"`

	CustomerID    int64  `bun:"customer_id,pk"`
	Kind          string `bun:"kind,pk"`
	Month         string `bun:"month,pk"`
	VendReference string `bun:"vend_reference"`
}

// claimFreeBasicSQL inserts a grant unless its key is taken. On PostgreSQL a concurrent
// transaction's uncommitted grant of the same key makes it wait for that transaction: it then
// inserts nothing if the other committed, or inserts if it rolled back. SQLite has one writer.
const claimFreeBasicSQL = "INSERT INTO free_basic_grants (customer_id, kind, month, vend_reference) VALUES (?, ?, ?, ?) " +
	"ON CONFLICT (customer_id, kind, month) DO NOTHING RETURNING customer_id"

// ClaimFreeBasic records a customer's free basic allowance of a kind for a month in the vend's
// transaction; false when it is recorded already.
func (t *vendTx) ClaimFreeBasic(ctx context.Context, g core.FreeBasicGrant) (bool, error) {
	var customer int64
	err := t.db.scanP(ctx, t.tx, &customer, claimFreeBasicSQL, g.CustomerID, string(g.Kind), g.Month, g.VendReference)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, dbError(err)
	}
	return true, nil
}
