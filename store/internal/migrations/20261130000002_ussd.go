package migrations

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// The SMS and USSD channels: the telecom operators' service codes, the phones' preferences
// (subscribers) and the USSD sessions between an aggregator's callbacks.
func init() {
	type serviceCode struct {
		bun.BaseModel `bun:"table:service_codes"`

		ID      int64  `bun:",pk,autoincrement"`
		Channel string `bun:",notnull,type:varchar(8),unique:service_codes_key"`
		Code    string `bun:",notnull,type:varchar(32),unique:service_codes_key"`
		AgentID int64  `bun:",notnull"`
		Route   string `bun:",notnull"`
		Active  bool   `bun:",notnull"`
	}
	type subscriber struct {
		bun.BaseModel `bun:"table:subscribers"`

		Phone        string    `bun:",pk,type:varchar(15)"`
		Language     string    `bun:",notnull"`
		DefaultMeter string    `bun:",notnull,type:varchar(13)"`
		UpdatedAt    time.Time `bun:",notnull"`
	}
	type ussdSession struct {
		bun.BaseModel `bun:"table:ussd_sessions"`

		SessionID   string    `bun:",pk,type:varchar(160)"`
		Phone       string    `bun:",notnull,type:varchar(15)"`
		ServiceCode string    `bun:",notnull,type:varchar(32)"`
		Language    string    `bun:",notnull"`
		State       string    `bun:",notnull,type:text"` // JSON, the USSD adapter's
		Text        string    `bun:",notnull,type:text"`
		Screen      string    `bun:",notnull,type:text"` // holds the tokens once a purchase is done
		VendID      int64     `bun:",nullzero"`
		CreatedAt   time.Time `bun:",notnull"`
		UpdatedAt   time.Time `bun:",notnull"`
		ExpiresAt   time.Time `bun:",notnull"`
	}
	up := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if err := createTables(ctx, tx, []table{
				{model: (*serviceCode)(nil), fks: []string{`("agent_id") REFERENCES "agents" ("id")`}},
				{model: (*subscriber)(nil)},
				{model: (*ussdSession)(nil)},
			}); err != nil {
				return err
			}
			return createIndexes(ctx, tx, []index{
				{table: "ussd_sessions", name: "ussd_sessions_expires_at", columns: []string{"expires_at"}},
				{table: "customers", name: "customers_phone", columns: []string{"phone"}},
			})
		})
	}
	down := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.NewDropIndex().Index("customers_phone").IfExists().Exec(ctx); err != nil {
				return err
			}
			return dropTables(ctx, tx, "ussd_sessions", "subscribers", "service_codes")
		})
	}
	Migrations.MustRegister(up, down)
}
