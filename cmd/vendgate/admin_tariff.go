package main

import (
	"context"
	"flag"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

// blockList collects repeated --block UPTO:PRICE flags (UPTO in the tariff kind's unit).
type blockList []string

func (b *blockList) String() string     { return strings.Join(*b, ",") }
func (b *blockList) Set(v string) error { *b = append(*b, v); return nil }

var adminTariffCreate = adminCommand{summary: "create a stepped tariff of a utility for one meter kind", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	utility := fs.Int64("utility", 0, "`id` of the utility (required)")
	name := fs.String("name", "", "the tariff's name (required)")
	kindFlag := fs.String("kind", string(core.Electricity), "the meter `kind` it prices: electricity, water or gas")
	fixed := fs.String("monthly-fixed-charge", "0", "fixed charge a month, in minor `units`")
	free := fs.String("free-basic", "0", "free basic allowance a month, in the kind's `unit` (one decimal)")
	var blocks blockList
	fs.Var(&blocks, "block", "a tariff block UPTO:PRICE (UPTO in the kind's unit, price in minor units per unit; the last block's UPTO is -); repeat for each block")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *utility <= 0 {
			return nil, usagef("--utility: required")
		}
		if err := required("name", *name); err != nil {
			return nil, err
		}
		kind, err := core.ParseMeterKind(*kindFlag)
		if err != nil {
			return nil, usagef("--kind: %q is not electricity, water or gas", *kindFlag)
		}
		unit := kind.Unit()
		if len(blocks) == 0 {
			return nil, usagef("--block: at least one UPTO:PRICE in %s (the last with UPTO '-')", unit)
		}
		fc, err := parseInt("monthly-fixed-charge", *fixed, 0, 1<<40)
		if err != nil {
			return nil, err
		}
		fbe, err := sts.ParseTenths(*free)
		if err != nil {
			return nil, usagef("--free-basic: %q is not %s with at most one decimal", *free, unit)
		}
		t := core.Tariff{UtilityID: *utility, Name: *name, Kind: kind, MonthlyFixedCharge: core.Money(fc), FreeBasicEnergy: core.Energy(fbe)}
		if t.Blocks, err = blocks.parse(unit); err != nil {
			return nil, err
		}
		if err := t.Validate(); err != nil {
			return nil, usagef("--block: %s", core.AsError(err).Message)
		}
		return a.svc.CreateTariff(ctx, a.actor, t)
	}
}}

// parse reads the blocks, their bounds in unit.
func (b blockList) parse(unit string) ([]core.TariffBlock, error) {
	var out []core.TariffBlock
	for _, v := range b {
		upTo, price, ok := strings.Cut(v, ":")
		p, err := decimal.NewFromString(price)
		if !ok || err != nil {
			return nil, usagef("--block: %q is not UPTO:PRICE", v)
		}
		var e uint64
		if upTo != "-" {
			if e, err = sts.ParseTenths(upTo); err != nil || e == 0 {
				return nil, usagef("--block: %q: the bound is not %s with at most one decimal", v, unit)
			}
		}
		out = append(out, core.TariffBlock{UpTo: core.Energy(e), Price: p})
	}
	return out, nil
}
