package main

import (
	"context"
	"errors"
	"flag"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/core"
)

type agentJSON struct {
	ID             int64  `json:"id"`
	UtilityID      int64  `json:"utility_id"`
	Name           string `json:"name"`
	Kind           string `json:"kind"`
	Balance        int64  `json:"balance"`
	CreditLimit    int64  `json:"credit_limit"`
	CommissionRate string `json:"commission_rate"`
}

var adminAgentCreate = adminCommand{"create an agent (a retailer, a bank or a telecom operator) with a float", func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	utility := fs.Int64("utility", 0, "`id` of the utility (required)")
	name := fs.String("name", "", "the agent's name (required)")
	kind := fs.String("kind", string(core.AgentRetail), "agent kind: agent, bank or telco")
	limit := fs.String("credit-limit", "0", "how far the float may go below 0, in minor `units`")
	rate := fs.String("commission-rate", "0", "commission as a `rate` from 0 to below 1")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *utility <= 0 {
			return nil, usagef("--utility: required")
		}
		if err := required("name", *name); err != nil {
			return nil, err
		}
		switch core.AgentKind(*kind) {
		case core.AgentRetail, core.AgentBank, core.AgentTelco:
		default:
			return nil, usagef("--kind: %q is not agent, bank or telco", *kind)
		}
		cl, err := parseInt("credit-limit", *limit, 0, 1<<50)
		if err != nil {
			return nil, err
		}
		cr, err := parseDecimal("commission-rate", *rate)
		if err != nil || cr.GreaterThanOrEqual(decimal.NewFromInt(1)) {
			return nil, usagef("--commission-rate: %q is not a rate from 0 to below 1", *rate)
		}
		if _, err := a.db.Utility(ctx, *utility); err != nil {
			return nil, lookup(err, "utility", "utility", *utility)
		}
		ag := &core.Agent{UtilityID: *utility, Name: *name, Kind: core.AgentKind(*kind), CreditLimit: core.Money(cl), CommissionRate: cr, Active: true}
		if err := a.db.CreateAgent(ctx, ag); err != nil {
			return nil, err
		}
		return agentJSON{ID: ag.ID, UtilityID: ag.UtilityID, Name: ag.Name, Kind: *kind, CreditLimit: cl, CommissionRate: cr.String()}, nil
	}
}}

var adminAgentTopUp = adminCommand{"add to an agent's float", func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	agent := fs.Int64("agent", 0, "`id` of the agent (required)")
	amount := fs.String("amount", "", "amount in minor `units` (required)")
	memo := fs.String("memo", "float top-up", "what the ledger entry says")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *agent <= 0 {
			return nil, usagef("--agent: required")
		}
		amt, err := parseInt("amount", *amount, 1, 1<<50)
		if err != nil {
			return nil, err
		}
		if _, err := a.db.Agent(ctx, *agent); err != nil {
			return nil, lookup(err, "agent", "agent", *agent)
		}
		bal, err := a.db.TopUp(ctx, *agent, core.Money(amt), *memo)
		if err != nil {
			return nil, err
		}
		return map[string]int64{"agent_id": *agent, "amount": amt, "balance": int64(bal)}, nil
	}
}}

type apiKeyJSON struct {
	ID      int64  `json:"id"`
	AgentID int64  `json:"agent_id"`
	Label   string `json:"label"`
	// Key is shown once, here; only its hash is stored.
	Key string `json:"api_key"`
}

var adminAPIKeyIssue = adminCommand{"issue an API key for an agent (shown once)", func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	agent := fs.Int64("agent", 0, "`id` of the agent (required)")
	label := fs.String("label", "", "a `label` to tell the key from the agent's others")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *agent <= 0 {
			return nil, usagef("--agent: required")
		}
		if _, err := a.db.Agent(ctx, *agent); err != nil {
			return nil, lookup(err, "agent", "agent", *agent)
		}
		key, hash, err := core.NewAPIKey()
		if err != nil {
			return nil, err
		}
		id, err := a.db.IssueAPIKey(ctx, *agent, hash, *label)
		if err != nil {
			return nil, err
		}
		return apiKeyJSON{ID: id, AgentID: *agent, Label: *label, Key: key}, nil
	}
}}

var adminAPIKeyRevoke = adminCommand{"revoke an API key", func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := fs.Int64("id", 0, "`id` of the API key (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *id <= 0 {
			return nil, usagef("--id: required")
		}
		revoked, err := a.db.APIKeyRevokedAt(ctx, *id)
		if err != nil {
			return nil, lookup(err, "id", "API key", *id)
		}
		if !revoked.IsZero() {
			return nil, core.Errorf(core.CodeConflict, core.ReasonAPIKeyRevoked, "API key %d was revoked already, at %s", *id, adminTime(revoked))
		}
		if err := a.db.RevokeAPIKey(ctx, *id); errors.Is(err, core.ErrNotFound) {
			return nil, core.Errorf(core.CodeConflict, core.ReasonAPIKeyRevoked, "API key %d was revoked already", *id)
		} else if err != nil {
			return nil, err
		}
		return map[string]any{"id": *id, "revoked": true}, nil
	}
}}
