package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/sts"
)

type meterJSON struct {
	ID              int64    `json:"id"`
	Number          string   `json:"number"`
	Kind            string   `json:"kind"`
	Status          string   `json:"status"`
	Key             keyJSON  `json:"key"`
	PendingKey      *keyJSON `json:"pending_key,omitempty"`
	PendingRollover bool     `json:"pending_rollover,omitempty"`
}

type keyJSON struct {
	PAN      string `json:"pan"`
	SGC      string `json:"sgc"`
	KRN      uint8  `json:"krn"`
	KT       uint8  `json:"kt"`
	TI       string `json:"ti"`
	DKGA     string `json:"dkga"`
	EA       string `json:"ea"`
	BaseDate string `json:"base_date"`
	KEN      uint8  `json:"ken"`
}

func toKeyJSON(k core.MeterKey) keyJSON {
	return keyJSON{PAN: k.PAN.String(), SGC: k.SGC.String(), KRN: k.KRN, KT: uint8(k.KT), TI: fmt.Sprintf("%02d", k.TI),
		DKGA: k.DKGA.String(), EA: k.EA.String(), BaseDate: k.BaseDate.String(), KEN: uint8(k.KEN)}
}

func toMeterJSON(m core.Meter) meterJSON {
	out := meterJSON{ID: m.ID, Number: m.Number, Kind: string(m.Kind), Status: string(m.Status), Key: toKeyJSON(m.Key),
		PendingRollover: m.PendingRollover}
	if m.PendingKey != nil {
		k := toKeyJSON(*m.PendingKey)
		out.PendingKey = &k
	}
	return out
}

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

// key builds the key of meter number in the flags' supply group (its SGC, KRN and DKGA).
func (f keyFlags) key(ctx context.Context, db *store.DB, number string) (core.MeterKey, error) {
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
	g, err := db.SupplyGroup(ctx, *f.group)
	if errors.Is(err, core.ErrNotFound) {
		return core.MeterKey{}, notFound("supply-group", "supply group", *f.group)
	}
	if err != nil {
		return core.MeterKey{}, err
	}
	return core.MeterKey{PAN: pan, SGC: g.SGC, KRN: g.KRN, KT: sts.KeyType(kt), TI: uint8(ti), DKGA: g.DKGA, EA: ea,
		BaseDate: bd, KEN: sts.KEN(*f.ken)}, nil
}

var adminMeterCreate = adminCommand{"register a meter with its key, customer and tariff", func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
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
		if _, err := a.db.Customer(ctx, *customer); err != nil {
			return nil, lookup(err, "customer", "customer", *customer)
		}
		if _, err := a.db.TariffUtility(ctx, *tariff); err != nil {
			return nil, lookup(err, "tariff", "tariff", *tariff)
		}
		key, err := kf.key(ctx, a.db, *number)
		if err != nil {
			return nil, err
		}
		m := &core.Meter{Number: *number, Kind: core.MeterKind(*kind), Status: core.MeterActive, Key: key,
			SupplyGroupID: *kf.group, CustomerID: *customer, TariffID: *tariff}
		if err := a.db.CreateMeter(ctx, m, core.Money(arr)); err != nil {
			return nil, err
		}
		return toMeterJSON(*m), nil
	}
}}

// meterByNumber finds a meter for the key change commands.
func meterByNumber(ctx context.Context, db *store.DB, number string) (core.Meter, error) {
	if number == "" {
		return core.Meter{}, usagef("--number: required")
	}
	v, err := db.MeterByNumber(ctx, number)
	if errors.Is(err, core.ErrNotFound) {
		return core.Meter{}, core.Errorf(core.CodeNotFound, core.ReasonMeterNotFound, "--number %s: meter %s does not exist", number, number)
	}
	return v.Meter, err
}

var adminMeterKeyChange = adminCommand{"set a pending key change: the next vend carries the key change tokens", func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	number := fs.String("number", "", "the meter number (required)")
	rollover := fs.Bool("rollover", false, "the key change rolls the token identifier over")
	kf := registerKeyFlags(fs)
	return func(ctx context.Context, a *adminEnv) (any, error) {
		m, err := meterByNumber(ctx, a.db, *number)
		if err != nil {
			return nil, err
		}
		key, err := kf.key(ctx, a.db, *number)
		if err != nil {
			return nil, err
		}
		if err := a.db.SetPendingKeyChange(ctx, m.ID, &key, *rollover); err != nil {
			return nil, err
		}
		m, err = meterByNumber(ctx, a.db, *number)
		if err != nil {
			return nil, err
		}
		return toMeterJSON(m), nil
	}
}}

var adminMeterConfirm = adminCommand{"confirm that the meter took its pending key", func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	number := fs.String("number", "", "the meter number (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		m, err := meterByNumber(ctx, a.db, *number)
		if err != nil {
			return nil, err
		}
		if err := a.db.ConfirmKeyChange(ctx, m.ID); err != nil {
			return nil, err
		}
		m, err = meterByNumber(ctx, a.db, *number)
		if err != nil {
			return nil, err
		}
		return toMeterJSON(m), nil
	}
}}

// adminMeterSetStatus blocks, unblocks or decommissions a meter.
var adminMeterSetStatus = adminCommand{"block, unblock or decommission a meter", func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	number := fs.String("number", "", "the meter number (required)")
	status := fs.String("status", "", "the new status: active, blocked or decommissioned (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := core.CheckMeterStatus(core.MeterStatus(*status)); err != nil {
			return nil, usagef("--status: %s", core.AsError(err).Message)
		}
		m, err := meterByNumber(ctx, a.db, *number)
		if err != nil {
			return nil, err
		}
		if err := a.db.SetMeterStatus(ctx, m.ID, core.MeterStatus(*status)); err != nil {
			return nil, err
		}
		m, err = meterByNumber(ctx, a.db, *number)
		if err != nil {
			return nil, err
		}
		return toMeterJSON(m), nil
	}
}}
