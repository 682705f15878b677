package memstore

import (
	"context"

	"github.com/vendgate/vendgate/core"
)

// SetAgentSales gives an agent a selling state (its contract state and limits; what it has sold
// too), as the back office's contracts and sales limits do in the SQL store.
func (s *Store) SetAgentSales(agentID int64, st core.AgentSales) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.selling == nil {
		s.selling = map[int64]core.AgentSales{}
	}
	s.selling[agentID] = st
}

// AgentSales returns an agent's selling state as committed, and whether it has one.
func (s *Store) AgentSales(agentID int64) (core.AgentSales, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.selling[agentID]
	return st, ok
}

// AddAgentSales locks the agent's row until the transaction ends and adds the tally to its
// sales of the day and month, as the SQL store's guarded update does (store/saleslimit.go).
func (t *vendTx) AddAgentSales(ctx context.Context, agentID int64, tally core.SalesTally) (core.AgentSales, bool, error) {
	if err := t.s.failed(ctx, "AddAgentSales"); err != nil {
		return core.AgentSales{}, false, err
	}
	if err := t.lock(ctx, agentLock(agentID)); err != nil {
		return core.AgentSales{}, false, err
	}
	st, ok := t.sales[agentID]
	if !ok {
		t.s.mu.Lock()
		st, ok = t.s.selling[agentID]
		t.s.mu.Unlock()
		if !ok {
			return core.AgentSales{}, false, nil
		}
	}
	st = core.AddTally(st, tally)
	if t.sales == nil {
		t.sales = map[int64]core.AgentSales{}
	}
	t.sales[agentID] = st
	t.write(func() { t.s.selling[agentID] = st })
	return st, true, nil
}
