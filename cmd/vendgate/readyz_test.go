package main

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/uptrace/bun/driver/sqliteshim"
)

func readyz(t *testing.T, m *Main) (int, string) {
	t.Helper()
	res, err := http.Get("http://" + m.Addr() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestReadyzNeedsWrites: /readyz is 503 while the database answers reads but takes no write
// (here another process holds its write lock, as a full disk fails every write); it said ready.
func TestReadyzNeedsWrites(t *testing.T) {
	m, _ := bootEmbedded(t)
	if status, body := readyz(t, m); status != http.StatusOK {
		t.Fatalf("readyz: %d %s, want 200", status, body)
	}
	other, err := sql.Open(sqliteshim.ShimName, "file:"+filepath.Join(m.Config.DataDir, "vendgate.db")+"?_pragma=busy_timeout(100)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	if status, body := readyz(t, m); status != http.StatusServiceUnavailable {
		t.Errorf("readyz while no write can be made: %d %s, want 503", status, body)
	}
	if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if status, body := readyz(t, m); status != http.StatusOK {
		t.Fatalf("readyz once writes work again: %d %s, want 200", status, body)
	}
}
