package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
)

var replyT0 = time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)

const lease = time.Minute

func newReply(i int) *core.Reply {
	return &core.Reply{
		Channel: core.ReplyChannelSMS, Route: "smsc-a", Recipient: fmt.Sprintf("2782%07d", i), Sender: "32123",
		Body: fmt.Sprintf("Token 1234 5678 9012 3456 %04d", i), CreatedAt: replyT0, NextAttemptAt: replyT0,
	}
}

func mustAddReply(t *testing.T, db *store.DB, r *core.Reply) *core.Reply {
	t.Helper()
	if err := db.AddReply(context.Background(), r); err != nil {
		t.Fatalf("AddReply: %v", err)
	}
	return r
}

func mustReply(t *testing.T, db *store.DB, id int64) core.Reply {
	t.Helper()
	r, err := db.Reply(context.Background(), id)
	if err != nil {
		t.Fatalf("Reply(%d): %v", id, err)
	}
	return r
}

func claimIDs(t *testing.T, db *store.DB, now time.Time, limit int) []int64 {
	t.Helper()
	rs, err := db.ClaimReplies(context.Background(), now, lease, limit)
	if err != nil {
		t.Fatalf("ClaimReplies: %v", err)
	}
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return ids
}

func TestAddReply(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		r := mustAddReply(t, db, newReply(1))
		got := mustReply(t, db, r.ID)
		want := *r
		if got != want {
			t.Errorf("stored reply\n got %+v\nwant %+v", got, want)
		}
		if got.Status != core.ReplyPending || got.Attempts != 0 {
			t.Errorf("a new reply is %s with %d attempts, want pending with 0", got.Status, got.Attempts)
		}
		bad := newReply(2)
		bad.Recipient = ""
		if err := db.AddReply(ctx, bad); core.ErrorCode(err) != core.CodeInvalid {
			t.Errorf("a reply without a recipient: got %v, want an invalid error", err)
		}
	})
}

func TestAddReplyInVendTx(t *testing.T) {
	ctx := context.Background()
	type replyAdder interface {
		AddReply(ctx context.Context, r *core.Reply) error
	}
	eachDB(t, func(t *testing.T, db *store.DB) {
		var rolledBack, committed core.Reply
		errAbort := errors.New("the vend failed")
		err := db.InVendTx(ctx, func(tx core.VendTx) error {
			rolledBack = *newReply(1)
			if err := tx.(replyAdder).AddReply(ctx, &rolledBack); err != nil {
				return err
			}
			return errAbort
		})
		if !errors.Is(err, errAbort) {
			t.Fatalf("InVendTx: %v", err)
		}
		if rolledBack.ID == 0 {
			t.Fatal("AddReply in the transaction set no ID")
		}
		if _, err := db.Reply(ctx, rolledBack.ID); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("the reply of a rolled-back transaction: got %v, want core.ErrNotFound", err)
		}
		if got := claimIDs(t, db, replyT0.Add(time.Hour), 10); len(got) != 0 {
			t.Errorf("claimed %v after a rollback, want nothing", got)
		}
		must(t, db.InVendTx(ctx, func(tx core.VendTx) error {
			committed = *newReply(2)
			return tx.(replyAdder).AddReply(ctx, &committed)
		}))
		if got := mustReply(t, db, committed.ID); got.Body != committed.Body || got.Status != core.ReplyPending {
			t.Errorf("the committed reply is %s, want pending with its body", got.Status)
		}
	})
}

func TestAddReplyWithVend(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		v := mustVend(t, f, f.newMeter(t, 0), "k1", 100_00)
		r := newReply(1)
		r.VendID = v.ID
		mustAddReply(t, db, r)
		if got := mustReply(t, db, r.ID); got.VendID != v.ID {
			t.Errorf("VendID %d, want %d", got.VendID, v.ID)
		}
		bad := newReply(2)
		bad.VendID = v.ID + 1000
		if err := db.AddReply(ctx, bad); core.ErrorCode(err) != core.CodeInvalid {
			t.Errorf("a reply to a vend that does not exist: got %v, want an invalid error", err)
		}
	})
}

func TestClaimReplies(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		a := mustAddReply(t, db, newReply(1))
		b := mustAddReply(t, db, newReply(2))
		later := newReply(3)
		later.NextAttemptAt = replyT0.Add(time.Hour)
		mustAddReply(t, db, later)

		if got := claimIDs(t, db, replyT0.Add(-time.Second), 10); len(got) != 0 {
			t.Errorf("claimed %v before anything was due", got)
		}
		rs, err := db.ClaimReplies(ctx, replyT0, lease, 10)
		must(t, err)
		if len(rs) != 2 || rs[0].ID != a.ID || rs[1].ID != b.ID {
			t.Fatalf("claimed %+v, want replies %d and %d", rs, a.ID, b.ID)
		}
		for _, r := range rs {
			if r.Status != core.ReplySending || r.Attempts != 1 || r.Claim != 1 || !r.NextAttemptAt.Equal(replyT0.Add(lease)) {
				t.Errorf("claimed reply %d: status %s, attempts %d, claim %d, leased until %v; want sending, 1, 1, %v",
					r.ID, r.Status, r.Attempts, r.Claim, r.NextAttemptAt, replyT0.Add(lease))
			}
			if r.Body == "" || r.Recipient == "" {
				t.Errorf("claimed reply %d comes without its body or recipient", r.ID)
			}
		}
		if got := claimIDs(t, db, replyT0.Add(lease-time.Second), 10); len(got) != 0 {
			t.Errorf("claimed %v again inside the lease", got)
		}

		// The worker holding a's claim died: after the lease a is claimed again, and the dead
		// worker's outcome no longer counts.
		if got := claimIDs(t, db, replyT0.Add(lease), 1); len(got) != 1 || got[0] != a.ID {
			t.Fatalf("after the lease claimed %v, want [%d]", got, a.ID)
		}
		again := mustReply(t, db, a.ID)
		if again.Attempts != 2 || again.Claim != 2 {
			t.Errorf("reclaimed: attempts %d, claim %d; want 2, 2", again.Attempts, again.Claim)
		}
		err = db.MarkReplyDelivered(ctx, a.ID, 1, "old", replyT0)
		if e := core.AsError(err); e.Code != core.CodeConflict || e.Reason != "reply_lease_lost" {
			t.Errorf("the outcome of a lapsed claim: got %v, want reply_lease_lost", err)
		}
		must(t, db.MarkReplyDelivered(ctx, a.ID, 2, "new", replyT0))
		if got := mustReply(t, db, a.ID); got.Status != core.ReplyDelivered || got.ExternalID != "new" {
			t.Errorf("after delivery: %s %q, want delivered \"new\"", got.Status, got.ExternalID)
		}
	})
}

// TestClaimRepliesSkipsRoutes: the replies of a route whose link is out (its breaker open) stay
// where they are, unclaimed, while the others are claimed.
func TestClaimRepliesSkipsRoutes(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		a := mustAddReply(t, db, newReply(1))
		other := newReply(2)
		other.Route = "smsc-b"
		b := mustAddReply(t, db, other)
		rs, err := db.ClaimReplies(ctx, replyT0, lease, 10, "smsc-a")
		must(t, err)
		if len(rs) != 1 || rs[0].ID != b.ID {
			t.Fatalf("claimed %+v, want only reply %d of route smsc-b", rs, b.ID)
		}
		if got := mustReply(t, db, a.ID); got.Status != core.ReplyPending || got.Claim != 0 || got.Attempts != 0 {
			t.Errorf("the skipped route's reply: %s, claim %d, attempts %d; want pending, untouched", got.Status, got.Claim, got.Attempts)
		}
		if got := claimIDs(t, db, replyT0, 10); len(got) != 1 || got[0] != a.ID {
			t.Errorf("without skipping: claimed %v, want [%d]", got, a.ID)
		}
	})
}

func TestClaimRepliesConcurrent(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		const n = 300
		for i := range n {
			mustAddReply(t, db, newReply(i))
		}
		var (
			mu      sync.Mutex
			claimed = map[int64]int{}
			wg      sync.WaitGroup
			errs    = make(chan error, 8)
		)
		for range 8 {
			wg.Go(func() {
				for {
					rs, err := db.ClaimReplies(ctx, replyT0, lease, 7)
					if err != nil {
						errs <- err
						return
					}
					if len(rs) == 0 {
						return
					}
					mu.Lock()
					for _, r := range rs {
						claimed[r.ID]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("ClaimReplies: %v", err)
		}
		if len(claimed) != n {
			t.Errorf("%d replies claimed, want %d", len(claimed), n)
		}
		for id, c := range claimed {
			if c != 1 {
				t.Errorf("reply %d claimed %d times, want once", id, c)
			}
		}
	})
}

func TestClaimReply(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		r := mustAddReply(t, db, newReply(1))
		got, ok, err := db.ClaimReply(ctx, r.ID, replyT0, lease)
		if err != nil || !ok || got.Status != core.ReplySending || got.Attempts != 1 {
			t.Fatalf("ClaimReply: %+v %v %v, want it claimed", got, ok, err)
		}
		// A duplicate task for the same reply finds it leased.
		got, ok, err = db.ClaimReply(ctx, r.ID, replyT0.Add(time.Second), lease)
		if err != nil || ok || got.Status != core.ReplySending || !got.NextAttemptAt.Equal(replyT0.Add(lease)) {
			t.Errorf("ClaimReply of a leased reply: %+v %v %v, want it as it stands, not claimed", got, ok, err)
		}
		must(t, db.MarkReplyDelivered(ctx, r.ID, 1, "m1", replyT0))
		got, ok, err = db.ClaimReply(ctx, r.ID, replyT0.Add(time.Hour), lease)
		if err != nil || ok || got.Status != core.ReplyDelivered {
			t.Errorf("ClaimReply of a delivered reply: %s %v %v, want delivered, not claimed", got.Status, ok, err)
		}
		if _, _, err := db.ClaimReply(ctx, r.ID+100, replyT0, lease); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("ClaimReply of no reply: %v, want core.ErrNotFound", err)
		}
	})
}

func TestRetryReply(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		r := mustAddReply(t, db, newReply(1))
		claimIDs(t, db, replyT0, 1)
		due := replyT0.Add(20 * time.Second)
		must(t, db.RetryReply(ctx, r.ID, 1, due, "smsc: throttled"))
		got := mustReply(t, db, r.ID)
		if got.Status != core.ReplyPending || got.Attempts != 1 || !got.NextAttemptAt.Equal(due) || got.LastError != "smsc: throttled" {
			t.Errorf("after a retry: %s, %d attempts, due %v, %q; want pending, 1, %v, the error", got.Status, got.Attempts, got.NextAttemptAt, got.LastError, due)
		}
		if ids := claimIDs(t, db, due.Add(-time.Microsecond), 1); len(ids) != 0 {
			t.Errorf("claimed %v before the retry was due", ids)
		}
		if ids := claimIDs(t, db, due, 1); len(ids) != 1 {
			t.Errorf("claimed %v when the retry was due, want the reply", ids)
		}
		if got := mustReply(t, db, r.ID); got.Attempts != 2 {
			t.Errorf("attempts %d after the second claim, want 2", got.Attempts)
		}
		// Postponing gives the claim's attempt back.
		must(t, db.PostponeReply(ctx, r.ID, 2, due.Add(time.Minute)))
		if got := mustReply(t, db, r.ID); got.Attempts != 1 || got.Status != core.ReplyPending || !got.NextAttemptAt.Equal(due.Add(time.Minute)) {
			t.Errorf("after postponing: %s, %d attempts, due %v; want pending, 1, %v", got.Status, got.Attempts, got.NextAttemptAt, due.Add(time.Minute))
		}
		if err := db.RetryReply(ctx, r.ID, 2, due, "late"); core.ErrorCode(err) != core.CodeConflict {
			t.Errorf("an outcome for a reply no longer claimed: %v, want a conflict", err)
		}
	})
}

func TestFailAndResendReply(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		r := mustAddReply(t, db, newReply(1))
		ok := mustAddReply(t, db, newReply(2))
		claimIDs(t, db, replyT0, 2)
		must(t, db.FailReply(ctx, r.ID, 1, "invalid destination", replyT0))
		must(t, db.MarkReplyDelivered(ctx, ok.ID, 1, "", replyT0))
		failed, err := db.RepliesByStatus(ctx, core.ReplyFailed, 10)
		must(t, err)
		if len(failed) != 1 || failed[0].ID != r.ID || failed[0].LastError != "invalid destination" || !failed[0].FailedAt.Equal(replyT0) {
			t.Fatalf("failed replies %+v, want reply %d with its error", failed, r.ID)
		}
		if ids := claimIDs(t, db, replyT0.Add(24*time.Hour), 10); len(ids) != 0 {
			t.Errorf("claimed %v: failed and delivered replies are not claimed", ids)
		}
		if ids, err := db.OverdueReplies(ctx, replyT0.Add(24*time.Hour), 10); err != nil || len(ids) != 0 {
			t.Errorf("OverdueReplies %v %v, want none", ids, err)
		}

		if err := db.ResendReply(ctx, ok.ID, replyT0); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("resending a delivered reply: %v, want core.ErrNotFound", err)
		}
		resent := replyT0.Add(3 * time.Hour)
		must(t, db.ResendReply(ctx, r.ID, resent))
		got := mustReply(t, db, r.ID)
		if got.Status != core.ReplyPending || got.Attempts != 0 || !got.NextAttemptAt.Equal(resent) || !got.FailedAt.IsZero() {
			t.Errorf("resent: %+v, want pending, 0 attempts, due %v", got, resent)
		}
		if ids, err := db.OverdueReplies(ctx, resent, 10); err != nil || len(ids) != 1 || ids[0] != r.ID {
			t.Errorf("OverdueReplies %v %v, want [%d]", ids, err, r.ID)
		}
		if ids := claimIDs(t, db, resent, 10); len(ids) != 1 || ids[0] != r.ID {
			t.Errorf("claimed %v after the resend, want [%d]", ids, r.ID)
		}
	})
}

func TestRecordReceipt(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		r := mustAddReply(t, db, newReply(1))
		claimIDs(t, db, replyT0, 1)
		must(t, db.MarkReplyDelivered(ctx, r.ID, 1, "0a1 0a2", replyT0))
		at := replyT0.Add(5 * time.Second)
		must(t, db.RecordReceipt(ctx, "smsc-a", "0a2", "DELIVRD", at))
		got := mustReply(t, db, r.ID)
		if got.ReceiptStatus != "DELIVRD" || !got.ReceiptAt.Equal(at) || got.ExternalID != "0a1 0a2" {
			t.Errorf("after the receipt: %q at %v, ids %q; want DELIVRD at %v, \"0a1 0a2\"", got.ReceiptStatus, got.ReceiptAt, got.ExternalID, at)
		}
		for _, c := range []struct{ route, id string }{{"smsc-b", "0a1"}, {"smsc-a", "0a"}, {"smsc-a", "0a1 0a2"}} {
			if err := db.RecordReceipt(ctx, c.route, c.id, "DELIVRD", at); !errors.Is(err, core.ErrNotFound) {
				t.Errorf("a receipt for %s %q: %v, want core.ErrNotFound", c.route, c.id, err)
			}
		}
	})
}
