package migrations

import (
	"context"

	"github.com/uptrace/bun"
)

// Institutions: the banks and switches that connect over ISO 8583, each selling from an agent
// account of kind bank.
func init() {
	type institution struct {
		bun.BaseModel `bun:"table:institutions"`

		ID      int64  `bun:",pk,autoincrement"`
		Code    string `bun:",notnull,unique,type:varchar(11)"`
		Name    string `bun:",notnull"`
		AgentID int64  `bun:",notnull,unique"`
		Allowed string `bun:",notnull,type:text"` // networks in CIDR form, separated by spaces
		Active  bool   `bun:",notnull"`
	}
	up := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return createTables(ctx, tx, []table{
				{model: (*institution)(nil), fks: []string{`("agent_id") REFERENCES "agents" ("id")`}},
			})
		})
	}
	down := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return dropTables(ctx, tx, "institutions")
		})
	}
	Migrations.MustRegister(up, down)
}
