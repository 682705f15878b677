package main

import (
	"context"
	"flag"

	"github.com/vendgate/vendgate/config"
	"github.com/vendgate/vendgate/core"
)

// adminInstitutionCreate lets a bank connect over ISO 8583: its acquiring institution id (field
// 32), the bank agent it sells from and the networks it connects from.
var adminInstitutionCreate = adminCommand{summary: "let a bank connect over ISO 8583", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	code := fs.String("code", "", "acquiring institution id, field 32 (required)")
	agent := fs.Int64("agent", 0, "`id` of the agent of kind bank it sells from (required)")
	name := fs.String("name", "", "the bank's name (default: the agent's)")
	allow := fs.String("allow", "", "networks the bank connects from: addresses or CIDR, comma-separated (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *agent <= 0 {
			return nil, usagef("--agent: required (an agent of kind bank)")
		}
		if err := core.CheckInstitutionCode(*code); err != nil {
			return nil, usagef("--code: %s", core.AsError(err).Message)
		}
		nets, err := config.ParseNetworks(*allow)
		if err != nil || len(nets) == 0 {
			return nil, usagef("--allow: want addresses or CIDR networks separated by commas, e.g. 127.0.0.1,10.0.0.0/8")
		}
		return a.svc.CreateInstitution(ctx, a.actor, core.Institution{Code: *code, Name: *name, AgentID: *agent, Allowed: nets})
	}
}}
