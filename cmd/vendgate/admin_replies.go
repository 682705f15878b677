package main

import (
	"context"
	"errors"
	"flag"
	"slices"
	"time"

	"github.com/vendgate/vendgate/core"
)

// replyJSON is an outbox reply as admin prints it. The recipient is masked (core.MaskPhone) and
// the body has every token masked but its last four digits (core.MaskTokens): an operator sees what
// the message was and which token it carried, enough to match a customer's complaint, and a
// listing pasted into a ticket leaks no credit. VendID is 0 for a reply that answers no vend.
type replyJSON struct {
	ID            int64  `json:"id"`
	VendID        int64  `json:"vend_id"`
	Channel       string `json:"channel"`
	Route         string `json:"route"`
	Sender        string `json:"sender"`
	Recipient     string `json:"recipient"`
	Status        string `json:"status"`
	Attempts      int    `json:"attempts"`
	LastError     string `json:"last_error,omitempty"`
	ExternalID    string `json:"external_id,omitempty"`
	ReceiptStatus string `json:"receipt_status,omitempty"`
	ReceiptAt     string `json:"receipt_at,omitempty"`
	CreatedAt     string `json:"created_at"`
	NextAttemptAt string `json:"next_attempt_at,omitempty"`
	DeliveredAt   string `json:"delivered_at,omitempty"`
	FailedAt      string `json:"failed_at,omitempty"`
	Body          string `json:"body_masked"`
}

func toReplyJSON(r core.Reply) replyJSON {
	out := replyJSON{ID: r.ID, VendID: r.VendID, Channel: r.Channel, Route: r.Route, Sender: r.Sender,
		Recipient: core.MaskPhone(r.Recipient), Status: string(r.Status), Attempts: r.Attempts, LastError: r.LastError,
		ExternalID: r.ExternalID, ReceiptStatus: r.ReceiptStatus, ReceiptAt: adminTime(r.ReceiptAt),
		CreatedAt: adminTime(r.CreatedAt), DeliveredAt: adminTime(r.DeliveredAt), FailedAt: adminTime(r.FailedAt),
		Body: core.MaskTokens(r.Body)}
	if r.Status == core.ReplyPending || r.Status == core.ReplySending {
		out.NextAttemptAt = adminTime(r.NextAttemptAt)
	}
	return out
}

// replyStatuses are the statuses --status takes.
var replyStatuses = []core.ReplyStatus{core.ReplyFailed, core.ReplyPending, core.ReplySending, core.ReplyDelivered}

// adminRepliesList shows the outbox's replies in one status, oldest first: by default the failed
// ones, whose attempts ran out or whose link refused them for good, for an operator to resend.
var adminRepliesList = adminCommand{"list the outbox's replies in one status", func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	status := fs.String("status", string(core.ReplyFailed), "failed, pending, sending or delivered")
	limit := fs.String("limit", "100", "at most this many")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		st := core.ReplyStatus(*status)
		if !slices.Contains(replyStatuses, st) {
			return nil, usagef("--status: %q is not failed, pending, sending or delivered", *status)
		}
		n, err := parseInt("limit", *limit, 1, 1000)
		if err != nil {
			return nil, err
		}
		var rs core.ReplyReader = a.db
		replies, err := rs.RepliesByStatus(ctx, st, int(n))
		if err != nil {
			return nil, err
		}
		out := make([]replyJSON, len(replies))
		for i, r := range replies {
			out[i] = toReplyJSON(r)
		}
		return map[string]any{"status": st, "count": len(out), "replies": out}, nil
	}
}}

// adminRepliesResend sends a failed reply again: it becomes pending, due now, with its attempts
// reset, and a running server's relay picks it up at its next poll or sweep. A reply that is not
// failed is refused, naming its status: a delivered one went out already, a pending or sending
// one is still being tried.
var adminRepliesResend = adminCommand{"send a failed reply again", func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := fs.Int64("id", 0, "`id` of the reply (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *id <= 0 {
			return nil, usagef("--id: required")
		}
		notFailed := func(r core.Reply) error {
			return core.Errorf(core.CodeConflict, core.ReasonReplyNotFailed,
				"reply %d is %s, not failed: only a failed reply can be resent", r.ID, r.Status)
		}
		r, err := a.db.Reply(ctx, *id)
		if errors.Is(err, core.ErrNotFound) {
			return nil, core.Errorf(core.CodeNotFound, core.ReasonReplyNotFound, "reply %d does not exist", *id)
		}
		if err != nil {
			return nil, err
		}
		if r.Status != core.ReplyFailed {
			return nil, notFailed(r)
		}
		var resender core.ReplyResender = a.db
		if err := resender.ResendReply(ctx, *id, time.Now()); err != nil {
			if !errors.Is(err, core.ErrNotFound) {
				return nil, err
			}
			// Another operator resent it in between: say what it is now.
			if r, err = a.db.Reply(ctx, *id); err != nil {
				return nil, err
			}
			return nil, notFailed(r)
		}
		if r, err = a.db.Reply(ctx, *id); err != nil {
			return nil, err
		}
		return toReplyJSON(r), nil
	}
}}
