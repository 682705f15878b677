// Package migrations holds the store's schema migrations as Go code run by bun's migrate package.
//
// Each migration is frozen: it declares its own table structs, as the schema stood when it was
// written, and builds its tables and indexes through bun, so that the same migration creates the
// same schema on PostgreSQL and on SQLite. A later change to the store's row structs is a new
// migration, never an edit of an old one. File names start with the migration's version
// (YYYYMMDDHHMMSS), which is how bun orders and records them.
package migrations

import (
	"context"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

// Migrations are the store's migrations, registered by the files of this package.
var Migrations = migrate.NewMigrations()

// createTables creates each model's table (if it does not exist) with its foreign keys.
func createTables(ctx context.Context, tx bun.Tx, tables []table) error {
	for _, t := range tables {
		q := tx.NewCreateTable().Model(t.model).IfNotExists()
		for _, fk := range t.fks {
			q = q.ForeignKey(fk)
		}
		if _, err := q.Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// createIndexes creates indexes (if they do not exist).
func createIndexes(ctx context.Context, tx bun.Tx, indexes []index) error {
	for _, ix := range indexes {
		q := tx.NewCreateIndex().Table(ix.table).Index(ix.name).Column(ix.columns...).IfNotExists()
		if ix.unique {
			q = q.Unique()
		}
		if _, err := q.Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// dropTables drops tables, in the order given (dependants first).
func dropTables(ctx context.Context, tx bun.Tx, names ...string) error {
	for _, name := range names {
		if _, err := tx.NewDropTable().Table(name).IfExists().Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

type table struct {
	model any
	fks   []string
}

type index struct {
	table, name string
	columns     []string
	unique      bool
}
