package store

import (
	"context"
	"sync"
	"time"
)

// refTTL is how long reference rows (tariffs, supply groups with their utility, the versions of
// tariffs' prices and of utilities' parameters) are kept in memory. They change only through
// administration; a change made through another node shows here within refTTL. Versions are kept
// whole and the one in effect is chosen at each read, so a version takes effect at its time; one
// added through this node is dropped from the cache as it commits, and one added through another
// node within refTTL (a change that takes effect sooner than that after it is made may price this
// node's vends with the version before it for the rest of refTTL). Meter, customer, agent and
// money rows are never cached.
const refTTL = 30 * time.Second

// refCache keeps reference rows read on every vend, so a vend's meter lookup is a two-table read
// instead of a five-table join that PostgreSQL would plan each time.
type refCache struct {
	mu      sync.Mutex
	entries map[refKey]refEntry
}

type refKey struct {
	table string
	id    int64
}

type refEntry struct {
	row any
	at  time.Time
}

// cachedRow returns a reference row from the cache or loads it.
func cachedRow[T any](ctx context.Context, db *DB, table string, id int64, load func(ctx context.Context, row *T) error) (*T, error) {
	k := refKey{table, id}
	now := time.Now()
	db.refs.mu.Lock()
	e, ok := db.refs.entries[k]
	db.refs.mu.Unlock()
	if ok && now.Sub(e.at) < refTTL {
		return e.row.(*T), nil
	}
	row := new(T)
	if err := load(ctx, row); err != nil {
		return nil, err
	}
	db.refs.mu.Lock()
	defer db.refs.mu.Unlock()
	if db.refs.entries == nil {
		db.refs.entries = make(map[refKey]refEntry)
	}
	db.refs.entries[k] = refEntry{row: row, at: now}
	return row, nil
}

// forget drops a reference row from the cache, so that the next read loads it.
func (c *refCache) forget(table string, id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, refKey{table, id})
}

// clear drops every cached reference row: after an operator changed one.
func (c *refCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = nil
}
