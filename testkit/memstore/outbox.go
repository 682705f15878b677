package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vendgate/vendgate/core"
)

var _ core.ReplyStore = (*Store)(nil)

// replyRow is a reply with the external ids delivery receipts can name.
type replyRow struct {
	core.Reply
	externalIDs []string
}

// newReply checks a reply, fills in what core.ReplyAdder says and gives it an ID.
func (s *Store) newReply(r *core.Reply) (*replyRow, error) {
	for _, f := range []struct{ name, value string }{
		{"channel", r.Channel}, {"route", r.Route}, {"recipient", r.Recipient}, {"body", r.Body},
	} {
		if strings.TrimSpace(f.value) == "" {
			return nil, core.Errorf(core.CodeInvalid, core.ReasonInvalidReply, "a reply needs a %s", f.name)
		}
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = s.now()
	}
	r.CreatedAt = r.CreatedAt.UTC().Truncate(time.Microsecond)
	if r.NextAttemptAt.IsZero() {
		r.NextAttemptAt = r.CreatedAt
	}
	r.NextAttemptAt = r.NextAttemptAt.UTC().Truncate(time.Microsecond)
	r.Status, r.Attempts, r.Claim = core.ReplyPending, 0, 0
	s.mu.Lock()
	r.ID = s.nextID("replies")
	s.mu.Unlock()
	return &replyRow{Reply: *r}, nil
}

// AddReply writes a reply on its own and sets r.ID.
func (s *Store) AddReply(ctx context.Context, r *core.Reply) error {
	if err := s.failed(ctx, "AddReply"); err != nil {
		return err
	}
	row, err := s.newReply(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.replies[row.ID] = row
	s.mu.Unlock()
	return nil
}

// due reports whether a relay may claim the reply at now. s.mu is held.
func due(r *replyRow, now time.Time) bool {
	return (r.Status == core.ReplyPending || r.Status == core.ReplySending) && !r.NextAttemptAt.After(now)
}

// claim leases a reply to a relay. s.mu is held.
func claim(r *replyRow, now time.Time, lease time.Duration) {
	r.Status, r.Attempts, r.Claim, r.NextAttemptAt = core.ReplySending, r.Attempts+1, r.Claim+1, now.Add(lease)
}

// dueOrder is the order relays take due replies in: oldest due first.
func dueOrder(a, b *replyRow) int {
	return cmp.Or(a.NextAttemptAt.Compare(b.NextAttemptAt), cmp.Compare(a.ID, b.ID))
}

// ClaimReplies claims up to limit due replies, oldest due first, leaving skipRoutes' alone; they
// come back in ID order.
func (s *Store) ClaimReplies(ctx context.Context, now time.Time, lease time.Duration, limit int, skipRoutes ...string) ([]core.Reply, error) {
	if err := s.failed(ctx, "ClaimReplies"); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, nil
	}
	now = now.UTC().Truncate(time.Microsecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	var picked []*replyRow
	for _, r := range s.replies {
		if due(r, now) && !slices.Contains(skipRoutes, r.Route) {
			picked = append(picked, r)
		}
	}
	slices.SortFunc(picked, dueOrder)
	picked = picked[:min(limit, len(picked))]
	out := make([]core.Reply, len(picked))
	for i, r := range picked {
		claim(r, now, lease)
		out[i] = r.Reply
	}
	slices.SortFunc(out, func(a, b core.Reply) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// ClaimReply claims one reply by ID when it is due; otherwise it returns the reply as it stands
// and claimed false (core.ErrNotFound when there is none).
func (s *Store) ClaimReply(ctx context.Context, id int64, now time.Time, lease time.Duration) (core.Reply, bool, error) {
	if err := s.failed(ctx, "ClaimReply"); err != nil {
		return core.Reply{}, false, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.replies[id]
	if !ok {
		return core.Reply{}, false, core.ErrNotFound
	}
	if !due(r, now) {
		return r.Reply, false, nil
	}
	claim(r, now, lease)
	return r.Reply, true, nil
}

// outcome changes a reply still under the claim that reports, or answers reply_lease_lost.
func (s *Store) outcome(ctx context.Context, op string, id, claim int64, fn func(r *replyRow)) error {
	if err := s.failed(ctx, op); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.replies[id]
	if !ok || r.Claim != claim || r.Status != core.ReplySending {
		return core.Errorf(core.CodeConflict, core.ReasonReplyLeaseLost,
			"reply %d is no longer under claim %d: its lease ran out and another relay claimed it", id, claim)
	}
	fn(r)
	return nil
}

// MarkReplyDelivered records that the link took the reply, with the id(s) it gave.
func (s *Store) MarkReplyDelivered(ctx context.Context, id, claim int64, externalID string, at time.Time) error {
	return s.outcome(ctx, "MarkReplyDelivered", id, claim, func(r *replyRow) {
		ids := strings.Fields(externalID)
		r.Status, r.ExternalID, r.DeliveredAt, r.LastError = core.ReplyDelivered, strings.Join(ids, " "), at.UTC(), ""
		r.externalIDs = append(r.externalIDs, ids...)
	})
}

// RetryReply records a failed attempt: pending again, due at at, with the reason.
func (s *Store) RetryReply(ctx context.Context, id, claim int64, at time.Time, lastError string) error {
	return s.outcome(ctx, "RetryReply", id, claim, func(r *replyRow) {
		r.Status, r.NextAttemptAt, r.LastError = core.ReplyPending, at.UTC().Truncate(time.Microsecond), lastError
	})
}

// PostponeReply makes a claimed reply pending again, due at at, and gives back its attempt.
func (s *Store) PostponeReply(ctx context.Context, id, claim int64, at time.Time) error {
	return s.outcome(ctx, "PostponeReply", id, claim, func(r *replyRow) {
		r.Status, r.NextAttemptAt, r.Attempts = core.ReplyPending, at.UTC().Truncate(time.Microsecond), r.Attempts-1
	})
}

// FailReply marks a claimed reply failed, with the reason.
func (s *Store) FailReply(ctx context.Context, id, claim int64, lastError string, at time.Time) error {
	return s.outcome(ctx, "FailReply", id, claim, func(r *replyRow) {
		r.Status, r.LastError, r.FailedAt = core.ReplyFailed, lastError, at.UTC()
	})
}

// Reply returns a reply by ID, or core.ErrNotFound.
func (s *Store) Reply(ctx context.Context, id int64) (core.Reply, error) {
	if err := s.failed(ctx, "Reply"); err != nil {
		return core.Reply{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.replies[id]
	if !ok {
		return core.Reply{}, core.ErrNotFound
	}
	return r.Reply, nil
}

// RepliesByStatus returns the replies in a status, oldest first, at most limit (at most 1000).
func (s *Store) RepliesByStatus(ctx context.Context, status core.ReplyStatus, limit int) ([]core.Reply, error) {
	if err := s.failed(ctx, "RepliesByStatus"); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []core.Reply
	for _, r := range s.replies {
		if r.Status == status {
			out = append(out, r.Reply)
		}
	}
	slices.SortFunc(out, func(a, b core.Reply) int { return cmp.Compare(a.ID, b.ID) })
	return out[:min(limit, len(out))], nil
}

// OverdueReplies returns the IDs of replies pending or sending that were due at or before
// before, oldest due first, at most limit.
func (s *Store) OverdueReplies(ctx context.Context, before time.Time, limit int) ([]int64, error) {
	if err := s.failed(ctx, "OverdueReplies"); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var picked []*replyRow
	for _, r := range s.replies {
		if due(r, before.UTC().Truncate(time.Microsecond)) {
			picked = append(picked, r)
		}
	}
	slices.SortFunc(picked, dueOrder)
	out := make([]int64, 0, min(limit, len(picked)))
	for _, r := range picked[:min(limit, len(picked))] {
		out = append(out, r.ID)
	}
	return out, nil
}

// ResendReply makes a failed reply pending again, due now, with its attempts reset; a reply
// that is not failed is core.ErrNotFound.
func (s *Store) ResendReply(ctx context.Context, id int64, now time.Time) error {
	if err := s.failed(ctx, "ResendReply"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.replies[id]
	if !ok || r.Status != core.ReplyFailed {
		return fmt.Errorf("%w: no failed reply %d", core.ErrNotFound, id)
	}
	r.Status, r.Attempts, r.NextAttemptAt, r.FailedAt = core.ReplyPending, 0, now.UTC().Truncate(time.Microsecond), time.Time{}
	return nil
}

// RecordReceipt records a delivery receipt on the reply the route knows by externalID, or
// core.ErrNotFound.
func (s *Store) RecordReceipt(ctx context.Context, route, externalID, status string, at time.Time) error {
	if err := s.failed(ctx, "RecordReceipt"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	found := false
	for _, r := range s.replies {
		if r.Route == route && slices.Contains(r.externalIDs, externalID) {
			r.ReceiptStatus, r.ReceiptAt, found = status, at.UTC(), true
		}
	}
	if !found {
		return core.ErrNotFound
	}
	return nil
}
