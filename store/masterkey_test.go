package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
)

// TestMasterKeyCheckAndProbe: the master key's check value is stored once, a wrong key is told
// from the right one by core.CheckMasterKey on either database, and the write probe writes.
func TestMasterKeyCheckAndProbe(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		if _, err := db.MasterKeyCheck(ctx); !errors.Is(err, core.ErrNotFound) {
			t.Fatalf("a new database's check value: %v, want ErrNotFound", err)
		}
		right, _ := core.NewSealer(bytes.Repeat([]byte{1}, 32))
		wrong, _ := core.NewSealer(bytes.Repeat([]byte{2}, 32))
		must(t, core.CheckMasterKey(ctx, db, right))
		must(t, core.CheckMasterKey(ctx, db, right))
		if err := core.CheckMasterKey(ctx, db, wrong); !errors.Is(err, core.ErrWrongMasterKey) {
			t.Fatalf("a wrong master key: %v, want ErrWrongMasterKey", err)
		}
		if err := db.SetMasterKeyCheck(ctx, []byte("x")); !errors.Is(err, core.ErrDuplicate) {
			t.Fatalf("a second check value: %v, want ErrDuplicate", err)
		}
		if _, err := db.AnySealedVendingKey(ctx); !errors.Is(err, core.ErrNotFound) {
			t.Fatalf("no supply group: %v, want ErrNotFound", err)
		}
		must(t, db.ProbeWrite(ctx, "node-a"))
		must(t, db.ProbeWrite(ctx, "node-a"))
	})
}
