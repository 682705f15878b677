package migrations

import (
	"context"

	"github.com/uptrace/bun"
)

// The relays' claim reads the due replies in the order they fell due. An index on (status,
// next_attempt_at) cannot give two statuses in that order, so each claim sorted every due reply:
// 36 ms a claim with 50,000 replies waiting (the SMS backlog in docs/performance.md). This partial
// index holds only the replies still to send, in claim order.
func init() {
	up := func(ctx context.Context, db *bun.DB) error {
		_, err := db.ExecContext(ctx, "CREATE INDEX IF NOT EXISTS replies_due_idx ON replies (next_attempt_at, id) "+
			"WHERE status IN ('pending', 'sending')")
		return err
	}
	down := func(ctx context.Context, db *bun.DB) error {
		_, err := db.ExecContext(ctx, "DROP INDEX IF EXISTS replies_due_idx")
		return err
	}
	Migrations.MustRegister(up, down)
}
