package main

import (
	"context"
	"flag"
	"time"
)

// Agents' commission: a statement computed from the ledger for a month, a utility's payment run
// for a month that has ended (under approval), its statements shown and exported as CSV.

// parsePeriod reads --period: a month, 2006-01.
func parsePeriod(v string) (string, error) {
	if err := required("period", v); err != nil {
		return "", err
	}
	if _, err := time.Parse("2006-01", v); err != nil {
		return "", usagef("--period: %q is not a month such as 2026-11", v)
	}
	return v, nil
}

var adminCommissionStatement = adminCommand{summary: "compute an agent's commission statement for a month from the ledger", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	agent := fs.Int64("agent", 0, "`id` of the agent (required)")
	period := fs.String("period", "", "the `month`: 2006-01 (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireAgent(*agent); err != nil {
			return nil, err
		}
		p, err := parsePeriod(*period)
		if err != nil {
			return nil, err
		}
		return a.svc.CommissionStatementFor(ctx, a.actor, *agent, p)
	}
}}

var adminCommissionRun = adminCommand{summary: "make a utility's commission payment run for a month that has ended (under approval)", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	utility := fs.Int64("utility", 0, "`id` of the utility (required)")
	period := fs.String("period", "", "the `month`: 2006-01 (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *utility <= 0 {
			return nil, usagef("--utility: required")
		}
		p, err := parsePeriod(*period)
		if err != nil {
			return nil, err
		}
		return gated(a.svc.RunCommission(ctx, a.actor, *utility, p))
	}
}}

var adminCommissionShow = adminCommand{summary: "show a payment run (--utility, --period) or one of its statements (--statement)", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	utility := fs.Int64("utility", 0, "`id` of the utility of the run")
	period := fs.String("period", "", "the run's `month`: 2006-01")
	statement := fs.Int64("statement", 0, "`id` of a run's statement, shown with its lines")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		switch {
		case *statement < 0:
			return nil, usagef("--statement: %d is not a statement's id", *statement)
		case *statement > 0 && (*utility != 0 || *period != ""):
			return nil, usagef("--statement: not with --utility or --period")
		case *statement > 0:
			return a.svc.RunStatement(ctx, a.actor, *statement)
		case *utility <= 0:
			return nil, usagef("--utility: required (or --statement)")
		}
		p, err := parsePeriod(*period)
		if err != nil {
			return nil, err
		}
		return a.svc.CommissionRunOf(ctx, a.actor, *utility, p)
	}
}}

var adminCommissionExport = adminCommand{summary: "write a payment run's statement as CSV, amounts in minor units", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	statement := fs.Int64("statement", 0, "`id` of the statement (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *statement <= 0 {
			return nil, usagef("--statement: required")
		}
		csv, err := a.svc.ExportStatement(ctx, a.actor, *statement)
		if err != nil {
			return nil, err
		}
		if _, err := a.stdout.Write(csv); err != nil {
			return nil, err
		}
		return written{}, nil
	}
}}
