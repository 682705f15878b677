package testkit

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/uptrace/bun/driver/pgdriver"
)

// PostgresURL creates a fresh, empty database on the PostgreSQL server of
// VENDGATE_TEST_DATABASE_URL (make test starts one), drops it when the test ends, and returns its
// URL. Without the variable the test fails: database tests never skip.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv("VENDGATE_TEST_DATABASE_URL")
	if base == "" {
		tb.Fatal("VENDGATE_TEST_DATABASE_URL is not set: run make test, which starts PostgreSQL")
	}
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("VENDGATE_TEST_DATABASE_URL: %v", err)
	}
	admin := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(base)))
	tb.Cleanup(func() { _ = admin.Close() })
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	name := "vg_test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("creating a test database on VENDGATE_TEST_DATABASE_URL's server: %v", err)
	}
	tb.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("dropping %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}
