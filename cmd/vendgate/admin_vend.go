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
var adminVendReverse = adminCommand{summary: "reverse a vend as an operator, with the reason", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := fs.Int64("id", 0, "`id` of the vend (required)")
	reason := fs.String("reason", "", "why the vend is reversed, kept with it (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *id <= 0 {
			return nil, usagef("--id: required")
		}
		if strings.TrimSpace(*reason) == "" {
			return nil, usagef("--reason: required (why the vend is reversed; kept with it)")
		}
		return gated(a.svc.ReverseVend(ctx, a.actor, *id, *reason))
	}
}}

// adminVendReversed lists reversed vends, newest first: the exception list an operator checks
// (who reversed what, when and why).
var adminVendReversed = adminCommand{summary: "list reversed vends with who reversed them and why", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
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
		vends, err := a.svc.ReversedVends(ctx, a.actor, q)
		if err != nil {
			return nil, err
		}
		return map[string]any{"count": len(vends), "vends": vends}, nil
	}
}}
