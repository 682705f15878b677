package memstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/vendgate/vendgate/core"
)

var (
	_ core.AgentReader  = (*Store)(nil)
	_ core.APIKeyReader = (*Store)(nil)
)

type apiKey struct {
	agentID int64
	hash    string
	revoked bool
}

// entry is a ledger entry.
type entry struct {
	id     int64
	vendID int64
	at     time.Time
	core.LedgerEntry
}

// CreateAgent stores an agent with a balance of 0 (floats move only through TopUp and vends)
// and sets its ID and Balance. An empty kind is retail; the currency is the utility's.
func (s *Store) CreateAgent(_ context.Context, a *core.Agent) error {
	if a.Kind == "" {
		a.Kind = core.AgentRetail
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.utilities[a.UtilityID]
	if !ok {
		return unknownReference("utility", a.UtilityID)
	}
	a.ID, a.Balance, a.Currency = s.nextID("agents"), 0, u.Currency
	s.agents[a.ID] = *a
	return nil
}

// Agent returns an agent, or core.ErrNotFound.
func (s *Store) Agent(ctx context.Context, id int64) (core.Agent, error) {
	if err := s.failed(ctx, "Agent"); err != nil {
		return core.Agent{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.agents[id]
	if !ok {
		return core.Agent{}, core.ErrNotFound
	}
	return a, nil
}

// SetAgentActive activates or deactivates an agent.
func (s *Store) SetAgentActive(id int64, active bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.agents[id]
	if !ok {
		return core.ErrNotFound
	}
	a.Active = active
	s.agents[id] = a
	return nil
}

// IssueAPIKey stores the hash of a new API key for an agent and returns the key's ID.
func (s *Store) IssueAPIKey(_ context.Context, agentID int64, hash, _ string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.agents[agentID]; !ok {
		return 0, unknownReference("agent", agentID)
	}
	for _, k := range s.apiKeys {
		if k.hash == hash {
			return 0, fmt.Errorf("%w: API key", core.ErrDuplicate)
		}
	}
	id := s.nextID("api_keys")
	s.apiKeys[id] = apiKey{agentID: agentID, hash: hash}
	return id, nil
}

// RevokeAPIKey revokes an API key; an unknown or already revoked key is core.ErrNotFound.
func (s *Store) RevokeAPIKey(_ context.Context, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.apiKeys[id]
	if !ok || k.revoked {
		return core.ErrNotFound
	}
	k.revoked = true
	s.apiKeys[id] = k
	return nil
}

// AgentByAPIKeyHash returns the agent of an unrevoked API key, or core.ErrNotFound.
func (s *Store) AgentByAPIKeyHash(ctx context.Context, hash string) (core.Agent, error) {
	if err := s.failed(ctx, "AgentByAPIKeyHash"); err != nil {
		return core.Agent{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.apiKeys {
		if k.hash == hash && !k.revoked {
			return s.agents[k.agentID], nil
		}
	}
	return core.Agent{}, core.ErrNotFound
}

// TopUp adds amount to an agent's float (agent +amount, the utility's cash -amount) and returns
// the new balance; an unknown agent is core.ErrNotFound.
func (s *Store) TopUp(ctx context.Context, agentID int64, amount core.Money, memo string) (core.Money, error) {
	if amount <= 0 {
		return 0, core.Errorf(core.CodeInvalid, core.ReasonInvalidAmount, "a top-up must be positive")
	}
	if memo == "" {
		memo = "top-up"
	}
	var balance core.Money
	err := s.run(func(t *txn) error {
		if err := t.lock(ctx, agentLock(agentID)); err != nil {
			return err
		}
		s.mu.Lock()
		a, ok := s.agents[agentID]
		s.mu.Unlock()
		if !ok {
			return core.ErrNotFound
		}
		balance = a.Balance + amount
		at := s.now()
		t.write(func() {
			s.addToBalance(agentID, amount)
			s.addEntries(0, at, []core.LedgerEntry{
				{Account: core.AgentAccount(agentID), Amount: amount, Memo: memo},
				{Account: core.UtilityAccount(a.UtilityID, "cash"), Amount: -amount, Memo: memo},
			})
		})
		return nil
	})
	return balance, err
}

// addToBalance moves an agent's balance. s.mu is held.
func (s *Store) addToBalance(agentID int64, amount core.Money) {
	a := s.agents[agentID]
	a.Balance += amount
	s.agents[agentID] = a
}

// addEntries books ledger entries. s.mu is held.
func (s *Store) addEntries(vendID int64, at time.Time, es []core.LedgerEntry) {
	for _, e := range es {
		s.entries = append(s.entries, entry{id: s.nextID("ledger_entries"), vendID: vendID, at: at, LedgerEntry: e})
	}
}

// Statement returns an agent's ledger entries with IDs below beforeID (0: from the newest),
// newest first, at most limit (default 50, at most 1000), each with the running balance after it.
func (s *Store) Statement(ctx context.Context, agentID, beforeID int64, limit int) ([]core.StatementLine, error) {
	if err := s.failed(ctx, "Statement"); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 1000)
	account := core.AgentAccount(agentID)
	s.mu.Lock()
	defer s.mu.Unlock()
	var (
		out     []core.StatementLine
		balance core.Money
	)
	for _, e := range s.entries { // in ID order
		if e.Account != account {
			continue
		}
		balance += e.Amount
		if beforeID > 0 && e.id >= beforeID {
			continue
		}
		ref := ""
		if v := s.vends[e.vendID]; v != nil {
			ref = v.Reference
		}
		out = append(out, core.StatementLine{ID: e.id, At: e.at, Amount: e.Amount, Balance: balance, Memo: e.Memo, Reference: ref})
	}
	slices.Reverse(out)
	return out[:min(limit, len(out))], nil
}

// AccountBalance returns the sum of an account's ledger entries.
func (s *Store) AccountBalance(_ context.Context, account string) (core.Money, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var sum core.Money
	for _, e := range s.entries {
		if e.Account == account {
			sum += e.Amount
		}
	}
	return sum, nil
}

// LedgerBalanced reports whether every vend's and top-up's entries sum to zero, with the sum of
// all entries (0 when balanced).
func (s *Store) LedgerBalanced() (core.Money, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var sum core.Money
	for _, e := range s.entries {
		sum += e.Amount
	}
	return sum, sum == 0
}

func agentLock(id int64) string { return fmt.Sprintf("agent:%d", id) }
