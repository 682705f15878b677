package backoffice

import (
	"context"
	"slices"
	"time"

	"github.com/vendgate/vendgate/core"
)

// ReplyQuery selects the outbox's replies in one status, oldest first.
type ReplyQuery struct {
	Status    core.ReplyStatus
	UtilityID int64 // only replies to this utility's vends; 0 for all
	Limit     int   // 1 to MaxPage; 0 is MaxPage
}

// ReplyStore reads the outbox and sends a failed reply again.
type ReplyStore interface {
	// Reply returns a reply, or not_found; ReplyList the replies q selects.
	Reply(ctx context.Context, id int64) (core.Reply, error)
	ReplyList(ctx context.Context, q ReplyQuery) ([]core.Reply, error)
	// ResendReply makes a failed reply pending again, due at now; not_found when it is not failed.
	ResendReply(ctx context.Context, id int64, now time.Time) error
}

// Reply actions.
const (
	ActionReplyRead   Action = "reply.read"
	ActionReplyResend Action = "reply.resend"
)

func replyTarget(id int64) string { return "reply:" + itoa(id) }

// ReplyStatuses are the statuses a list of replies takes.
var ReplyStatuses = []core.ReplyStatus{core.ReplyFailed, core.ReplyPending, core.ReplySending, core.ReplyDelivered}

// ReplyView is an outbox reply as the API and the audit trail show it. The recipient is masked
// (core.MaskPhone) and the body has every token masked but its last four digits
// (core.MaskTokens): an operator sees what the message was and which token it carried, enough to
// match a customer's complaint, and a listing pasted into a ticket leaks no credit. VendID is 0
// for a reply that answers no vend.
type ReplyView struct {
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

// rfc3339 prints a time in UTC; the zero time prints as "".
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// ReplyViewOf returns a reply's masked JSON form.
func ReplyViewOf(r core.Reply) ReplyView {
	out := ReplyView{ID: r.ID, VendID: r.VendID, Channel: r.Channel, Route: r.Route, Sender: r.Sender,
		Recipient: core.MaskPhone(r.Recipient), Status: string(r.Status), Attempts: r.Attempts, LastError: r.LastError,
		ExternalID: r.ExternalID, ReceiptStatus: r.ReceiptStatus, ReceiptAt: rfc3339(r.ReceiptAt),
		CreatedAt: rfc3339(r.CreatedAt), DeliveredAt: rfc3339(r.DeliveredAt), FailedAt: rfc3339(r.FailedAt),
		Body: core.MaskTokens(r.Body)}
	if r.Status == core.ReplyPending || r.Status == core.ReplySending {
		out.NextAttemptAt = rfc3339(r.NextAttemptAt)
	}
	return out
}

// Replies lists the outbox's replies in one status, oldest first.
func (s *Service) Replies(ctx context.Context, a Actor, q ReplyQuery) ([]ReplyView, error) {
	return read(ctx, s, a, PermVendsRead, ActionReplyRead, func(ctx context.Context) ([]ReplyView, error) {
		if !slices.Contains(ReplyStatuses, q.Status) {
			return nil, core.Errorf(core.CodeInvalid, ReasonInvalidFilter, "%q is not failed, pending, sending or delivered", q.Status).OnField("status")
		}
		if q.Limit < 0 || q.Limit > MaxPage {
			return nil, core.Errorf(core.CodeInvalid, ReasonInvalidPage, "a page holds 1 to %d records", MaxPage).OnField("limit")
		}
		if q.Limit == 0 {
			q.Limit = MaxPage
		}
		var err error
		if q.UtilityID, err = s.listUtility(ctx, a, PermVendsRead, ActionReplyRead, q.UtilityID); err != nil {
			return nil, err
		}
		rs, err := s.store.ReplyList(ctx, q)
		if err != nil {
			return nil, err
		}
		out := make([]ReplyView, len(rs))
		for i, r := range rs {
			out[i] = ReplyViewOf(r)
		}
		return out, nil
	})
}

// replyOwner is the utility of a reply's vend; a reply that answers no vend belongs to none, and
// only an operator of every utility may resend it.
func (s *Service) replyOwner(id int64) owner {
	return func(ctx context.Context) (int64, error) {
		r, err := s.store.Reply(ctx, id)
		if err != nil {
			return 0, found(err, core.ReasonReplyNotFound, "id", "reply", id)
		}
		if r.VendID == 0 {
			return 0, nil
		}
		return s.vendOwner(r.VendID)(ctx)
	}
}

// ResendReply sends a failed reply again: it becomes pending, due now, its attempts reset, and a
// running server's relay picks it up. A reply that is not failed is refused, naming its status.
func (s *Service) ResendReply(ctx context.Context, a Actor, id int64) (ReplyView, error) {
	return actOn(ctx, s, a, PermRepliesSend, ActionReplyResend, replyTarget(id), s.replyOwner(id), func(ctx context.Context) (ReplyView, Change, error) {
		r, err := s.store.Reply(ctx, id)
		if err != nil {
			return ReplyView{}, Change{}, found(err, core.ReasonReplyNotFound, "id", "reply", id)
		}
		notFailed := func(r core.Reply) error {
			return core.Errorf(core.CodeConflict, core.ReasonReplyNotFailed, "reply %d is %s, not failed: only a failed reply can be resent", r.ID, r.Status)
		}
		if r.Status != core.ReplyFailed {
			return ReplyView{}, Change{}, notFailed(r)
		}
		if err := s.store.ResendReply(ctx, id, s.now()); err != nil {
			if !isNotFound(err) {
				return ReplyView{}, Change{}, err
			}
			if r, err = s.store.Reply(ctx, id); err != nil {
				return ReplyView{}, Change{}, err
			}
			return ReplyView{}, Change{}, notFailed(r)
		}
		after, err := s.store.Reply(ctx, id)
		if err != nil {
			return ReplyView{}, Change{}, err
		}
		v := ReplyViewOf(after)
		return v, Change{Target: replyTarget(id), Before: ReplyViewOf(r), After: v}, nil
	})
}
