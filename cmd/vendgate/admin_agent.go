package main

import (
	"context"
	"flag"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

var adminAgentCreate = adminCommand{summary: "create an agent (a retailer, a bank or a telecom operator) with a float", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
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
		return a.svc.CreateAgent(ctx, a.actor, core.Agent{UtilityID: *utility, Name: *name, Kind: core.AgentKind(*kind),
			CreditLimit: core.Money(cl), CommissionRate: cr, Active: true})
	}
}}

var adminAgentList = adminCommand{summary: "list agents", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	pf := registerPage(fs)
	utility := fs.Int64("utility", 0, "only this utility's `id`")
	kind := fs.String("kind", "", "only agents of this `kind`: agent, bank or telco")
	active := fs.String("active", "", "only active (true) or inactive (false) agents")
	search := fs.String("search", "", "only agents whose name holds this `text`")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		p, err := pf.page()
		if err != nil {
			return nil, err
		}
		q := backoffice.AgentQuery{Page: p, UtilityID: *utility, Kind: core.AgentKind(*kind), Search: *search}
		switch *kind {
		case "", string(core.AgentRetail), string(core.AgentBank), string(core.AgentTelco):
		default:
			return nil, usagef("--kind: %q is not agent, bank or telco", *kind)
		}
		switch *active {
		case "":
		case "true", "false":
			v := *active == "true"
			q.Active = &v
		default:
			return nil, usagef("--active: %q is not true or false", *active)
		}
		as, err := a.svc.Agents(ctx, a.actor, q)
		if err != nil {
			return nil, err
		}
		return listed("agents", p, as, func(v backoffice.AgentView) int64 { return v.ID }), nil
	}
}}

var adminAgentShow = adminCommand{summary: "show an agent", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := idFlag(fs, "agent")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireID(*id); err != nil {
			return nil, err
		}
		return a.svc.Agent(ctx, a.actor, *id)
	}
}}

var adminAgentUpdate = adminCommand{summary: "rename an agent or set whether it sells (its credit limit and commission go through approval)", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := idFlag(fs, "agent")
	version := versionFlag(fs)
	name := fs.String("name", "", "the new `name`")
	active := fs.Bool("active", true, "whether the agent sells")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireID(*id); err != nil {
			return nil, err
		}
		var up backoffice.AgentUpdate
		if given(a.flags, "name") {
			up.Name = name
		}
		if given(a.flags, "active") {
			up.Active = active
		}
		return a.svc.UpdateAgent(ctx, a.actor, *id, *version, up)
	}
}}

var adminAgentDeactivate = adminCommand{summary: "stop an agent selling (its float stays)", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := idFlag(fs, "agent")
	version := versionFlag(fs)
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireID(*id); err != nil {
			return nil, err
		}
		inactive := false
		return a.svc.UpdateAgent(ctx, a.actor, *id, *version, backoffice.AgentUpdate{Active: &inactive})
	}
}}

var adminAgentTopUp = adminCommand{summary: "add to an agent's float", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
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
		return a.svc.TopUp(ctx, a.actor, *agent, core.Money(amt), *memo)
	}
}}

var adminAPIKeyIssue = adminCommand{summary: "issue an API key for an agent (shown once)", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	agent := fs.Int64("agent", 0, "`id` of the agent (required)")
	label := fs.String("label", "", "a `label` to tell the key from the agent's others")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *agent <= 0 {
			return nil, usagef("--agent: required")
		}
		return a.svc.IssueAPIKey(ctx, a.actor, *agent, *label)
	}
}}

var adminAPIKeyRevoke = adminCommand{summary: "revoke an API key", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := fs.Int64("id", 0, "`id` of the API key (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireID(*id); err != nil {
			return nil, err
		}
		return a.svc.RevokeAPIKey(ctx, a.actor, *id)
	}
}}
