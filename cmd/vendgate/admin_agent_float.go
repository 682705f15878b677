package main

import (
	"context"
	"flag"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/core"
)

// The commands that move an agent's money or its terms: each under the approval policy, so
// each prints the agent, or the pending request when it waits for a second operator.

var adminAgentAdjustFloat = adminCommand{summary: "adjust an agent's float up or down, with the reason (under approval)", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	agent := fs.Int64("agent", 0, "`id` of the agent (required)")
	amount := fs.String("amount", "", "the adjustment in minor `units`: positive credits, negative debits the float (required)")
	reason := fs.String("reason", "", "why, kept in the ledger and the audit trail (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *agent <= 0 {
			return nil, usagef("--agent: required")
		}
		amt, err := parseInt("amount", *amount, -(1 << 50), 1<<50)
		if err != nil {
			return nil, err
		}
		if amt == 0 {
			return nil, usagef("--amount: not 0")
		}
		if err := required("reason", *reason); err != nil {
			return nil, err
		}
		return gated(a.svc.AdjustFloat(ctx, a.actor, *agent, core.Money(amt), *reason))
	}
}}

var adminAgentSetCreditLimit = adminCommand{summary: "change how far an agent's float may go below 0 (under approval)", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	agent := fs.Int64("agent", 0, "`id` of the agent (required)")
	limit := fs.String("credit-limit", "", "the new limit in minor `units` (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *agent <= 0 {
			return nil, usagef("--agent: required")
		}
		cl, err := parseInt("credit-limit", *limit, 0, 1<<50)
		if err != nil {
			return nil, err
		}
		return gated(a.svc.SetCreditLimit(ctx, a.actor, *agent, core.Money(cl)))
	}
}}

var adminAgentSetCommission = adminCommand{summary: "change an agent's commission rate (under approval)", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	agent := fs.Int64("agent", 0, "`id` of the agent (required)")
	rate := fs.String("commission-rate", "", "the new commission as a `rate` from 0 to below 1 (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *agent <= 0 {
			return nil, usagef("--agent: required")
		}
		cr, err := parseDecimal("commission-rate", *rate)
		if err != nil || cr.GreaterThanOrEqual(decimal.NewFromInt(1)) {
			return nil, usagef("--commission-rate: %q is not a rate from 0 to below 1", *rate)
		}
		return gated(a.svc.SetCommissionRate(ctx, a.actor, *agent, cr))
	}
}}
