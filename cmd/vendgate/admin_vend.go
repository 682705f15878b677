package main

import (
	"context"
	"flag"
)

// adminVendReverse is an operator's reversal: any agent's vend, within its utility's window.
var adminVendReverse = adminCommand{"reverse a vend as an operator", func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := fs.Int64("id", 0, "`id` of the vend (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *id <= 0 {
			return nil, usagef("--id: required")
		}
		v, err := a.vendor().Reverse(ctx, *id, 0)
		if err != nil {
			return nil, err
		}
		return map[string]any{"id": v.ID, "reference": v.Reference, "status": v.Status, "agent_id": v.AgentID,
			"paid": v.Breakdown.Paid, "currency": v.Currency.Code}, nil
	}
}}
