package main

import (
	"context"
	"flag"
	"slices"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// adminRepliesList shows the outbox's replies in one status, oldest first: by default the failed
// ones, whose attempts ran out or whose link refused them for good, for an operator to resend.
// Recipients and tokens are masked (backoffice.ReplyView).
var adminRepliesList = adminCommand{summary: "list the outbox's replies in one status", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	status := fs.String("status", string(core.ReplyFailed), "failed, pending, sending or delivered")
	limit := fs.String("limit", "100", "at most this many")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		st := core.ReplyStatus(*status)
		if !slices.Contains(backoffice.ReplyStatuses, st) {
			return nil, usagef("--status: %q is not failed, pending, sending or delivered", *status)
		}
		n, err := parseInt("limit", *limit, 1, backoffice.MaxPage)
		if err != nil {
			return nil, err
		}
		replies, err := a.svc.Replies(ctx, a.actor, backoffice.ReplyQuery{Status: st, Limit: int(n)})
		if err != nil {
			return nil, err
		}
		return map[string]any{"status": st, "count": len(replies), "replies": replies}, nil
	}
}}

// adminRepliesResend sends a failed reply again: it becomes pending, due now, with its attempts
// reset, and a running server's relay picks it up at its next poll or sweep. A reply that is not
// failed is refused, naming its status.
var adminRepliesResend = adminCommand{summary: "send a failed reply again", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := fs.Int64("id", 0, "`id` of the reply (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireID(*id); err != nil {
			return nil, err
		}
		return a.svc.ResendReply(ctx, a.actor, *id)
	}
}}
