package store

import (
	"context"
	"sync"
	"time"

	"github.com/vendgate/vendgate/core"
)

var (
	_ core.AgentReader  = (*AgentCache)(nil)
	_ core.APIKeyReader = (*AgentCache)(nil)
)

// AgentCache answers the two agent reads of every vend (who holds this API key; is the agent
// active, for which utility, at what commission) from memory for a short time. A busy agent's row
// is updated by each of its vends, and under load PostgreSQL cannot prune the row's old versions
// while older transactions are open, so every read of it walks a growing chain of versions: at
// 700 vends/s from one agent those two reads cost more PostgreSQL CPU than the rest of the vend.
//
// The cached agent's Balance is stale: show balances from DB.Agent, never from here. Revoking an
// API key or deactivating an agent takes effect within the TTL on every node; the float itself is
// always checked in the vend's transaction. Misses are not cached, so a new key works at once.
type AgentCache struct {
	db     *DB
	ttl    time.Duration
	byID   sync.Map // int64 -> cachedAgent
	byHash sync.Map // string -> cachedAgent
}

type cachedAgent struct {
	agent core.Agent
	until time.Time
}

// NewAgentCache returns a cache over db that keeps agents for ttl (by the store's clock).
func (db *DB) NewAgentCache(ttl time.Duration) *AgentCache {
	return &AgentCache{db: db, ttl: ttl}
}

// Agent returns an agent (with a stale balance), or core.ErrNotFound.
func (c *AgentCache) Agent(ctx context.Context, id int64) (core.Agent, error) {
	return c.get(&c.byID, id, func() (core.Agent, error) { return c.db.Agent(ctx, id) })
}

// AgentByAPIKeyHash returns the agent of an unrevoked API key (with a stale balance), or
// core.ErrNotFound.
func (c *AgentCache) AgentByAPIKeyHash(ctx context.Context, hash string) (core.Agent, error) {
	return c.get(&c.byHash, hash, func() (core.Agent, error) { return c.db.AgentByAPIKeyHash(ctx, hash) })
}

func (c *AgentCache) get(m *sync.Map, key any, load func() (core.Agent, error)) (core.Agent, error) {
	now := c.db.now()
	if e, ok := m.Load(key); ok && now.Before(e.(cachedAgent).until) {
		return e.(cachedAgent).agent, nil
	}
	a, err := load()
	if err != nil {
		return core.Agent{}, err
	}
	m.Store(key, cachedAgent{agent: a, until: now.Add(c.ttl)})
	return a, nil
}
