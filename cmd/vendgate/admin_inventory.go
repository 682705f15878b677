package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/vendgate/vendgate/backoffice"
)

// Meter storage: where each meter is (in store, issued, installed, removed, faulty, scrapped),
// its moves, and the batches meters arrive in.

var adminMeterMove = adminCommand{summary: "move a meter in storage: issue it to a technician, back to the store, faulty, scrapped", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	number := fs.String("number", "", "the meter number (required)")
	to := fs.String("to", "", "the new `state`: in_store, issued, faulty or scrapped (installed and removed go with a contract) (required)")
	reason := fs.String("reason", "", "why the meter moves (required)")
	technician := fs.String("technician", "", "who receives an issued meter (required for issued)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := required("number", *number); err != nil {
			return nil, err
		}
		st, err := backoffice.ParseStockState(*to)
		if err != nil {
			return nil, usagef("--to: %q is not one of in_store, issued, installed, removed, faulty, scrapped", *to)
		}
		if err := required("reason", *reason); err != nil {
			return nil, err
		}
		return a.svc.MoveMeter(ctx, a.actor, backoffice.StockMove{MeterNumber: *number, To: st, Reason: *reason, Technician: *technician})
	}
}}

var adminMeterStock = adminCommand{summary: "list meters in storage by state or batch, or show one meter's place", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	pf := registerPage(fs)
	number := fs.String("number", "", "show only this meter's place")
	utility := fs.Int64("utility", 0, "only this utility's `id`")
	state := fs.String("state", "", "only meters in this `state`: in_store, issued, installed, removed, faulty or scrapped")
	batch := fs.Int64("batch", 0, "only meters of this batch's `id`")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *number != "" {
			return a.svc.MeterStockOf(ctx, a.actor, *number)
		}
		p, err := pf.page()
		if err != nil {
			return nil, err
		}
		q := backoffice.StockQuery{AfterID: p.AfterID, Limit: p.Limit, UtilityID: *utility, BatchID: *batch}
		if *state != "" {
			if q.State, err = backoffice.ParseStockState(*state); err != nil {
				return nil, usagef("--state: %q is not one of in_store, issued, installed, removed, faulty, scrapped", *state)
			}
		}
		ms, err := a.svc.StockMeters(ctx, a.actor, q)
		if err != nil {
			return nil, err
		}
		return listed("meters", p, ms, func(m backoffice.MeterStock) int64 { return m.MeterID }), nil
	}
}}

var adminMeterMovements = adminCommand{summary: "list a meter's moves in storage, oldest first: who moved it, when and why", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	number := fs.String("number", "", "the meter number (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := required("number", *number); err != nil {
			return nil, err
		}
		ms, err := a.svc.MeterMovements(ctx, a.actor, *number)
		if err != nil {
			return nil, err
		}
		return map[string]any{"count": len(ms), "movements": ms}, nil
	}
}}

// adminMeterImport receives a manufacturer's CSV of meters as a batch: every row is checked
// before anything is written, a bad row is named with its column, and a dry run writes nothing.
// The progress goes to stderr as one line rewritten in place.
var adminMeterImport = adminCommand{summary: "receive a batch of meters from a manufacturer's CSV into storage (--dry-run checks only)", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	file := fs.String("file", "", "the CSV `file`: a header row (number,kind,sgc,krn,ti,kt,ea,base-date,ken) then a meter a row (required)")
	batch := fs.String("batch", "", "the manufacturer's batch or delivery `reference`, one import each (required)")
	utility := fs.Int64("utility", 0, "`id` of the utility receiving the meters (0: yours)")
	manufacturer := fs.String("manufacturer", "", "`name` of who made the meters (required)")
	note := fs.String("note", "", "a `note` kept with the batch")
	dryRun := fs.Bool("dry-run", false, "check every row and write nothing")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := required("file", *file); err != nil {
			return nil, err
		}
		if err := required("batch", *batch); err != nil {
			return nil, err
		}
		f, err := os.Open(*file)
		if err != nil {
			return nil, usagef("--file %s: cannot be read (%v)", *file, err)
		}
		defer f.Close()
		verb := "imported"
		if *dryRun {
			verb = "checked"
		}
		told := false
		progress := func(done, total int) {
			told = true
			fmt.Fprintf(a.stderr, "\rvendgate admin meter import: %d of %d meters %s", done, total, verb)
		}
		res, err := a.svc.ImportMeters(ctx, a.actor, backoffice.BatchInfo{UtilityID: *utility, Reference: *batch, Manufacturer: *manufacturer, Note: *note},
			f, *dryRun, progress)
		if told {
			fmt.Fprintln(a.stderr)
		}
		if err != nil {
			return nil, err
		}
		return res, nil
	}
}}

var adminMeterBatches = adminCommand{summary: "list the batches meters were received in", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	pf := registerPage(fs)
	utility := fs.Int64("utility", 0, "only this utility's `id`")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		p, err := pf.page()
		if err != nil {
			return nil, err
		}
		bs, err := a.svc.MeterBatches(ctx, a.actor, backoffice.BatchQuery{AfterID: p.AfterID, Limit: p.Limit, UtilityID: *utility})
		if err != nil {
			return nil, err
		}
		return listed("batches", p, bs, func(b backoffice.Batch) int64 { return b.ID }), nil
	}
}}
