package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uptrace/bun/driver/sqliteshim"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

// eachDB runs fn as the subtests SQLite and PostgreSQL, each on a fresh database.
func eachDB(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	testkit.EachDB(t, fn)
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	t.Run("SQLite", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		db, err := store.Open(ctx, "", dir)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if got := db.Dialect(); got != "sqlite" {
			t.Errorf("Dialect() = %q, want sqlite", got)
		}
		if err := db.Ping(ctx); err != nil {
			t.Errorf("Ping: %v", err)
		}
		fi, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o700 {
			t.Errorf("data directory mode %o, want 700", got)
		}
		if _, err := os.Stat(filepath.Join(dir, "vendgate.db")); err != nil {
			t.Errorf("the database file: %v", err)
		}
		// WAL is a property of the file: a plain connection sees what the store's DSN set.
		raw, err := sql.Open(sqliteshim.ShimName, "file:"+filepath.Join(dir, "vendgate.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		var mode string
		if err := raw.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
			t.Errorf("journal_mode %q (%v), want wal", mode, err)
		}
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		db := testkit.OpenDB(t, testkit.PostgresURL(t))
		if got := db.Dialect(); got != "postgres" {
			t.Errorf("Dialect() = %q, want postgres", got)
		}
		if err := db.Ping(ctx); err != nil {
			t.Errorf("Ping: %v", err)
		}
	})
	t.Run("ErrUnknownScheme", func(t *testing.T) {
		_, err := store.Open(ctx, "mysql://root:secret@localhost/vendgate", t.TempDir())
		if err == nil {
			t.Fatal("Open(mysql://...) succeeded, want an error")
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("the error %q shows the URL's password", err)
		}
		if !strings.Contains(err.Error(), "postgres://") {
			t.Errorf("the error %q does not say what is accepted", err)
		}
	})
	t.Run("ErrNoDataDir", func(t *testing.T) {
		if _, err := store.Open(ctx, "", ""); err == nil {
			t.Fatal(`Open("", "") succeeded, want an error`)
		}
	})
}

func TestMigrateTwice(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		u := &core.Utility{Name: "Kept", Currency: zar}
		if err := db.CreateUtility(ctx, u); err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			if err := db.Migrate(ctx); err != nil {
				t.Fatalf("Migrate again (%d): %v", i+1, err)
			}
		}
		// The data survives and the schema is whole.
		if err := db.CreateUtility(ctx, &core.Utility{Name: "Kept", Currency: zar}); !errors.Is(err, core.ErrDuplicate) {
			t.Errorf("a second utility with the same name: got %v, want core.ErrDuplicate", err)
		}
	})
}
