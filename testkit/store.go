package testkit

import (
	"context"
	"testing"

	"github.com/vendgate/vendgate/store"
)

// EachDB runs fn as the subtests SQLite and PostgreSQL, each on a fresh, migrated database: the
// store's code runs the same on both, and its tests prove it on both.
func EachDB(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("SQLite", func(t *testing.T) { fn(t, OpenDB(t, "")) })
	t.Run("PostgreSQL", func(t *testing.T) { fn(t, OpenDB(t, PostgresURL(t))) })
}

// OpenDB opens and migrates the database of url (PostgresURL's), or with url empty an embedded
// SQLite database in a temporary directory; it is closed when the test ends.
func OpenDB(tb testing.TB, url string) *store.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, url, tb.TempDir())
	if err != nil {
		tb.Fatalf("opening the database: %v", err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(ctx); err != nil {
		tb.Fatalf("migrating: %v", err)
	}
	return db
}
