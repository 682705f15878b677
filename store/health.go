package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

type healthRow struct {
	bun.BaseModel `bun:"table:health"`

	Node      string    `bun:"node,pk"`
	CheckedAt time.Time `bun:"checked_at"`
}

// ProbeWrite checks that the database takes writes, not only reads: it upserts node's row of the
// health table in a write transaction, as a sale would. A full disk, a read-only database or a
// write lock held past the context's deadline fail it.
func (db *DB) ProbeWrite(ctx context.Context, node string) error {
	return dbError(db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(&healthRow{Node: node, CheckedAt: db.utc()}).
			On("CONFLICT (node) DO UPDATE").Set("checked_at = EXCLUDED.checked_at").Exec(ctx)
		return err
	}))
}
