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
	if backoffice.LedgerReport(r).OK() {
		return ""
	}
	return fmt.Sprintf("the ledger disagrees with %d agents' balances, %d customers' debts and %d charges",
		len(r.Differences), len(r.CustomerDifferences), len(r.ChargeDifferences))
}

// adminLedgerCheck recomputes every agent's balance, customer's debt and charge from the ledger;
// a difference exits 1.
var adminLedgerCheck = adminCommand{summary: "recompute agents' balances, customers' debts and charges from the ledger (a difference exits 1)", setup: func(*flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	return func(ctx context.Context, a *adminEnv) (any, error) {
		r, err := a.svc.CheckLedger(ctx, a.actor)
		if err != nil {
			return nil, err
		}
		return ledgerReport(r), nil
	}
}}
