package store_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
)

// TestAgentCache: a revoked key keeps working only until the TTL ends; a
// new key works at once. The cache logic is the same on both databases, so SQLite only.
func TestAgentCache(t *testing.T) {
	ctx := context.Background()
	var clock atomic.Int64
	clock.Store(now.UnixNano())
	db, err := store.Open(ctx, "", t.TempDir(), store.WithClock(func() time.Time { return time.Unix(0, clock.Load()) }))
	must(t, err)
	t.Cleanup(func() { _ = db.Close() })
	must(t, db.Migrate(ctx))
	f := seed(t, db)
	cache := db.NewAgentCache(2 * time.Second)

	key, hash, err := core.NewAPIKey()
	must(t, err)
	if _, err := cache.AgentByAPIKeyHash(ctx, hash); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("a key not yet issued: got %v, want core.ErrNotFound", err)
	}
	id, err := db.IssueAPIKey(ctx, f.agent.ID, hash, "till")
	must(t, err)
	got, err := core.Authenticate(ctx, cache, key)
	if err != nil || got.ID != f.agent.ID {
		t.Fatalf("a new key right after a miss: got agent %d, %v; want agent %d", got.ID, err, f.agent.ID)
	}
	must(t, db.RevokeAPIKey(ctx, id))
	clock.Add(int64(time.Second))
	if _, err := core.Authenticate(ctx, cache, key); err != nil {
		t.Errorf("a key revoked 1 s ago, TTL 2 s: got %v, want it still cached", err)
	}
	clock.Add(int64(1500 * time.Millisecond))
	if _, err := core.Authenticate(ctx, cache, key); core.ErrorCode(err) != core.CodeUnauthorized {
		t.Errorf("a key revoked 2.5 s ago, TTL 2 s: got %v, want unauthorized", err)
	}
	a, err := cache.Agent(ctx, f.agent.ID)
	if err != nil || a.ID != f.agent.ID || !a.Active {
		t.Errorf("Agent(%d): got %+v, %v", f.agent.ID, a, err)
	}
}
