package main

import (
	"context"
	"flag"

	"github.com/vendgate/vendgate/core"
)

type ledgerReport struct {
	Agents      int              `json:"agents"`
	Differences []ledgerMismatch `json:"differences"`
}

type ledgerMismatch struct {
	AgentID int64 `json:"agent_id"`
	Balance int64 `json:"balance"`
	Ledger  int64 `json:"ledger"`
}

// adminLedgerCheck recomputes every agent's balance from the ledger; a difference exits 1.
var adminLedgerCheck = adminCommand{"recompute every agent's balance from the ledger (a difference exits 1)", func(*flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	return func(ctx context.Context, a *adminEnv) (any, error) {
		balances, err := a.db.AgentBalances(ctx)
		if err != nil {
			return nil, err
		}
		r := ledgerReport{Agents: len(balances), Differences: []ledgerMismatch{}}
		for id, bal := range balances {
			sum, err := a.db.AccountBalance(ctx, core.AgentAccount(id))
			if err != nil {
				return nil, err
			}
			if sum != bal {
				r.Differences = append(r.Differences, ledgerMismatch{AgentID: id, Balance: int64(bal), Ledger: int64(sum)})
			}
		}
		return r, nil
	}
}}
