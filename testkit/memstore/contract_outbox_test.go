package memstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
	"github.com/vendgate/vendgate/testkit/memstore"
)

// outboxBackend is the outbox, the subscribers and the USSD sessions of a store.
type outboxBackend interface {
	core.ReplyStore
	CreateCustomer(ctx context.Context, c *core.Customer) error
	Subscriber(ctx context.Context, phone string) (core.Subscriber, error)
	SetSubscriberLanguage(ctx context.Context, phone, lang string) error
	SetDefaultMeter(ctx context.Context, phone, meter string) error
	USSDSession(ctx context.Context, id string) (core.USSDSession, error)
	SaveUSSDSession(ctx context.Context, s core.USSDSession) error
	DeleteUSSDSession(ctx context.Context, id string) error
	DeleteExpiredUSSDSessions(ctx context.Context, before time.Time) (int64, error)
}

var (
	_ outboxBackend = (*memstore.Store)(nil)
	_ outboxBackend = (*store.DB)(nil)
)

func eachOutbox(t *testing.T, fn func(t *testing.T, b outboxBackend)) {
	t.Run("memstore", func(t *testing.T) { fn(t, memstore.New()) })
	testkit.EachDB(t, func(t *testing.T, db *store.DB) { fn(t, db) })
}

// TestContractOutbox is the outbox's contract as the relays rely on it (core.ReplyClaimer):
// claims lease a reply, an outcome of a lost claim changes nothing, receipts find their reply.
func TestContractOutbox(t *testing.T) {
	eachOutbox(t, func(t *testing.T, b outboxBackend) {
		now := time.Date(2025, 3, 15, 10, 30, 0, 0, time.UTC)
		r := &core.Reply{Channel: core.ReplyChannelSMS, Route: "mtn", Recipient: "27821234567", Sender: "40404", Body: "Token 1234", CreatedAt: now}
		must(t, b.AddReply(bg, r))
		if r.ID == 0 || r.Status != core.ReplyPending || !r.NextAttemptAt.Equal(now) {
			t.Fatalf("AddReply: %+v", r)
		}
		err := b.AddReply(bg, &core.Reply{Channel: core.ReplyChannelSMS, Route: "mtn", Recipient: "27821234567"})
		if e := core.AsError(err); e.Reason != "invalid_reply" {
			t.Fatalf("a reply without a body: got %v, want invalid_reply", err)
		}
		if got, err := b.ClaimReplies(bg, now, time.Minute, 10, "mtn"); err != nil || len(got) != 0 {
			t.Fatalf("claiming with the route skipped: got %v, %v", got, err)
		}
		got, err := b.ClaimReplies(bg, now, time.Minute, 10)
		if err != nil || len(got) != 1 || got[0].ID != r.ID || got[0].Status != core.ReplySending || got[0].Attempts != 1 || got[0].Claim != 1 {
			t.Fatalf("ClaimReplies: got %+v, %v; want the reply leased", got, err)
		}
		if _, claimed, err := b.ClaimReply(bg, r.ID, now.Add(30*time.Second), time.Minute); err != nil || claimed {
			t.Fatalf("ClaimReply within the lease: claimed %v, %v; want not claimed", claimed, err)
		}
		// The lease runs out: another relay claims it, and the first one's outcome is refused.
		second, claimed, err := b.ClaimReply(bg, r.ID, now.Add(2*time.Minute), time.Minute)
		if err != nil || !claimed || second.Claim != 2 || second.Attempts != 2 {
			t.Fatalf("ClaimReply after the lease: %+v, %v, %v", second, claimed, err)
		}
		err = b.MarkReplyDelivered(bg, r.ID, 1, "m-1", now)
		if e := core.AsError(err); e.Code != core.CodeConflict || e.Reason != "reply_lease_lost" {
			t.Fatalf("an outcome of a lost claim: got %v, want reply_lease_lost", err)
		}
		must(t, b.RetryReply(bg, r.ID, 2, now.Add(5*time.Minute), "throttled"))
		if ids, err := b.OverdueReplies(bg, now.Add(5*time.Minute), 10); err != nil || len(ids) != 1 || ids[0] != r.ID {
			t.Fatalf("OverdueReplies: %v, %v", ids, err)
		}
		third, claimed, err := b.ClaimReply(bg, r.ID, now.Add(5*time.Minute), time.Minute)
		if err != nil || !claimed || third.Attempts != 3 || third.LastError != "throttled" {
			t.Fatalf("ClaimReply after the retry: %+v, %v, %v", third, claimed, err)
		}
		must(t, b.PostponeReply(bg, r.ID, 3, now.Add(6*time.Minute)))
		fourth, _, err := b.ClaimReply(bg, r.ID, now.Add(6*time.Minute), time.Minute)
		must(t, err)
		if fourth.Attempts != 3 {
			t.Fatalf("attempts after a postponed claim: %d, want 3", fourth.Attempts)
		}
		must(t, b.MarkReplyDelivered(bg, r.ID, fourth.Claim, "m-1 m-2", now.Add(6*time.Minute)))
		must(t, b.RecordReceipt(bg, "mtn", "m-2", "DELIVRD", now.Add(7*time.Minute)))
		if err := b.RecordReceipt(bg, "other", "m-2", "DELIVRD", now); !errors.Is(err, core.ErrNotFound) {
			t.Fatalf("a receipt on another route: got %v, want ErrNotFound", err)
		}
		done, err := b.Reply(bg, r.ID)
		if err != nil || done.Status != core.ReplyDelivered || done.ExternalID != "m-1 m-2" || done.ReceiptStatus != "DELIVRD" {
			t.Fatalf("the delivered reply: %+v, %v", done, err)
		}
		if err := b.ResendReply(bg, r.ID, now); !errors.Is(err, core.ErrNotFound) {
			t.Fatalf("resending a delivered reply: got %v, want ErrNotFound", err)
		}

		f := &core.Reply{Channel: core.ReplyChannelSMS, Route: "mtn", Recipient: "27821234567", Body: "x", CreatedAt: now}
		must(t, b.AddReply(bg, f))
		c, _, err := b.ClaimReply(bg, f.ID, now, time.Minute)
		must(t, err)
		must(t, b.FailReply(bg, f.ID, c.Claim, "unknown subscriber", now))
		if failed, err := b.RepliesByStatus(bg, core.ReplyFailed, 10); err != nil || len(failed) != 1 || failed[0].ID != f.ID {
			t.Fatalf("RepliesByStatus(failed): %v, %v", failed, err)
		}
		must(t, b.ResendReply(bg, f.ID, now.Add(time.Hour)))
		if again, err := b.Reply(bg, f.ID); err != nil || again.Status != core.ReplyPending || again.Attempts != 0 {
			t.Fatalf("the resent reply: %+v, %v", again, err)
		}
		if _, err := b.Reply(bg, 99999); !errors.Is(err, core.ErrNotFound) {
			t.Fatalf("Reply(unknown): got %v", err)
		}
	})
}

// TestContractSubscribersAndSessions: a phone's preferences fall back to its customer's, and a
// USSD session keeps its first creation time.
func TestContractSubscribersAndSessions(t *testing.T) {
	eachOutbox(t, func(t *testing.T, b outboxBackend) {
		if _, err := b.Subscriber(bg, "27829999999"); !errors.Is(err, core.ErrNotFound) {
			t.Fatalf("an unknown phone: got %v, want ErrNotFound", err)
		}
		must(t, b.CreateCustomer(bg, &core.Customer{Name: "Thandi", Phone: "+27821234567", Language: "zu"}))
		s, err := b.Subscriber(bg, "0027 82 123 4567")
		if err != nil || s.Phone != "27821234567" || s.Language != "zu" {
			t.Fatalf("a customer's phone: %+v, %v", s, err)
		}
		must(t, b.SetSubscriberLanguage(bg, "27821234567", "fr"))
		must(t, b.SetDefaultMeter(bg, "27821234567", memstore.MeterOK))
		if s, err := b.Subscriber(bg, "27821234567"); err != nil || s.Language != "fr" || s.DefaultMeter != memstore.MeterOK {
			t.Fatalf("after setting: %+v, %v", s, err)
		}
		if e := core.AsError(b.SetDefaultMeter(bg, "27821234567", "123")); e.Reason != "invalid_meter_number" {
			t.Fatalf("a bad default meter: %v", e)
		}

		at := time.Date(2025, 3, 15, 10, 30, 0, 0, time.UTC)
		ss := core.USSDSession{ID: "*404#:s1", Phone: "27821234567", ServiceCode: "*404#", State: "{}", Screen: "CON Menu", CreatedAt: at, UpdatedAt: at, ExpiresAt: at.Add(3 * time.Minute)}
		must(t, b.SaveUSSDSession(bg, ss))
		ss.Screen, ss.CreatedAt, ss.UpdatedAt = "END Done", at.Add(time.Minute), at.Add(time.Minute)
		must(t, b.SaveUSSDSession(bg, ss))
		got, err := b.USSDSession(bg, ss.ID)
		if err != nil || got.Screen != "END Done" || !got.CreatedAt.Equal(at) {
			t.Fatalf("the saved session: %+v, %v; want the new screen and the first creation time", got, err)
		}
		if n, err := b.DeleteExpiredUSSDSessions(bg, at.Add(4*time.Minute)); err != nil || n != 1 {
			t.Fatalf("DeleteExpiredUSSDSessions: %d, %v", n, err)
		}
		if _, err := b.USSDSession(bg, ss.ID); !errors.Is(err, core.ErrNotFound) {
			t.Fatalf("an expired session after the sweep: got %v", err)
		}
		must(t, b.DeleteUSSDSession(bg, "nope"))
	})
}
