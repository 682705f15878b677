package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/vendgate/vendgate/backoffice"
)

// ledgerReport is what ledger check prints; a difference exits 1.
type ledgerReport backoffice.LedgerReport

func (r ledgerReport) failure() string {
	if len(r.Differences) == 0 {
		return ""
	}
	return fmt.Sprintf("%d agents' balances differ from their ledger", len(r.Differences))
}

// adminLedgerCheck recomputes every agent's balance from the ledger; a difference exits 1.
var adminLedgerCheck = adminCommand{summary: "recompute every agent's balance from the ledger (a difference exits 1)", setup: func(*flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	return func(ctx context.Context, a *adminEnv) (any, error) {
		r, err := a.svc.CheckLedger(ctx, a.actor)
		if err != nil {
			return nil, err
		}
		return ledgerReport(r), nil
	}
}}
