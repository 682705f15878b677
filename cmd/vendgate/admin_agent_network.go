package main

import (
	"context"
	"flag"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// The vending network: agents' contracts (their terms, under approval) and sales limits.

// requireAgent checks --agent.
func requireAgent(agent int64) error {
	if agent <= 0 {
		return usagef("--agent: required")
	}
	return nil
}

var adminAgentContractSign = adminCommand{summary: "sign an agent's contract: its commission and credit limit from a date (under approval)", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	agent := fs.Int64("agent", 0, "`id` of the agent (required)")
	start := fs.String("start-date", "", "the contract's first `day`: 2006-01-02 (required)")
	rate := fs.String("commission-rate", "", "the commission as a `rate` from 0 to below 1 (required)")
	limit := fs.String("credit-limit", "0", "how far the float may go below 0, in minor `units`")
	hall := fs.Int64("hall", 0, "`id` of the vending hall it serves (0: none)")
	area := fs.String("area", "", "the `area` it serves")
	doc := fs.String("document", "", "the signed document's `reference` (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireAgent(*agent); err != nil {
			return nil, err
		}
		if err := required("start-date", *start); err != nil {
			return nil, err
		}
		if _, err := time.Parse(time.DateOnly, *start); err != nil {
			return nil, usagef("--start-date: %q is not a day such as 2026-12-01", *start)
		}
		cr, err := parseDecimal("commission-rate", *rate)
		if err != nil || cr.GreaterThanOrEqual(decimal.NewFromInt(1)) {
			return nil, usagef("--commission-rate: %q is not a rate from 0 to below 1", *rate)
		}
		cl, err := parseInt("credit-limit", *limit, 0, 1<<50)
		if err != nil {
			return nil, err
		}
		if err := required("document", *doc); err != nil {
			return nil, err
		}
		return gated(a.svc.SignAgentContract(ctx, a.actor, backoffice.NewAgentContract{AgentID: *agent, StartDate: *start,
			CommissionRate: cr, CreditLimit: core.Money(cl), HallID: *hall, Area: *area, DocumentRef: *doc}))
	}
}}

var adminAgentContractCancel = adminCommand{summary: "cancel an agent's active contract: its vends refused until a new one", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	agent := fs.Int64("agent", 0, "`id` of the agent (required)")
	reason := fs.String("reason", "", "why, kept in the audit trail (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireAgent(*agent); err != nil {
			return nil, err
		}
		if err := required("reason", *reason); err != nil {
			return nil, err
		}
		return a.svc.CancelAgentContract(ctx, a.actor, *agent, *reason)
	}
}}

var adminAgentContracts = adminCommand{summary: "list an agent's contracts, oldest first", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	agent := fs.Int64("agent", 0, "`id` of the agent (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireAgent(*agent); err != nil {
			return nil, err
		}
		cs, err := a.svc.AgentContracts(ctx, a.actor, *agent)
		if err != nil {
			return nil, err
		}
		return map[string]any{"count": len(cs), "contracts": cs}, nil
	}
}}

var adminAgentSalesLimits = adminCommand{summary: "show an agent's sales limits and what it sold this day and month", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	agent := fs.Int64("agent", 0, "`id` of the agent (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireAgent(*agent); err != nil {
			return nil, err
		}
		return a.svc.SalesLimits(ctx, a.actor, *agent)
	}
}}

var adminAgentSetSalesLimits = adminCommand{summary: "set an agent's daily and monthly sales limits", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	agent := fs.Int64("agent", 0, "`id` of the agent (required)")
	daily := fs.String("daily", "0", "the most it may sell in a day, in minor `units` (0: no limit)")
	monthly := fs.String("monthly", "0", "the most it may sell in a month, in minor `units` (0: no limit)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireAgent(*agent); err != nil {
			return nil, err
		}
		d, err := parseInt("daily", *daily, 0, 1<<50)
		if err != nil {
			return nil, err
		}
		m, err := parseInt("monthly", *monthly, 0, 1<<50)
		if err != nil {
			return nil, err
		}
		return a.svc.SetSalesLimits(ctx, a.actor, *agent, core.Money(d), core.Money(m))
	}
}}
