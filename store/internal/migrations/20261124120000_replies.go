package migrations

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Replies: the outbox of messages Vendgate owes (a vend's token SMS), written in the transaction
// that causes them and delivered at least once by a relay, and the ids the outward links gave
// each one (a long SMS has one per part), by which delivery receipts find their reply.
func init() {
	type reply struct {
		bun.BaseModel `bun:"table:replies"`

		ID            int64     `bun:",pk,autoincrement"`
		VendID        *int64    `bun:"vend_id"`
		Channel       string    `bun:",notnull"`
		Route         string    `bun:",notnull"`
		Recipient     string    `bun:",notnull"`
		Sender        string    `bun:",notnull"`
		Body          string    `bun:",notnull,type:text"`
		Status        string    `bun:",notnull"`
		Attempts      int32     `bun:",notnull"`
		Claim         int64     `bun:",notnull"`
		NextAttemptAt time.Time `bun:",notnull"`
		LastError     string    `bun:",notnull,type:text"`
		ExternalID    string    `bun:",notnull,type:text"`
		ReceiptStatus string    `bun:",notnull"`
		ReceiptAt     time.Time `bun:",nullzero"`
		CreatedAt     time.Time `bun:",notnull"`
		DeliveredAt   time.Time `bun:",nullzero"`
		FailedAt      time.Time `bun:",nullzero"`
	}
	type replyExternalID struct {
		bun.BaseModel `bun:"table:reply_external_ids"`

		ReplyID    int64  `bun:",pk"`
		ExternalID string `bun:",pk"`
		Route      string `bun:",notnull"`
	}
	up := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if err := createTables(ctx, tx, []table{
				{model: (*reply)(nil), fks: []string{`("vend_id") REFERENCES "vends" ("id")`}},
				{model: (*replyExternalID)(nil), fks: []string{`("reply_id") REFERENCES "replies" ("id")`}},
			}); err != nil {
				return err
			}
			return createIndexes(ctx, tx, []index{
				{table: "replies", name: "replies_status_next_attempt_at_idx", columns: []string{"status", "next_attempt_at"}},
				{table: "replies", name: "replies_vend_id_idx", columns: []string{"vend_id"}},
				{table: "reply_external_ids", name: "reply_external_ids_route_external_id_idx", columns: []string{"route", "external_id"}},
			})
		})
	}
	down := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return dropTables(ctx, tx, "reply_external_ids", "replies")
		})
	}
	Migrations.MustRegister(up, down)
}
