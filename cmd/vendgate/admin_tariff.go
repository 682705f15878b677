package main

import (
	"context"
	"flag"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

// blockList collects repeated --block UPTO_KWH:PRICE flags.
type blockList []string

func (b *blockList) String() string     { return strings.Join(*b, ",") }
func (b *blockList) Set(v string) error { *b = append(*b, v); return nil }

type tariffJSON struct {
	ID     int64             `json:"id"`
	Name   string            `json:"name"`
	Blocks []tariffBlockJSON `json:"blocks"`
}

type tariffBlockJSON struct {
	UpToKWh string `json:"up_to_kwh,omitempty"`
	Price   string `json:"price_minor_per_kwh"`
}

var adminTariffCreate = adminCommand{"create a stepped tariff of a utility", func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	utility := fs.Int64("utility", 0, "`id` of the utility (required)")
	name := fs.String("name", "", "the tariff's name (required)")
	var blocks blockList
	fs.Var(&blocks, "block", "a tariff block UPTO_KWH:PRICE (price in minor units per kWh; the last block's UPTO is -); repeat for each block")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *utility <= 0 {
			return nil, usagef("--utility: required")
		}
		if err := required("name", *name); err != nil {
			return nil, err
		}
		if len(blocks) == 0 {
			return nil, usagef("--block: at least one UPTO_KWH:PRICE (the last with UPTO '-')")
		}
		t := &core.Tariff{UtilityID: *utility, Name: *name}
		out := tariffJSON{Name: *name}
		for _, b := range blocks {
			upTo, price, ok := strings.Cut(b, ":")
			p, err := decimal.NewFromString(price)
			if !ok || err != nil {
				return nil, usagef("--block: %q is not UPTO_KWH:PRICE", b)
			}
			var e uint64
			if upTo != "-" {
				if e, err = sts.ParseTenths(upTo); err != nil || e == 0 {
					return nil, usagef("--block: %q: the bound is not kWh with at most one decimal", b)
				}
			}
			t.Blocks = append(t.Blocks, core.TariffBlock{UpTo: core.Energy(e), Price: p})
			bj := tariffBlockJSON{Price: p.String()}
			if e > 0 {
				bj.UpToKWh = core.Energy(e).String()
			}
			out.Blocks = append(out.Blocks, bj)
		}
		if err := t.Validate(); err != nil {
			return nil, usagef("--block: %s", core.AsError(err).Message)
		}
		if _, err := a.db.Utility(ctx, *utility); err != nil {
			return nil, lookup(err, "utility", "utility", *utility)
		}
		if err := a.db.CreateTariff(ctx, t); err != nil {
			return nil, err
		}
		out.ID = t.ID
		return out, nil
	}
}}
