package main

import (
	"context"
	"flag"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// adminRefundRequest refunds a customer credit not used, under the approval policy.
var adminRefundRequest = adminCommand{summary: "refund a customer credit not used on a contract (under approval)", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	contract := fs.Int64("contract", 0, "`id` of the contract (required)")
	amount := fs.String("amount", "", "the refund in minor `units` (required)")
	method := fs.String("method", string(backoffice.RefundCash), "how it is paid: cash, wallet or agent")
	agent := fs.Int64("agent", 0, "for --method agent: `id` of the agent who pays it")
	reason := fs.String("reason", "", "why, kept in the ledger and the audit trail (required)")
	clear := fs.Bool("clear-credit", false, "issue the clear credit token of the contract's meter with the refund")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *contract <= 0 {
			return nil, usagef("--contract: required")
		}
		amt, err := parseInt("amount", *amount, 1, 1<<50)
		if err != nil {
			return nil, err
		}
		m := backoffice.RefundMethod(*method)
		switch {
		case m != backoffice.RefundCash && m != backoffice.RefundWallet && m != backoffice.RefundAgent:
			return nil, usagef("--method: %q is not cash, wallet or agent", *method)
		case m == backoffice.RefundAgent && *agent <= 0:
			return nil, usagef("--agent: required with --method agent")
		case m != backoffice.RefundAgent && *agent != 0:
			return nil, usagef("--agent: only with --method agent")
		}
		if err := required("reason", *reason); err != nil {
			return nil, err
		}
		return gated(a.svc.RequestRefund(ctx, a.actor, backoffice.RefundRequest{ContractID: *contract, Amount: core.Money(amt),
			Method: m, AgentID: *agent, Reason: *reason, ClearCredit: *clear}))
	}
}}
