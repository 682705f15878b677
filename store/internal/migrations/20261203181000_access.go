package migrations

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Operator access: server-side sessions and scoped API tokens. Each row keeps the SHA-256 of its
// secret, never the secret: a copy of the database signs nobody in.
func init() {
	type operatorSession struct {
		bun.BaseModel `bun:"table:operator_sessions"`

		ID           int64     `bun:",pk,autoincrement"`
		OperatorID   int64     `bun:",notnull"`
		TokenHash    string    `bun:",notnull,unique,type:varchar(64)"`
		CSRF         string    `bun:"csrf,notnull,type:text"`
		CreatedAt    time.Time `bun:",notnull"`
		LastSeen     time.Time `bun:",notnull"`
		ExpiresAt    time.Time `bun:",notnull"`
		From         string    `bun:"from_addr,notnull"`
		SecondFactor bool      `bun:",notnull"`
		RevokedAt    time.Time `bun:",nullzero"`
	}
	type apiToken struct {
		bun.BaseModel `bun:"table:api_tokens"`

		ID           int64     `bun:",pk,autoincrement"`
		OperatorID   int64     `bun:",notnull"`
		Label        string    `bun:",notnull"`
		Permissions  string    `bun:",notnull,type:text"` // space-separated, sorted
		TokenHash    string    `bun:",notnull,unique,type:varchar(64)"`
		SecondFactor bool      `bun:",notnull"`
		CreatedAt    time.Time `bun:",notnull"`
		ExpiresAt    time.Time `bun:",notnull"`
		RevokedAt    time.Time `bun:",nullzero"`
	}
	up := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			fk := []string{`("operator_id") REFERENCES "operators" ("id")`}
			if err := createTables(ctx, tx, []table{{model: (*operatorSession)(nil), fks: fk}, {model: (*apiToken)(nil), fks: fk}}); err != nil {
				return err
			}
			return createIndexes(ctx, tx, []index{
				{table: "operator_sessions", name: "operator_sessions_operator", columns: []string{"operator_id", "id"}},
				{table: "api_tokens", name: "api_tokens_operator", columns: []string{"operator_id", "id"}},
			})
		})
	}
	down := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return dropTables(ctx, tx, "api_tokens", "operator_sessions")
		})
	}
	Migrations.MustRegister(up, down)
}
