package migrations

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Four-eyes approval: the approval policy of each action a utility has changed from its default
// (which actions need a second operator, above which amount, how long a request waits), and the
// approval requests, each with the action's stored payload and its SHA-256, its maker, and its
// checker once decided.
func init() {
	type approvalPolicy struct {
		bun.BaseModel `bun:"table:approval_policies"`

		Action        string `bun:",pk"`
		Required      bool   `bun:",notnull"`
		Threshold     int64  `bun:",notnull"`
		ExpirySeconds int64  `bun:",notnull"`
		Version       int64  `bun:",notnull"`
	}
	type approvalRequest struct {
		bun.BaseModel `bun:"table:approval_requests"`

		ID             int64     `bun:",pk,autoincrement"`
		Action         string    `bun:",notnull"`
		Permission     string    `bun:",notnull"`
		Target         string    `bun:",notnull"`
		UtilityID      int64     `bun:",notnull"`
		Summary        string    `bun:",notnull,type:text"`
		Payload        string    `bun:",notnull,type:text"`
		PayloadHash    string    `bun:",notnull,type:varchar(64)"`
		Amount         int64     `bun:",notnull"`
		MakerID        int64     `bun:",notnull"`
		MakerName      string    `bun:",notnull"`
		CheckerID      int64     `bun:",notnull"`
		CheckerName    string    `bun:",notnull"`
		Status         string    `bun:",notnull"`
		DecisionReason string    `bun:",notnull,type:text"`
		CreatedAt      time.Time `bun:",notnull"`
		ExpiresAt      time.Time `bun:",notnull"`
		DecidedAt      time.Time `bun:",nullzero"`
	}
	up := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if err := createTables(ctx, tx, []table{{model: (*approvalPolicy)(nil)}, {model: (*approvalRequest)(nil)}}); err != nil {
				return err
			}
			return createIndexes(ctx, tx, []index{
				{table: "approval_requests", name: "approval_requests_status", columns: []string{"status", "id"}},
				{table: "approval_requests", name: "approval_requests_due", columns: []string{"status", "expires_at"}},
			})
		})
	}
	down := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return dropTables(ctx, tx, "approval_requests", "approval_policies")
		})
	}
	Migrations.MustRegister(up, down)
}
