package core

import (
	"context"
	"time"
)

// ReplyStatus is where a reply is on its way out.
type ReplyStatus string

// Reply statuses. A reply is written pending; a relay claims it (sending) for a lease; it ends
// delivered, or failed when its attempts are exhausted or the link refused it for good. A failed
// reply is kept and shown to operators, who can resend it (back to pending). A pending reply of
// a vend that is reversed is cancelled: its token must not reach the customer after the
// reversal.
const (
	ReplyPending   ReplyStatus = "pending"
	ReplySending   ReplyStatus = "sending"
	ReplyDelivered ReplyStatus = "delivered"
	ReplyFailed    ReplyStatus = "failed"
	ReplyCancelled ReplyStatus = "cancelled"
)

// Final reports whether a reply in the status will never be sent again by a relay: delivered,
// failed (only an operator's resend makes it pending) or cancelled.
func (s ReplyStatus) Final() bool {
	return s == ReplyDelivered || s == ReplyFailed || s == ReplyCancelled
}

// ReplyChannelSMS is the channel of replies sent as SMS.
const ReplyChannelSMS = "sms"

// Reply is one outbound message in the outbox: written in the transaction that caused it (a
// vend's token SMS) or on its own (a help text), then delivered at least once by a relay.
type Reply struct {
	ID int64
	// VendID is the vend the reply answers; 0 when it answers no vend.
	VendID int64
	// Channel is how the reply travels: ReplyChannelSMS.
	Channel string
	// Route names the outward link the reply leaves by, e.g. an SMSC bind; each route has its
	// own deliverer and circuit breaker.
	Route string
	// Recipient is the destination (an MSISDN for SMS); Sender the source (a short code).
	Recipient string
	Sender    string
	// Body is the rendered text. It carries tokens: it is never logged nor put in an error.
	Body   string
	Status ReplyStatus
	// Attempts counts the times a relay claimed the reply to deliver it, including a claim whose
	// relay died before it could record the outcome.
	Attempts int
	// NextAttemptAt is when the reply is due: for a pending reply its next attempt, for a sending
	// one the end of its claim's lease (after which another relay may claim it).
	NextAttemptAt time.Time
	// Claim numbers the claims of the reply; the relay holding the latest claim is the only one
	// whose outcome is recorded (a fencing token).
	Claim int64
	// LastError says why the last attempt failed; it holds no secrets and no body.
	LastError string
	// ExternalID is the message id (or ids, space-separated) the link gave the reply.
	ExternalID string
	// ReceiptStatus is the latest delivery receipt's state (e.g. DELIVRD), ReceiptAt when it came.
	ReceiptStatus string
	ReceiptAt     time.Time
	CreatedAt     time.Time
	DeliveredAt   time.Time
	// FailedAt is when the reply was marked failed; zero unless it is failed.
	FailedAt time.Time
}

// The outbox's stores, split by who uses them.
type (
	// ReplyAdder writes a reply outside a vend's transaction (a help text, an error message).
	// It sets r.ID, and r.Status (pending), r.CreatedAt and r.NextAttemptAt when they are zero.
	ReplyAdder interface {
		AddReply(ctx context.Context, r *Reply) error
	}

	// ReplyClaimer is the relay's side of the outbox. Every outcome names the claim it ends
	// (Reply.ID and Reply.Claim): an outcome for a claim that is no longer the latest (its lease
	// ran out and another relay claimed the reply) returns an *Error with CodeConflict and
	// reason "reply_lease_lost", and changes nothing.
	ReplyClaimer interface {
		// ClaimReplies claims up to limit due replies (pending, or sending with a lapsed lease,
		// and NextAttemptAt <= now), oldest due first: each becomes sending with NextAttemptAt =
		// now+lease, one more attempt and a new claim. Concurrent callers never get the same row. Replies of
		// skipRoutes are left where they are (their links' circuit breakers are open).
		ClaimReplies(ctx context.Context, now time.Time, lease time.Duration, limit int, skipRoutes ...string) ([]Reply, error)
		// ClaimReply claims one reply by ID when it is due. claimed is false when it is not (it is
		// delivered, failed, not due yet or leased to another relay): r is then the reply as it
		// stands. ErrNotFound when no reply has the ID.
		ClaimReply(ctx context.Context, id int64, now time.Time, lease time.Duration) (r Reply, claimed bool, err error)
		// MarkReplyDelivered records that the link accepted the reply, with its external id.
		MarkReplyDelivered(ctx context.Context, id, claim int64, externalID string, at time.Time) error
		// RetryReply records a failed attempt and makes the reply pending again, due at at.
		RetryReply(ctx context.Context, id, claim int64, at time.Time, lastError string) error
		// PostponeReply makes a claimed reply pending again, due at at, and gives back the
		// attempt its claim counted: nothing was tried (its link's circuit breaker is open).
		PostponeReply(ctx context.Context, id, claim int64, at time.Time) error
		// FailReply marks the reply failed: retrying cannot deliver it.
		FailReply(ctx context.Context, id, claim int64, lastError string, at time.Time) error
	}

	// ReplyReader finds replies.
	ReplyReader interface {
		// Reply returns a reply by ID, or ErrNotFound.
		Reply(ctx context.Context, id int64) (Reply, error)
		// RepliesByStatus returns replies in a status, oldest first, at most limit (at most
		// 1000): what an operator looks at (failed) or what is waiting (pending).
		RepliesByStatus(ctx context.Context, status ReplyStatus, limit int) ([]Reply, error)
		// OverdueReplies returns the IDs of replies pending or sending that were due at or before
		// before, oldest first, at most limit: what a relay's sweep hands to delivery again.
		OverdueReplies(ctx context.Context, before time.Time, limit int) ([]int64, error)
	}

	// ReplyResender is the operator's resend: a failed reply becomes pending, due now, with its
	// attempts reset. A reply that is not failed is left alone: ErrNotFound.
	ReplyResender interface {
		ResendReply(ctx context.Context, id int64, now time.Time) error
	}

	// ReceiptRecorder records a delivery receipt for the reply a link knows by externalID (one of
	// the ids it gave). ErrNotFound when no reply on the route has that id.
	ReceiptRecorder interface {
		RecordReceipt(ctx context.Context, route, externalID, status string, at time.Time) error
	}

	// ReplyStore is the whole outbox.
	ReplyStore interface {
		ReplyAdder
		ReplyClaimer
		ReplyReader
		ReplyResender
		ReceiptRecorder
	}
)

// Deliverer hands a reply to an outward link and returns the id the link gave it (several,
// space-separated, for a message sent in parts). An error with CodeInvalid or CodeNotFound (an
// invalid or unknown destination, a body the link refuses), CodeDuplicate or CodeConflict says
// retrying cannot help: the relay fails the reply at once, for an operator to see (the relay's
// table is adapters/queue/errors.go). Any other error is transient: the reply is retried with backoff, and
// the error counts against the link's circuit breaker. Errors never carry the body.
type Deliverer interface {
	Deliver(ctx context.Context, r Reply) (externalID string, err error)
}

// ReplyNotifier is told about a reply committed to the outbox, so that a relay sends it at once
// rather than at its next poll or sweep. It never fails the caller: a reply it cannot hand on
// waits in the outbox.
type ReplyNotifier interface {
	Notify(ctx context.Context, id int64)
}

// RetryPolicy is when a reply whose attempt failed is tried again: after Initial, doubling each
// time up to Max, with jitter, for at most MaxAttempts attempts in all.
type RetryPolicy struct {
	Initial     time.Duration
	Max         time.Duration
	MaxAttempts int
}

// DefaultRetryPolicy waits 10 s, 20 s, 40 s ... up to 30 minutes between attempts, 12 attempts in
// all: about 2 h 15 min from the first attempt to the last. A token SMS is needed while the
// customer stands at the meter; after two hours of failures an operator seeing the reply failed
// (and resending it, or reading the token out) helps more than silent retries. An outage of the
// link itself burns no attempts: its circuit breaker holds the replies back until it recovers.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{Initial: 10 * time.Second, Max: 30 * time.Minute, MaxAttempts: 12}
}

// Delay returns the wait after the attempt-th failed attempt (1 for the first): Initial×2^(attempt-1)
// capped at Max, then reduced by up to half at random ("equal jitter"), so that replies failed
// together do not return together. randN returns a uniform value in [0, n); nil means no jitter.
func (p RetryPolicy) Delay(attempt int, randN func(n int64) int64) time.Duration {
	d := p.Initial
	if d <= 0 {
		d = time.Second
	}
	limit := p.Max
	if limit < d {
		limit = d
	}
	for i := 1; i < attempt && d < limit; i++ {
		if d > limit/2 {
			d = limit
			break
		}
		d *= 2
	}
	d = min(d, limit)
	if randN == nil || d < 2 {
		return d
	}
	half := d / 2
	return d - half + time.Duration(randN(int64(half)+1))
}

// Exhausted reports whether a reply with this many attempts may not be tried again.
func (p RetryPolicy) Exhausted(attempts int) bool {
	return p.MaxAttempts > 0 && attempts >= p.MaxAttempts
}

// Outbox writes the replies that answer no new vend (a help text, LAST's tokens again) and
// announces each to the relay once it is written; a vend's own reply is written in the vend's
// transaction instead (VendRequest.Reply).
type Outbox struct {
	Store    ReplyAdder
	Notifier ReplyNotifier // nil: the reply waits for the relay's poll or sweep
}

// Reply writes an SMS to recipient from sender, leaving by route, about the vend vendID (0 for
// none), then announces it.
func (o Outbox) Reply(ctx context.Context, route, sender, recipient, body string, vendID int64) error {
	r := &Reply{VendID: vendID, Channel: ReplyChannelSMS, Route: route, Sender: sender, Recipient: recipient, Body: body}
	if err := o.Store.AddReply(ctx, r); err != nil {
		return StoreError(err)
	}
	if o.Notifier != nil {
		o.Notifier.Notify(context.WithoutCancel(ctx), r.ID)
	}
	return nil
}
