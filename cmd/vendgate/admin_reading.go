package main

import (
	"context"
	"flag"
	"os"
	"time"

	"github.com/vendgate/vendgate/backoffice"
)

// Meter readings: recorded by hand or imported from a CSV, listed; the consumption they measure
// beside the credit sold, and the meters whose consumption and purchases disagree.

// parseTimeFlag reads a time flag: an RFC 3339 time or a day (2006-01-02, its first instant in
// UTC).
func parseTimeFlag(name, v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Time{}, usagef("--%s: %q is not a time such as 2026-12-01T08:00:00Z or a day such as 2026-12-01", name, v)
}

// periodFlags are --from and --to of a command over a period.
type periodFlags struct{ from, to *string }

func registerPeriod(fs *flag.FlagSet) periodFlags {
	return periodFlags{from: fs.String("from", "", "the period's start: an RFC 3339 `time` or a day (required)"),
		to: fs.String("to", "", "the period's end: an RFC 3339 `time` or a day (required)")}
}

func (p periodFlags) parse() (from, to time.Time, err error) {
	if err = required("from", *p.from); err != nil {
		return
	}
	if err = required("to", *p.to); err != nil {
		return
	}
	if from, err = parseTimeFlag("from", *p.from); err != nil {
		return
	}
	if to, err = parseTimeFlag("to", *p.to); err != nil {
		return
	}
	if !to.After(from) {
		err = usagef("--to: %s is not after --from", *p.to)
	}
	return
}

var adminReadingRecord = adminCommand{summary: "record a meter's reading, by hand", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	number := fs.String("number", "", "the meter number (required)")
	reading := fs.String("reading", "", "the register, in the meter's kind's `unit` (one decimal) (required)")
	at := fs.String("read-at", "", "when it was read: an RFC 3339 `time` (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := required("number", *number); err != nil {
			return nil, err
		}
		if err := required("reading", *reading); err != nil {
			return nil, err
		}
		r, err := parseTenthsFlag("reading", *reading)
		if err != nil {
			return nil, err
		}
		if err := required("read-at", *at); err != nil {
			return nil, err
		}
		t, err := parseTimeFlag("read-at", *at)
		if err != nil {
			return nil, err
		}
		return a.svc.RecordReading(ctx, a.actor, backoffice.NewReading{MeterNumber: *number, Reading: r, ReadAt: t})
	}
}}

var adminReadingImport = adminCommand{summary: "import a readings CSV, all or nothing (bad rows named by row and column)", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	file := fs.String("file", "", "the CSV `file`: meter_number,reading,read_at (required)")
	dryRun := fs.Bool("dry-run", false, "check every row and write nothing")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := required("file", *file); err != nil {
			return nil, err
		}
		f, err := os.Open(*file)
		if err != nil {
			return nil, usagef("--file %s: cannot be read (%v)", *file, err)
		}
		defer f.Close()
		return a.svc.ImportReadings(ctx, a.actor, f, *dryRun)
	}
}}

var adminReadingList = adminCommand{summary: "list a meter's readings in a period", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	number := fs.String("number", "", "the meter number (required)")
	pf := registerPeriod(fs)
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := required("number", *number); err != nil {
			return nil, err
		}
		from, to, err := pf.parse()
		if err != nil {
			return nil, err
		}
		rs, err := a.svc.MeterReadingsOf(ctx, a.actor, *number, from, to)
		if err != nil {
			return nil, err
		}
		return map[string]any{"count": len(rs), "readings": rs}, nil
	}
}}

var adminMeterConsumption = adminCommand{summary: "a meter's consumption in a period beside the credit it received", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	number := fs.String("number", "", "the meter number (required)")
	pf := registerPeriod(fs)
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := required("number", *number); err != nil {
			return nil, err
		}
		from, to, err := pf.parse()
		if err != nil {
			return nil, err
		}
		return a.svc.MeterConsumption(ctx, a.actor, *number, from, to)
	}
}}

var adminReadingExceptions = adminCommand{summary: "meters that consumed without purchases, or were sold energy and consumed none", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	utility := fs.Int64("utility", 0, "`id` of the utility (0: the operator's)")
	pf := registerPeriod(fs)
	return func(ctx context.Context, a *adminEnv) (any, error) {
		from, to, err := pf.parse()
		if err != nil {
			return nil, err
		}
		return a.svc.Exceptions(ctx, a.actor, *utility, from, to)
	}
}}

var adminReadingTamperSuspects = adminCommand{summary: "meters whose readings show consumption far beyond their credit", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	utility := fs.Int64("utility", 0, "`id` of the utility (0: the operator's)")
	pf := registerPeriod(fs)
	ratio := fs.Int64("ratio", 150, "consumption above this `percent` of the credit received, 100 to 100000")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		from, to, err := pf.parse()
		if err != nil {
			return nil, err
		}
		if *ratio < 100 || *ratio > 100_000 {
			return nil, usagef("--ratio: %d is not 100 to 100000", *ratio)
		}
		cs, err := a.svc.TamperSuspects(ctx, a.actor, *utility, from, to, *ratio)
		if err != nil {
			return nil, err
		}
		return map[string]any{"count": len(cs), "meters": cs}, nil
	}
}}
