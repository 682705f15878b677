package store

import (
	"context"

	"github.com/uptrace/bun/migrate"

	"github.com/vendgate/vendgate/store/internal/migrations"
)

// MigrateBefore runs the migrations older than version, so that a test can store data in the
// schema as it stood before a migration and then run it (Migrate).
func (db *DB) MigrateBefore(ctx context.Context, version string) error {
	older := migrate.NewMigrations()
	for _, m := range migrations.Migrations.Sorted() {
		if m.Name < version {
			older.Add(m)
		}
	}
	m := migrate.NewMigrator(db.bun, older, migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(ctx); err != nil {
		return err
	}
	_, err := m.Migrate(ctx)
	return err
}

// Exec runs a statement (bun's ? placeholders) outside the store's API.
func (db *DB) Exec(ctx context.Context, query string, args ...any) error {
	_, err := db.bun.ExecContext(ctx, query, args...)
	return err
}

// RollbackLast rolls back the last group of migrations that Migrate ran.
func (db *DB) RollbackLast(ctx context.Context) error {
	m := migrate.NewMigrator(db.bun, migrations.Migrations, migrate.WithMarkAppliedOnSuccess(true))
	_, err := m.Rollback(ctx)
	return err
}

// ScanInt runs a query that returns one integer.
func (db *DB) ScanInt(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := db.bun.QueryRowContext(ctx, query, args...).Scan(&n)
	return n, err
}
