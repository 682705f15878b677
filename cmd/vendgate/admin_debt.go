package main

import (
	"context"
	"flag"

	"github.com/vendgate/vendgate/core"
)

// A customer's debt on a contract: added, corrected either way, written off (under approval),
// shown.

// debtFlags are the flags of a change of a contract's debt.
type debtFlags struct {
	contract *int64
	amount   *string
	reason   *string
}

func registerDebt(fs *flag.FlagSet, amountHelp string) debtFlags {
	return debtFlags{contract: fs.Int64("contract", 0, "`id` of the contract (required)"),
		amount: fs.String("amount", "", amountHelp),
		reason: fs.String("reason", "", "why, kept in the ledger and the audit trail (required)")}
}

// parse checks the flags: the contract, a non-zero amount from lo, a reason.
func (d debtFlags) parse(lo int64) (int64, core.Money, string, error) {
	if *d.contract <= 0 {
		return 0, 0, "", usagef("--contract: required")
	}
	amt, err := parseInt("amount", *d.amount, lo, 1<<50)
	if err != nil {
		return 0, 0, "", err
	}
	if amt == 0 {
		return 0, 0, "", usagef("--amount: not 0")
	}
	if err := required("reason", *d.reason); err != nil {
		return 0, 0, "", err
	}
	return *d.contract, core.Money(amt), *d.reason, nil
}

var adminDebtAdd = adminCommand{summary: "add to a customer's debt on a contract, with the reason", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	d := registerDebt(fs, "the debt added in minor `units` (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		c, amt, reason, err := d.parse(1)
		if err != nil {
			return nil, err
		}
		return a.svc.AddDebt(ctx, a.actor, c, amt, reason)
	}
}}

var adminDebtAdjust = adminCommand{summary: "correct a customer's debt on a contract either way, with the reason", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	d := registerDebt(fs, "the correction in minor `units`: positive owes more, negative less (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		c, amt, reason, err := d.parse(-(1 << 50))
		if err != nil {
			return nil, err
		}
		return a.svc.AdjustDebt(ctx, a.actor, c, amt, reason)
	}
}}

var adminDebtWriteOff = adminCommand{summary: "write off part or all of a customer's debt on a contract (under approval)", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	d := registerDebt(fs, "the debt written off in minor `units` (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		c, amt, reason, err := d.parse(1)
		if err != nil {
			return nil, err
		}
		return gated(a.svc.WriteOffDebt(ctx, a.actor, c, amt, reason))
	}
}}

var adminDebtShow = adminCommand{summary: "show what a contract holds of its customer's debt", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	contract := fs.Int64("contract", 0, "`id` of the contract (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *contract <= 0 {
			return nil, usagef("--contract: required")
		}
		debt, err := a.svc.ContractDebtOf(ctx, a.actor, *contract)
		if err != nil {
			return nil, err
		}
		return map[string]any{"contract_id": *contract, "debt": debt}, nil
	}
}}
