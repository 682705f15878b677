package main

import (
	"context"
	"flag"
	"strings"
	"time"

	"github.com/vendgate/vendgate/core"
)

// adminVendReverse is an operator's reversal: any agent's vend, at any time (an agent may reverse
// only within its utility's window), with the reason kept on the vend.
var adminVendReverse = adminCommand{"reverse a vend as an operator, with the reason", func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := fs.Int64("id", 0, "`id` of the vend (required)")
	reason := fs.String("reason", "", "why the vend is reversed, kept with it (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *id <= 0 {
			return nil, usagef("--id: required")
		}
		if strings.TrimSpace(*reason) == "" {
			return nil, usagef("--reason: required (why the vend is reversed; kept with it)")
		}
		v, err := a.vendor().Reverse(ctx, core.ReversalRequest{VendID: *id, Reason: *reason})
		if err != nil {
			return nil, err
		}
		return reversedVendJSON(v), nil
	}
}}

// adminVendReversed lists reversed vends, newest first: the exception list an operator checks
// (who reversed what, when and why).
var adminVendReversed = adminCommand{"list reversed vends with who reversed them and why", func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	agent := fs.Int64("agent", 0, "only this agent's `id`")
	since := fs.String("since", "", "only vends sold on or after this `date` (YYYY-MM-DD)")
	limit := fs.Int("limit", 100, "at most this many")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		q := core.VendQuery{AgentID: *agent, Status: core.VendReversed, Limit: *limit}
		if *since != "" {
			t, err := time.Parse(time.DateOnly, *since)
			if err != nil {
				return nil, usagef("--since %q: a date, YYYY-MM-DD", *since)
			}
			q.From = t
		}
		if *limit < 1 || *limit > core.MaxVendQueryLimit {
			return nil, usagef("--limit: 1 to %d", core.MaxVendQueryLimit)
		}
		vends, err := a.db.FindVends(ctx, q)
		if err != nil {
			return nil, err
		}
		out := make([]map[string]any, len(vends))
		for i, v := range vends {
			out[i] = reversedVendJSON(v)
		}
		return map[string]any{"count": len(out), "vends": out}, nil
	}
}}

func reversedVendJSON(v *core.Vend) map[string]any {
	return map[string]any{"id": v.ID, "reference": v.Reference, "status": v.Status, "agent_id": v.AgentID,
		"channel": v.Channel, "meter_number": v.MeterNumber, "paid": v.Breakdown.Paid, "currency": v.Currency.Code,
		"sold_at": v.CreatedAt.Format(time.RFC3339), "reversed_at": v.ReversedAt.Format(time.RFC3339),
		"reversed_by": v.ReversedBy, "reason": v.ReversalReason}
}
