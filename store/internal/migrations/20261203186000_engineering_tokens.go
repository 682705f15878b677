package migrations

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Engineering and test tokens issued for a meter (set power limit, clear credit, clear tamper, set
// tariff rate, set phase unbalance limit, set water factor, class 1 test): the token, its TID from
// the meter's counter (0 for a test token), the value it carries, the reason and who asked; and the
// reprint counter of every token a meter was given (a vend's, by vend and place, or an
// engineering token's).
func init() {
	type engineeringToken struct {
		bun.BaseModel `bun:"table:engineering_tokens"`

		ID          int64     `bun:",pk,autoincrement"`
		MeterID     int64     `bun:",notnull"`
		MeterNumber string    `bun:",notnull"`
		UtilityID   int64     `bun:",notnull"`
		Class       int16     `bun:",notnull"`
		Subclass    int16     `bun:",notnull"`
		Value       int64     `bun:",notnull"`
		Token       string    `bun:",notnull,type:varchar(20)"`
		TID         int64     `bun:"tid,notnull"`
		Reason      string    `bun:",notnull,type:text"`
		RequestedBy string    `bun:",notnull"`
		CreatedAt   time.Time `bun:",notnull"`
	}
	type tokenReprint struct {
		bun.BaseModel `bun:"table:token_reprints"`

		Source   string    `bun:",pk"` // "vend" or "engineering"
		RecordID int64     `bun:",pk"` // the vend's ID or the engineering token's
		Seq      int16     `bun:",pk"` // the token's place on the vend; 1 for an engineering token
		Count    int64     `bun:",notnull"`
		LastAt   time.Time `bun:",notnull"`
		LastBy   string    `bun:",notnull"`
	}
	up := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if err := createTables(ctx, tx, []table{
				{model: (*engineeringToken)(nil), fks: []string{`("meter_id") REFERENCES "meters" ("id")`}},
				{model: (*tokenReprint)(nil)},
			}); err != nil {
				return err
			}
			return createIndexes(ctx, tx, []index{
				{table: "engineering_tokens", name: "engineering_tokens_meter", columns: []string{"meter_id", "id"}},
			})
		})
	}
	down := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return dropTables(ctx, tx, "token_reprints", "engineering_tokens")
		})
	}
	Migrations.MustRegister(up, down)
}
