package migrations

import (
	"context"

	"github.com/uptrace/bun"
)

// The master key's check value (core.Sealer.CheckValue): one row, written on the first start,
// against which every later start tests the master key it was given.
func init() {
	type masterKeyCheck struct {
		bun.BaseModel `bun:"table:master_key_check"`

		ID    int64  `bun:",pk"` // always 1
		Check []byte `bun:",notnull"`
	}
	up := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return createTables(ctx, tx, []table{{model: (*masterKeyCheck)(nil)}})
		})
	}
	down := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return dropTables(ctx, tx, "master_key_check")
		})
	}
	Migrations.MustRegister(up, down)
}
