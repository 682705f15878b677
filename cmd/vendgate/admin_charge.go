package main

import (
	"context"
	"flag"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// A utility's catalogue of charges (reconnection fees, tamper penalties ...) and the charges
// made to customers' contracts from it: collected at the counter or deducted from purchases.

// chargeTypeFlags are the fields of a catalogue entry.
type chargeTypeFlags struct {
	code, name, kind, amount *string
}

func registerChargeType(fs *flag.FlagSet) chargeTypeFlags {
	return chargeTypeFlags{code: fs.String("code", "", "the entry's `code`, unique in the utility: RECON (required)"),
		name:   fs.String("name", "", "the entry's `name` (required)"),
		kind:   fs.String("kind", "", "what it is: reconnection_fee, tamper_penalty ... (required)"),
		amount: fs.String("amount", "", "what it charges, in minor `units` (required)")}
}

func (f chargeTypeFlags) parse() (backoffice.ChargeType, error) {
	for name, v := range map[string]string{"code": *f.code, "name": *f.name, "kind": *f.kind} {
		if err := required(name, v); err != nil {
			return backoffice.ChargeType{}, err
		}
	}
	amt, err := parseInt("amount", *f.amount, 1, 1<<50)
	if err != nil {
		return backoffice.ChargeType{}, err
	}
	return backoffice.ChargeType{Code: *f.code, Name: *f.name, Kind: *f.kind, Amount: core.Money(amt)}, nil
}

var adminChargeTypeCreate = adminCommand{summary: "add an entry to a utility's catalogue of charges", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	utility := fs.Int64("utility", 0, "`id` of the utility (required)")
	f := registerChargeType(fs)
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *utility <= 0 {
			return nil, usagef("--utility: required")
		}
		t, err := f.parse()
		if err != nil {
			return nil, err
		}
		t.UtilityID = *utility
		return a.svc.CreateChargeType(ctx, a.actor, t)
	}
}}

var adminChargeTypeUpdate = adminCommand{summary: "change an entry of the catalogue of charges (every field given)", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := idFlag(fs, "catalogue entry")
	version := versionFlag(fs)
	f := registerChargeType(fs)
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireID(*id); err != nil {
			return nil, err
		}
		if *version <= 0 {
			return nil, usagef("--version: required")
		}
		t, err := f.parse()
		if err != nil {
			return nil, err
		}
		t.ID, t.Version = *id, *version
		return a.svc.UpdateChargeType(ctx, a.actor, t)
	}
}}

var adminChargeTypeDeactivate = adminCommand{summary: "withdraw an entry of the catalogue of charges", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := idFlag(fs, "catalogue entry")
	version := versionFlag(fs)
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireID(*id); err != nil {
			return nil, err
		}
		if *version <= 0 {
			return nil, usagef("--version: required")
		}
		return a.svc.DeactivateChargeType(ctx, a.actor, *id, *version)
	}
}}

var adminChargeTypeList = adminCommand{summary: "list a utility's catalogue of charges", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	utility := fs.Int64("utility", 0, "`id` of the utility (required)")
	all := fs.Bool("all", false, "withdrawn entries too")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *utility <= 0 {
			return nil, usagef("--utility: required")
		}
		ts, err := a.svc.ChargeTypes(ctx, a.actor, *utility, *all)
		if err != nil {
			return nil, err
		}
		return map[string]any{"count": len(ts), "charge_types": ts}, nil
	}
}}

var adminChargeAdd = adminCommand{summary: "charge a customer's open contract with an entry of the catalogue", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	contract := fs.Int64("contract", 0, "`id` of the contract (required)")
	chargeType := fs.Int64("charge-type", 0, "`id` of the catalogue entry (required)")
	method := fs.String("method", string(backoffice.ChargeAtCounter), "how it is paid: counter or deduct")
	share := fs.String("share", "", "for deduct: the `share` of each purchase taken, above 0 and at most 1")
	reason := fs.String("reason", "", "why, kept in the audit trail (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		switch {
		case *contract <= 0:
			return nil, usagef("--contract: required")
		case *chargeType <= 0:
			return nil, usagef("--charge-type: required")
		}
		m, sh, err := parseChargeMethod(*method, *share)
		if err != nil {
			return nil, err
		}
		if err := required("reason", *reason); err != nil {
			return nil, err
		}
		return a.svc.ChargeCustomer(ctx, a.actor, backoffice.NewCharge{ContractID: *contract, ChargeTypeID: *chargeType,
			Method: m, Share: sh, Reason: *reason})
	}
}}

// parseChargeMethod reads --method and --share: a deducted charge needs a share above 0 and at
// most 1, a charge at the counter none.
func parseChargeMethod(method, share string) (backoffice.ChargeMethod, decimal.Decimal, error) {
	m := backoffice.ChargeMethod(method)
	switch {
	case m != backoffice.ChargeAtCounter && m != backoffice.ChargeDeducted:
		return "", decimal.Decimal{}, usagef("--method: %q is not counter or deduct", method)
	case m == backoffice.ChargeAtCounter && share != "":
		return "", decimal.Decimal{}, usagef("--share: only for --method deduct")
	case m == backoffice.ChargeAtCounter:
		return m, decimal.Decimal{}, nil
	}
	sh, err := parseDecimal("share", share)
	if err != nil || !sh.IsPositive() || sh.GreaterThan(decimal.NewFromInt(1)) {
		return "", decimal.Decimal{}, usagef("--share: %q is not a share above 0 and at most 1", share)
	}
	return m, sh, nil
}

var adminChargeCollect = adminCommand{summary: "collect a charge at the counter: prints the receipt", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := idFlag(fs, "charge")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireID(*id); err != nil {
			return nil, err
		}
		return a.svc.CollectCharge(ctx, a.actor, *id)
	}
}}

var adminChargeList = adminCommand{summary: "list the charges made to a contract", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	contract := fs.Int64("contract", 0, "`id` of the contract (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *contract <= 0 {
			return nil, usagef("--contract: required")
		}
		cs, err := a.svc.ContractCharges(ctx, a.actor, *contract)
		if err != nil {
			return nil, err
		}
		return map[string]any{"count": len(cs), "charges": cs}, nil
	}
}}
