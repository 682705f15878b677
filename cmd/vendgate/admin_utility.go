package main

import (
	"context"
	"flag"
	"time"

	"github.com/vendgate/vendgate/core"
)

// utilityJSON and the other *JSON types are what admin commands print.
type utilityJSON struct {
	ID               int64  `json:"id"`
	Name             string `json:"name"`
	Currency         string `json:"currency"`
	TaxRate          string `json:"tax_rate"`
	TimeZone         string `json:"time_zone"`
	DebtRecoveryRate string `json:"debt_recovery_rate"`
	ReversalWindow   string `json:"reversal_window"`
}

var adminUtilityCreate = adminCommand{"create a utility: its currency, VAT, time zone, debt recovery and reversal window", func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
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
		u := &core.Utility{Name: *name, Currency: cur}
		if u.TaxRate, err = parseDecimal("tax-rate", *tax); err != nil {
			return nil, err
		}
		if u.DebtRecoveryRate, err = parseDecimal("debt-recovery-rate", *debt); err != nil {
			return nil, err
		}
		if u.Location, err = time.LoadLocation(*tz); err != nil {
			return nil, usagef("--time-zone: %q is not a time zone", *tz)
		}
		if u.ReversalWindow, err = time.ParseDuration(*window); err != nil || u.ReversalWindow < 0 {
			return nil, usagef("--reversal-window: %q is not a duration such as 24h", *window)
		}
		if err := a.db.CreateUtility(ctx, u); err != nil {
			return nil, err
		}
		return utilityJSON{ID: u.ID, Name: u.Name, Currency: cur.Code, TaxRate: u.TaxRate.String(), TimeZone: *tz,
			DebtRecoveryRate: u.DebtRecoveryRate.String(), ReversalWindow: u.ReversalWindow.String()}, nil
	}
}}
