package main

import (
	"context"
	"flag"
	"slices"
	"strconv"
	"strings"

	"github.com/vendgate/vendgate/backoffice"
)

// Engineering and test tokens for a registered meter, a meter's token history, and reprints.

var adminMeterEngineeringToken = adminCommand{summary: "issue an engineering or test token for a meter, with the reason (a clear credit token under approval)", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	number := fs.String("number", "", "the meter number (required)")
	kinds := strings.Join(backoffice.EngineeringKindNames(), ", ")
	kind := fs.String("kind", "", "the token's `kind`: "+kinds+" (required)")
	value := fs.String("value", "0", "what the token sets, a whole `number` (the power limit, the rate ...; 0 for a kind that sets nothing)")
	reason := fs.String("reason", "", "why, kept with the token and in the audit trail (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := required("number", *number); err != nil {
			return nil, err
		}
		if !slices.Contains(backoffice.EngineeringKindNames(), *kind) {
			return nil, usagef("--kind: %q is not one of %s", *kind, kinds)
		}
		v, err := strconv.ParseUint(*value, 10, 64)
		if err != nil {
			return nil, usagef("--value: %q is not a whole number from 0", *value)
		}
		if err := required("reason", *reason); err != nil {
			return nil, err
		}
		return gated(a.svc.IssueEngineeringToken(ctx, a.actor, backoffice.EngineeringRequest{MeterNumber: *number, Kind: *kind, Value: v, Reason: *reason}))
	}
}}

var adminMeterTokens = adminCommand{summary: "list every token a meter was given, newest first, digits masked", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	number := fs.String("number", "", "the meter number (required)")
	offset := fs.Int("offset", 0, "skip this many of the newest tokens")
	limit := fs.Int("limit", backoffice.MaxMeterTokenPage, "at most this many tokens, 1 to 500")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := required("number", *number); err != nil {
			return nil, err
		}
		if *offset < 0 {
			return nil, usagef("--offset: %d is negative", *offset)
		}
		if *limit < 1 || *limit > backoffice.MaxMeterTokenPage {
			return nil, usagef("--limit: 1 to %d", backoffice.MaxMeterTokenPage)
		}
		ts, err := a.svc.MeterTokenHistory(ctx, a.actor, *number, backoffice.MeterTokenPage{Offset: *offset, Limit: *limit})
		if err != nil {
			return nil, err
		}
		return map[string]any{"count": len(ts), "tokens": ts}, nil
	}
}}

// adminMeterReprint shows a token's digits again (counted and audited): a vend's token by the
// vend and its place on it, an engineering token by its id.
var adminMeterReprint = adminCommand{summary: "reprint a meter's token: a vend's (--source vend --id V --seq N) or an engineering token (--source engineering --id E)", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	source := fs.String("source", string(backoffice.SourceVend), "whose token: vend or engineering")
	id := fs.Int64("id", 0, "`id` of the vend or the engineering token, as meter tokens prints it (record_id) (required)")
	seq := fs.Int("seq", 1, "the token's place on the vend, from 1 (seq)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		src := backoffice.TokenSource(*source)
		if src != backoffice.SourceVend && src != backoffice.SourceEngineering {
			return nil, usagef("--source: %q is not vend or engineering", *source)
		}
		if err := requireID(*id); err != nil {
			return nil, err
		}
		if *seq < 1 {
			return nil, usagef("--seq: %d is not a place from 1", *seq)
		}
		return a.svc.ReprintToken(ctx, a.actor, backoffice.MeterTokenRef{Source: src, ID: *id, Seq: *seq})
	}
}}
