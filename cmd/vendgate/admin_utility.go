package main

import (
	"context"
	"flag"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

var adminUtilityCreate = adminCommand{summary: "create a utility: its currency, VAT, time zone, debt recovery and reversal window", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	name := fs.String("name", "", "the utility's name (required)")
	currency := fs.String("currency", "", "ISO 4217 `code` of its money, e.g. ZAR (required)")
	tax := fs.String("tax-rate", "", "VAT as a `rate`, e.g. 0.15 (required)")
	tz := fs.String("time-zone", "UTC", "IANA time `zone` its receipts are printed in")
	debt := fs.String("debt-recovery-rate", "0", "share of each payment that goes to arrears, 0 to 1")
	window := fs.String("reversal-window", core.DefaultReversalWindow.String(), "how long after a sale an agent may reverse it (an operator may at any time)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		for _, r := range [][2]string{{"name", *name}, {"currency", *currency}, {"tax-rate", *tax}} {
			if err := required(r[0], r[1]); err != nil {
				return nil, err
			}
		}
		cur, err := core.ParseCurrency(*currency)
		if err != nil {
			return nil, usagef("--currency: %q is not a supported ISO 4217 code", *currency)
		}
		u := core.Utility{Name: *name, Currency: cur}
		if u.TaxRate, err = parseDecimal("tax-rate", *tax); err != nil {
			return nil, err
		}
		if u.DebtRecoveryRate, err = parseDecimal("debt-recovery-rate", *debt); err != nil {
			return nil, err
		}
		if u.Location, err = parseTimeZone(*tz); err != nil {
			return nil, err
		}
		if u.ReversalWindow, err = parseWindow(*window); err != nil {
			return nil, err
		}
		return a.svc.CreateUtility(ctx, a.actor, u)
	}
}}

func parseTimeZone(tz string) (*time.Location, error) {
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" || tz == "Local" {
		return nil, usagef("--time-zone: %q is not a time zone", tz)
	}
	return loc, nil
}

func parseWindow(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, usagef("--reversal-window: %q is not a duration such as 24h", v)
	}
	return d, nil
}

// pageFlags are the flags of a list's page.
type pageFlags struct {
	after *int64
	limit *int
}

func registerPage(fs *flag.FlagSet) pageFlags {
	return pageFlags{after: fs.Int64("after", 0, "only records after this `id` (the page cursor)"),
		limit: fs.Int("limit", 100, limitHelp)}
}

const limitHelp = "at most this many records, 1 to 500"

func (p pageFlags) page() (backoffice.Page, error) {
	if *p.limit < 1 || *p.limit > backoffice.MaxPage {
		return backoffice.Page{}, usagef("--limit: 1 to %d", backoffice.MaxPage)
	}
	if *p.after < 0 {
		return backoffice.Page{}, usagef("--after: a record's id")
	}
	return backoffice.Page{AfterID: *p.after, Limit: *p.limit}, nil
}

// listed is what a list command prints: the records under their name, how many, and the cursor
// of the next page when this one is full.
func listed[V any](name string, page backoffice.Page, records []V, id func(V) int64) map[string]any {
	out := map[string]any{"count": len(records), name: records}
	if len(records) > 0 && len(records) == page.Limit {
		out["next_after"] = id(records[len(records)-1])
	}
	return out
}

var adminUtilityList = adminCommand{summary: "list utilities", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	pf := registerPage(fs)
	search := fs.String("search", "", "only utilities whose name holds this `text`")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		p, err := pf.page()
		if err != nil {
			return nil, err
		}
		us, err := a.svc.Utilities(ctx, a.actor, backoffice.UtilityQuery{Page: p, Search: *search})
		if err != nil {
			return nil, err
		}
		return listed("utilities", p, us, func(v backoffice.UtilityView) int64 { return v.ID }), nil
	}
}}

// idFlag registers the --id flag of a command on one record.
func idFlag(fs *flag.FlagSet, what string) *int64 {
	return fs.Int64("id", 0, "`id` of the "+what+" (required)")
}

func requireID(id int64) error {
	if id <= 0 {
		return usagef("--id: required")
	}
	return nil
}

// versionFlag registers the --version flag of an update: the version the operator read.
func versionFlag(fs *flag.FlagSet) *int64 {
	return fs.Int64("version", 0, "the record's `version` as you read it (show prints it); a record changed since is refused (required)")
}

// given reports whether a flag was given on the command line.
func given(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

var adminUtilityShow = adminCommand{summary: "show a utility", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := idFlag(fs, "utility")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireID(*id); err != nil {
			return nil, err
		}
		return a.svc.Utility(ctx, a.actor, *id)
	}
}}

var adminUtilityUpdate = adminCommand{summary: "rename a utility or change its time zone", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := idFlag(fs, "utility")
	version := versionFlag(fs)
	name := fs.String("name", "", "the new `name`")
	tz := fs.String("time-zone", "", "the new IANA time `zone`")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireID(*id); err != nil {
			return nil, err
		}
		var up backoffice.UtilityUpdate
		if given(a.flags, "name") {
			up.Name = name
		}
		if given(a.flags, "time-zone") {
			up.TimeZone = tz
		}
		return a.svc.UpdateUtility(ctx, a.actor, *id, *version, up)
	}
}}

var adminUtilityParameters = adminCommand{summary: "change a utility's VAT rate, debt recovery rate or reversal window", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := idFlag(fs, "utility")
	version := versionFlag(fs)
	tax := fs.String("tax-rate", "", "the new VAT `rate`, e.g. 0.15")
	debt := fs.String("debt-recovery-rate", "", "the new share of each payment that goes to arrears, 0 to 1")
	window := fs.String("reversal-window", "", "the new reversal `window`, e.g. 24h")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireID(*id); err != nil {
			return nil, err
		}
		var p backoffice.UtilityParameters
		for _, d := range []struct {
			name string
			v    string
			to   **decimal.Decimal
		}{{"tax-rate", *tax, &p.TaxRate}, {"debt-recovery-rate", *debt, &p.DebtRecoveryRate}} {
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
			p.ReversalWindow = &w
		}
		return a.svc.SetUtilityParameters(ctx, a.actor, *id, *version, p)
	}
}}
