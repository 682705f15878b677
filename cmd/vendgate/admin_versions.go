package main

import (
	"context"
	"flag"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

// Tariff prices and utility parameters as versions: a change adds a version from a time on,
// the history lists them; a past vend keeps the version it was priced by.

// parseEffective reads --effective-from: an RFC 3339 time, or "" for now.
func parseEffective(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, usagef("--effective-from: %q is not a time such as 2026-12-01T00:00:00Z", v)
	}
	return t, nil
}

const effectiveHelp = "when the change applies, an RFC 3339 `time` not in the past (default: now)"

var adminTariffChange = adminCommand{summary: "add a version of a tariff's prices, effective from a time", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	tariff := fs.Int64("tariff", 0, "`id` of the tariff (required)")
	after := fs.Int64("after-version", 0, "the latest `version` as tariff history printed it; a version added since is refused (required)")
	effective := fs.String("effective-from", "", effectiveHelp)
	fixed := fs.String("monthly-fixed-charge", "0", "fixed charge a month, in minor `units`")
	free := fs.String("free-basic", "0", "free basic allowance a month, in the kind's `unit` (one decimal)")
	reason := fs.String("reason", "", "why the prices change, kept with the version (required)")
	var blocks blockList
	fs.Var(&blocks, "block", "a tariff block UPTO:PRICE (UPTO in the kind's unit, price in minor units per unit; the last block's UPTO is -); repeat for each block (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *tariff <= 0 {
			return nil, usagef("--tariff: required")
		}
		if len(blocks) == 0 {
			return nil, usagef("--block: at least one UPTO:PRICE (the last with UPTO '-')")
		}
		bs, err := blocks.parse("the kind's unit")
		if err != nil {
			return nil, err
		}
		fc, err := parseInt("monthly-fixed-charge", *fixed, 0, 1<<40)
		if err != nil {
			return nil, err
		}
		fbe, err := sts.ParseTenths(*free)
		if err != nil {
			return nil, usagef("--free-basic: %q is not a quantity with at most one decimal", *free)
		}
		eff, err := parseEffective(*effective)
		if err != nil {
			return nil, err
		}
		v, err := a.svc.ChangeTariff(ctx, a.actor, backoffice.TariffChange{TariffID: *tariff, AfterVersion: *after, EffectiveFrom: eff,
			Blocks: bs, MonthlyFixedCharge: core.Money(fc), FreeBasicEnergy: core.Energy(fbe), Reason: *reason})
		if err != nil {
			return nil, err
		}
		return v.View(), nil
	}
}}

var adminTariffHistory = adminCommand{summary: "list a tariff's price versions, the first first", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	tariff := fs.Int64("tariff", 0, "`id` of the tariff (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *tariff <= 0 {
			return nil, usagef("--tariff: required")
		}
		vs, err := a.svc.TariffHistory(ctx, a.actor, *tariff)
		if err != nil {
			return nil, err
		}
		views := make([]backoffice.TariffVersionView, len(vs))
		for i, v := range vs {
			views[i] = v.View()
		}
		return map[string]any{"count": len(views), "versions": views}, nil
	}
}}

var adminUtilityChangeParameters = adminCommand{summary: "add a version of a utility's parameters (VAT, debt recovery, reversal window, purchase limit), effective from a time", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	utility := fs.Int64("utility", 0, "`id` of the utility (required)")
	after := fs.Int64("after-version", 0, "the latest `version` as parameter-history printed it; a version added since is refused (required)")
	effective := fs.String("effective-from", "", effectiveHelp)
	tax := fs.String("tax-rate", "", "the new VAT `rate`, e.g. 0.15")
	debt := fs.String("debt-recovery-rate", "", "the new share of each payment that goes to arrears, 0 to 1")
	window := fs.String("reversal-window", "", "the new reversal `window`, e.g. 24h")
	maxVend := fs.String("max-vend-amount", "", "the new limit of one purchase in minor `units` (0: none)")
	reason := fs.String("reason", "", "why the parameters change, kept with the version (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *utility <= 0 {
			return nil, usagef("--utility: required")
		}
		c := backoffice.ParameterChange{UtilityID: *utility, AfterVersion: *after, Reason: *reason}
		var err error
		if c.EffectiveFrom, err = parseEffective(*effective); err != nil {
			return nil, err
		}
		for _, d := range []struct {
			name string
			v    string
			to   **decimal.Decimal
		}{{"tax-rate", *tax, &c.TaxRate}, {"debt-recovery-rate", *debt, &c.DebtRecoveryRate}} {
			if given(a.flags, d.name) {
				v, err := parseDecimal(d.name, d.v)
				if err != nil {
					return nil, err
				}
				*d.to = &v
			}
		}
		if given(a.flags, "reversal-window") {
			w, err := parseWindow(*window)
			if err != nil {
				return nil, err
			}
			c.ReversalWindow = &w
		}
		if given(a.flags, "max-vend-amount") {
			m, err := parseInt("max-vend-amount", *maxVend, 0, 1<<50)
			if err != nil {
				return nil, err
			}
			mv := core.Money(m)
			c.MaxVendAmount = &mv
		}
		v, err := a.svc.ChangeParameters(ctx, a.actor, c)
		if err != nil {
			return nil, err
		}
		return v.View(), nil
	}
}}

var adminUtilityParameterHistory = adminCommand{summary: "list a utility's parameter versions, the first first", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	utility := fs.Int64("utility", 0, "`id` of the utility (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *utility <= 0 {
			return nil, usagef("--utility: required")
		}
		vs, err := a.svc.ParameterHistory(ctx, a.actor, *utility)
		if err != nil {
			return nil, err
		}
		views := make([]backoffice.ParameterVersionView, len(vs))
		for i, v := range vs {
			views[i] = v.View()
		}
		return map[string]any{"count": len(views), "versions": views}, nil
	}
}}
