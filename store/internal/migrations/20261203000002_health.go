package migrations

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// The readiness probe's write (store.DB.ProbeWrite): one row per node, updated at each probe, so
// that a database that reads but cannot write (a full disk, a read-only replica) is not ready.
func init() {
	type health struct {
		bun.BaseModel `bun:"table:health"`

		Node      string    `bun:",pk,type:varchar(64)"`
		CheckedAt time.Time `bun:",notnull"`
	}
	up := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return createTables(ctx, tx, []table{{model: (*health)(nil)}})
		})
	}
	down := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return dropTables(ctx, tx, "health")
		})
	}
	Migrations.MustRegister(up, down)
}
