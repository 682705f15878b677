package main

import (
	"context"
	"flag"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

// Meter exchange: a contract's meter replaced by one from storage, the credit left on the old
// one carried to the new (under approval).

var adminMeterExchange = adminCommand{summary: "exchange a contract's meter for one from storage, carrying its credit (under approval)", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	contract := fs.Int64("contract", 0, "`id` of the contract (required)")
	old := fs.String("old-number", "", "the meter taken off, checked against the contract's (optional)")
	number := fs.String("new-number", "", "the meter put on, from storage (required)")
	reading := fs.String("old-reading", "0", "the old meter's register when removed, in its kind's `unit` (one decimal)")
	credit := fs.String("remaining-credit", "0", "the credit left on the old meter's display, in its kind's `unit` (one decimal)")
	reason := fs.String("reason", "", "why the meter is exchanged (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *contract <= 0 {
			return nil, usagef("--contract: required")
		}
		if err := required("new-number", *number); err != nil {
			return nil, err
		}
		r, err := parseTenthsFlag("old-reading", *reading)
		if err != nil {
			return nil, err
		}
		c, err := parseTenthsFlag("remaining-credit", *credit)
		if err != nil {
			return nil, err
		}
		if err := required("reason", *reason); err != nil {
			return nil, err
		}
		return gated(a.svc.ExchangeMeter(ctx, a.actor, backoffice.Exchange{ContractID: *contract, OldMeterNumber: *old,
			NewMeterNumber: *number, OldReading: r, RemainingCredit: c, Reason: *reason}))
	}
}}

// parseTenthsFlag reads a quantity of energy with at most one decimal.
func parseTenthsFlag(name, v string) (core.Energy, error) {
	t, err := sts.ParseTenths(v)
	if err != nil {
		return 0, usagef("--%s: %q is not a quantity with at most one decimal", name, v)
	}
	return core.Energy(t), nil
}

var adminContractMeters = adminCommand{summary: "list the meters a contract has had", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := idFlag(fs, "contract")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireID(*id); err != nil {
			return nil, err
		}
		ms, err := a.svc.ContractMeterHistory(ctx, a.actor, *id)
		if err != nil {
			return nil, err
		}
		return map[string]any{"count": len(ms), "meters": ms}, nil
	}
}}

var adminMeterExchanges = adminCommand{summary: "list a contract's meter exchanges", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	contract := fs.Int64("contract", 0, "`id` of the contract (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *contract <= 0 {
			return nil, usagef("--contract: required")
		}
		xs, err := a.svc.MeterExchanges(ctx, a.actor, *contract)
		if err != nil {
			return nil, err
		}
		return map[string]any{"count": len(xs), "exchanges": xs}, nil
	}
}}
