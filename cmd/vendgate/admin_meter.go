package main

import (
	"context"
	"flag"
	"strings"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

// keyFlags are the flags that describe a meter key within a supply group.
type keyFlags struct {
	group          *int64
	kt, ti, ea, bd *string
	ken            *int
}

func registerKeyFlags(fs *flag.FlagSet) keyFlags {
	return keyFlags{group: fs.Int64("supply-group", 0, "`id` of the supply group whose key the meter takes (required)"), kt: fs.String("kt", "2", "key `type`: 1, 2 or 3"), ti: fs.String("ti", "", "tariff `index`, 0 to 99 (required)"),
		ea: fs.String("ea", "07", "encryption `algorithm`: 07 or 11"), bd: fs.String("base-date", "2014", "token identifier base `year`: 1993, 2014 or 2035"), ken: fs.Int("ken", 255, "key expiry `number`, 0 to 255 (255: none)")}
}

// key builds the key of meter number; the back office gives it the supply group's SGC, KRN and
// DKGA.
func (f keyFlags) key(number string) (core.MeterKey, error) {
	if *f.group <= 0 {
		return core.MeterKey{}, usagef("--supply-group: required")
	}
	kt, err := parseInt("kt", *f.kt, 1, 3)
	if err != nil {
		return core.MeterKey{}, err
	}
	ti, err := parseInt("ti", *f.ti, 0, 99)
	if err != nil {
		return core.MeterKey{}, err
	}
	ea, err := sts.ParseEA(*f.ea)
	if err != nil || ea == sts.EA09 {
		return core.MeterKey{}, usagef("--ea: %q is not 07 or 11", *f.ea)
	}
	bd, err := sts.ParseBaseDate(*f.bd)
	if err != nil {
		return core.MeterKey{}, usagef("--base-date: %q is not 1993, 2014 or 2035", *f.bd)
	}
	if *f.ken < 0 || *f.ken > 255 {
		return core.MeterKey{}, usagef("--ken: %d is not 0..255", *f.ken)
	}
	pan, err := core.MeterNumber(number).PAN()
	if err != nil {
		return core.MeterKey{}, usagef("--number: %s", strings.TrimPrefix(err.Error(), "sts: "))
	}
	return core.MeterKey{PAN: pan, KT: sts.KeyType(kt), TI: uint8(ti), EA: ea, BaseDate: bd, KEN: sts.KEN(*f.ken)}, nil
}

var adminMeterCreate = adminCommand{summary: "register a meter with its key, customer and tariff", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	number := fs.String("number", "", "the meter number (required)")
	customer := fs.Int64("customer", 0, "`id` of the customer (required)")
	tariff := fs.Int64("tariff", 0, "`id` of the tariff (required)")
	kind := fs.String("kind", string(core.Electricity), "meter kind: electricity, water or gas")
	arrears := fs.String("arrears", "0", "opening arrears, in minor `units`")
	kf := registerKeyFlags(fs)
	return func(ctx context.Context, a *adminEnv) (any, error) {
		switch {
		case *number == "":
			return nil, usagef("--number: required")
		case *customer <= 0:
			return nil, usagef("--customer: required")
		case *tariff <= 0:
			return nil, usagef("--tariff: required")
		}
		switch core.MeterKind(*kind) {
		case core.Electricity, core.Water, core.Gas:
		default:
			return nil, usagef("--kind: %q is not electricity, water or gas", *kind)
		}
		arr, err := parseInt("arrears", *arrears, 0, 1<<40)
		if err != nil {
			return nil, err
		}
		key, err := kf.key(*number)
		if err != nil {
			return nil, err
		}
		m := core.Meter{Number: *number, Kind: core.MeterKind(*kind), Status: core.MeterActive, Key: key,
			SupplyGroupID: *kf.group, CustomerID: *customer, TariffID: *tariff}
		return a.svc.CreateMeter(ctx, a.actor, m, core.Money(arr))
	}
}}

// meterID finds the meter a command names by --number.
func meterID(ctx context.Context, a *adminEnv, number string) (int64, error) {
	if number == "" {
		return 0, usagef("--number: required")
	}
	return a.svc.MeterID(ctx, a.actor, number)
}

var adminMeterList = adminCommand{summary: "list meters", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	pf := registerPage(fs)
	utility := fs.Int64("utility", 0, "only this utility's `id`")
	customer := fs.Int64("customer", 0, "only this customer's `id`")
	status := fs.String("status", "", "only meters in this `status`: active, blocked or decommissioned")
	number := fs.String("number", "", "only meters whose number begins with these `digits`")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		p, err := pf.page()
		if err != nil {
			return nil, err
		}
		if *status != "" {
			if err := core.CheckMeterStatus(core.MeterStatus(*status)); err != nil {
				return nil, usagef("--status: %s", core.AsError(err).Message)
			}
		}
		ms, err := a.svc.Meters(ctx, a.actor, backoffice.MeterQuery{Page: p, UtilityID: *utility, CustomerID: *customer,
			Status: core.MeterStatus(*status), Number: *number})
		if err != nil {
			return nil, err
		}
		return listed("meters", p, ms, func(v backoffice.MeterView) int64 { return v.ID }), nil
	}
}}

var adminMeterShow = adminCommand{summary: "show a meter", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	number := fs.String("number", "", "the meter number (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		id, err := meterID(ctx, a, *number)
		if err != nil {
			return nil, err
		}
		return a.svc.Meter(ctx, a.actor, id)
	}
}}

var adminMeterUpdate = adminCommand{summary: "move a meter to another customer or tariff", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	number := fs.String("number", "", "the meter number (required)")
	version := versionFlag(fs)
	customer := fs.Int64("customer", 0, "`id` of the new customer")
	tariff := fs.Int64("tariff", 0, "`id` of the new tariff (of the meter's utility and kind)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		id, err := meterID(ctx, a, *number)
		if err != nil {
			return nil, err
		}
		var up backoffice.MeterUpdate
		if given(a.flags, "customer") {
			up.CustomerID = customer
		}
		if given(a.flags, "tariff") {
			up.TariffID = tariff
		}
		return a.svc.UpdateMeter(ctx, a.actor, id, *version, up)
	}
}}

var adminMeterKeyChange = adminCommand{summary: "set a pending key change: the next vend carries the key change tokens", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	number := fs.String("number", "", "the meter number (required)")
	rollover := fs.Bool("rollover", false, "the key change rolls the token identifier over")
	reason := fs.String("reason", "", "why the key changes, kept in the audit trail")
	kf := registerKeyFlags(fs)
	return func(ctx context.Context, a *adminEnv) (any, error) {
		id, err := meterID(ctx, a, *number)
		if err != nil {
			return nil, err
		}
		key, err := kf.key(*number)
		if err != nil {
			return nil, err
		}
		return a.svc.SetKeyChange(ctx, a.actor, id, *kf.group, key, *rollover, *reason)
	}
}}

var adminMeterConfirm = adminCommand{summary: "confirm that the meter took its pending key", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	number := fs.String("number", "", "the meter number (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		id, err := meterID(ctx, a, *number)
		if err != nil {
			return nil, err
		}
		return a.svc.ConfirmKeyChange(ctx, a.actor, id)
	}
}}

// adminMeterSetStatus blocks, unblocks or decommissions a meter, with the reason.
var adminMeterSetStatus = adminCommand{summary: "block, unblock or decommission a meter, with the reason", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	number := fs.String("number", "", "the meter number (required)")
	status := fs.String("status", "", "the new status: active, blocked or decommissioned (required)")
	reason := fs.String("reason", "", "why, kept in the audit trail (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := core.CheckMeterStatus(core.MeterStatus(*status)); err != nil {
			return nil, usagef("--status: %s", core.AsError(err).Message)
		}
		if err := required("reason", *reason); err != nil {
			return nil, err
		}
		id, err := meterID(ctx, a, *number)
		if err != nil {
			return nil, err
		}
		return a.svc.SetMeterStatus(ctx, a.actor, id, core.MeterStatus(*status), *reason)
	}
}}
