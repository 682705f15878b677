package main

import (
	"context"
	"flag"

	"github.com/vendgate/vendgate/backoffice"
)

// Tampering: a case reported blocks the meter and orders its disconnection (a penalty charged
// when asked); resolving it issues the clear tamper token, unblocks the meter and orders its
// reconnection; orders are completed by the technician's note.

var adminTamperReport = adminCommand{summary: "report a tampered meter: vending blocked, disconnection ordered, a penalty charged when asked", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	number := fs.String("number", "", "the meter number (required)")
	source := fs.String("source", string(backoffice.TamperByStaff), "who found it: staff or readings")
	reason := fs.String("reason", "", "what was found (required)")
	penalty := fs.Int64("penalty", 0, "`id` of the catalogue entry charged as the penalty (0: none)")
	method := fs.String("method", string(backoffice.ChargeAtCounter), "how the penalty is paid: counter or deduct")
	share := fs.String("share", "", "for deduct: the `share` of each purchase taken, above 0 and at most 1")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := required("number", *number); err != nil {
			return nil, err
		}
		src := backoffice.TamperSource(*source)
		if src != backoffice.TamperByStaff && src != backoffice.TamperByReadings {
			return nil, usagef("--source: %q is not staff or readings", *source)
		}
		if err := required("reason", *reason); err != nil {
			return nil, err
		}
		n := backoffice.NewTamperCase{MeterNumber: *number, Source: src, Reason: *reason}
		if *penalty < 0 {
			return nil, usagef("--penalty: %d is not a catalogue entry's id", *penalty)
		}
		if *penalty > 0 {
			m, sh, err := parseChargeMethod(*method, *share)
			if err != nil {
				return nil, err
			}
			n.Penalty = &backoffice.TamperPenalty{ChargeTypeID: *penalty, Method: m, Share: sh}
		} else if given(fs, "method") || given(fs, "share") {
			return nil, usagef("--penalty: required with --method or --share")
		}
		return a.svc.ReportTamper(ctx, a.actor, n)
	}
}}

var adminTamperResolve = adminCommand{summary: "resolve a tamper case: the clear tamper token, vending unblocked, reconnection ordered", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := idFlag(fs, "tamper case")
	resolution := fs.String("resolution", "", "how it was resolved (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireID(*id); err != nil {
			return nil, err
		}
		if err := required("resolution", *resolution); err != nil {
			return nil, err
		}
		r, err := a.svc.ResolveTamper(ctx, a.actor, *id, *resolution)
		if err != nil {
			return nil, err
		}
		return map[string]any{"case": r.Case, "token": r.Token, "status_change": r.StatusChange, "reconnection": r.Reconnection}, nil
	}
}}

var adminTamperShow = adminCommand{summary: "show a tamper case", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := idFlag(fs, "tamper case")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireID(*id); err != nil {
			return nil, err
		}
		return a.svc.TamperCaseOf(ctx, a.actor, *id)
	}
}}

// meterFilter reads an optional --number into the meter's id (0 when not given).
func meterFilter(ctx context.Context, a *adminEnv, number string) (int64, error) {
	if number == "" {
		return 0, nil
	}
	return meterID(ctx, a, number)
}

var adminTamperList = adminCommand{summary: "list tamper cases", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	pf := registerPage(fs)
	utility := fs.Int64("utility", 0, "only this utility's `id`")
	number := fs.String("number", "", "only this meter's cases")
	status := fs.String("status", "", "only open or resolved cases")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		p, err := pf.page()
		if err != nil {
			return nil, err
		}
		st := backoffice.TamperStatus(*status)
		if st != "" && st != backoffice.TamperOpen && st != backoffice.TamperResolved {
			return nil, usagef("--status: %q is not open or resolved", *status)
		}
		m, err := meterFilter(ctx, a, *number)
		if err != nil {
			return nil, err
		}
		cs, err := a.svc.TamperCases(ctx, a.actor, backoffice.TamperQuery{UtilityID: *utility, MeterID: m, Status: st, AfterID: p.AfterID, Limit: p.Limit})
		if err != nil {
			return nil, err
		}
		return listed("cases", p, cs, func(c backoffice.TamperCase) int64 { return c.ID }), nil
	}
}}

var adminOrderComplete = adminCommand{summary: "complete a disconnection or reconnection order, with the technician's note", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := idFlag(fs, "order")
	note := fs.String("note", "", "what the technician found (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireID(*id); err != nil {
			return nil, err
		}
		if err := required("note", *note); err != nil {
			return nil, err
		}
		return a.svc.CompleteOrder(ctx, a.actor, *id, *note)
	}
}}

var adminOrderList = adminCommand{summary: "list disconnection and reconnection orders", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	pf := registerPage(fs)
	utility := fs.Int64("utility", 0, "only this utility's `id`")
	number := fs.String("number", "", "only this meter's orders")
	tamper := fs.Int64("tamper-case", 0, "only this tamper case's `id`")
	status := fs.String("status", "", "only open or done orders")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		p, err := pf.page()
		if err != nil {
			return nil, err
		}
		st := backoffice.OrderStatus(*status)
		if st != "" && st != backoffice.OrderOpen && st != backoffice.OrderDone {
			return nil, usagef("--status: %q is not open or done", *status)
		}
		m, err := meterFilter(ctx, a, *number)
		if err != nil {
			return nil, err
		}
		orders, err := a.svc.MeterOrders(ctx, a.actor, backoffice.OrderQuery{UtilityID: *utility, MeterID: m, TamperCaseID: *tamper,
			Status: st, AfterID: p.AfterID, Limit: p.Limit})
		if err != nil {
			return nil, err
		}
		return listed("orders", p, orders, func(o backoffice.MeterOrder) int64 { return o.ID }), nil
	}
}}

var adminMeterStatusHistory = adminCommand{summary: "list a meter's status changes, with their reasons", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	number := fs.String("number", "", "the meter number (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := required("number", *number); err != nil {
			return nil, err
		}
		cs, err := a.svc.MeterStatusHistory(ctx, a.actor, *number)
		if err != nil {
			return nil, err
		}
		return map[string]any{"count": len(cs), "changes": cs}, nil
	}
}}
