package backoffice

import (
	"context"
	"sort"

	"github.com/vendgate/vendgate/core"
)

// LedgerStore reads balances as the agents table holds them and as the ledger sums them.
type LedgerStore interface {
	// AgentBalancesIn returns the balance of every agent of a utility (0: of every utility).
	AgentBalancesIn(ctx context.Context, utilityID int64) (map[int64]core.Money, error)
	// AccountBalance returns the sum of an account's ledger entries.
	AccountBalance(ctx context.Context, account string) (core.Money, error)
}

// Ledger actions.
const ActionLedgerCheck Action = "ledger.check"

// LedgerReport is what a ledger check found: how many agents it checked and each whose balance
// differs from the sum of its ledger entries.
type LedgerReport struct {
	Agents      int              `json:"agents"`
	Differences []LedgerMismatch `json:"differences"`
}

// LedgerMismatch is an agent whose balance is not its ledger's sum.
type LedgerMismatch struct {
	AgentID int64 `json:"agent_id"`
	Balance int64 `json:"balance"`
	Ledger  int64 `json:"ledger"`
}

// CheckLedger recomputes every agent's balance from the ledger (its utility's agents, for an
// actor limited to one). The check is recorded in the audit trail with what it found.
func (s *Service) CheckLedger(ctx context.Context, a Actor) (LedgerReport, error) {
	r, err := read(ctx, s, a, PermLedgerCheck, ActionLedgerCheck, func(ctx context.Context) (LedgerReport, error) {
		balances, err := s.store.AgentBalancesIn(ctx, a.UtilityID())
		if err != nil {
			return LedgerReport{}, err
		}
		r := LedgerReport{Agents: len(balances), Differences: []LedgerMismatch{}}
		for id, bal := range balances {
			sum, err := s.store.AccountBalance(ctx, core.AgentAccount(id))
			if err != nil {
				return LedgerReport{}, err
			}
			if sum != bal {
				r.Differences = append(r.Differences, LedgerMismatch{AgentID: id, Balance: int64(bal), Ledger: int64(sum)})
			}
		}
		sort.Slice(r.Differences, func(i, j int) bool { return r.Differences[i].AgentID < r.Differences[j].AgentID })
		return r, nil
	})
	if err != nil {
		return r, err
	}
	detail := "every balance matches its ledger: " + itoa(int64(r.Agents)) + " agents"
	if len(r.Differences) > 0 {
		detail = itoa(int64(len(r.Differences))) + " of " + itoa(int64(r.Agents)) + " agents differ from their ledger"
	}
	return r, s.record(ctx, a, PermLedgerCheck, ActionLedgerCheck, Change{Detail: detail})
}
