package queue_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vendgate/vendgate/adapters/queue"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

func TestPoolRetriesWithBackoff(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		c := &clock{}
		link := newFakeLink(c)
		link.failFirst = 3
		cfg := config(db, c, link)
		p := startPool(t, cfg)
		id := addReplies(t, db, c, 1)[0]
		p.Notify(context.Background(), id)
		for k := 1; k <= link.failFirst; k++ {
			waitFor(t, "the failed attempt recorded", func() bool {
				r := reply(t, db, id)
				return r.Status == core.ReplyPending && r.Attempts == k
			})
			r := reply(t, db, id)
			calls := link.callTimes(id)
			if len(calls) != k {
				t.Fatalf("after %d failed attempts the link saw %d", k, len(calls))
			}
			if wait := r.NextAttemptAt.Sub(calls[k-1]); wait < cfg.Retry.Delay(k, nil) {
				t.Errorf("attempt %d failed at %v and is due at %v: waits %s, want at least %s", k, calls[k-1], r.NextAttemptAt, wait, cfg.Retry.Delay(k, nil))
			}
			if !strings.Contains(r.LastError, "throttling") {
				t.Errorf("LastError %q, want the link's error", r.LastError)
			}
			c.Advance(r.NextAttemptAt.Sub(c.Now()))
			p.Notify(context.Background(), id)
		}
		waitFor(t, "the reply delivered", func() bool { return reply(t, db, id).Status == core.ReplyDelivered })
		r := reply(t, db, id)
		if r.Attempts != link.failFirst+1 || link.deliveredCount(id) != 1 || r.ExternalID == "" || r.LastError != "" {
			t.Errorf("delivered with %d attempts, %d deliveries, external id %q, last error %q; want %d, 1, an id, none",
				r.Attempts, link.deliveredCount(id), r.ExternalID, r.LastError, link.failFirst+1)
		}
		calls := link.callTimes(id)
		for k := 1; k < len(calls); k++ {
			if gap := calls[k].Sub(calls[k-1]); gap < cfg.Retry.Delay(k, nil) {
				t.Errorf("attempt %d came %s after attempt %d, want at least %s", k+1, gap, k, cfg.Retry.Delay(k, nil))
			}
		}
	})
}

func TestPoolPermanentError(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		c := &clock{}
		link := newFakeLink(c)
		ids := addReplies(t, db, c, 2)
		bad := reply(t, db, ids[0])
		link.refuse[bad.Recipient] = true
		startPool(t, config(db, c, link))
		waitFor(t, "both replies settled", func() bool {
			return reply(t, db, ids[0]).Status == core.ReplyFailed && reply(t, db, ids[1]).Status == core.ReplyDelivered
		})
		r := reply(t, db, ids[0])
		if r.Attempts != 1 || !strings.Contains(r.LastError, "refused destination") || r.FailedAt.IsZero() {
			t.Errorf("refused reply: %d attempts, %q, failed at %v; want 1, the link's reason, a time", r.Attempts, r.LastError, r.FailedAt)
		}
		failed, err := db.RepliesByStatus(context.Background(), core.ReplyFailed, 10)
		if err != nil || len(failed) != 1 || failed[0].ID != ids[0] {
			t.Errorf("failed replies for operators: %v %v, want reply %d", failed, err, ids[0])
		}
	})
}

func TestPoolExhaustsAttempts(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		c := &clock{}
		link := newFakeLink(c)
		link.failFirst = 1000
		cfg := config(db, c, link)
		cfg.Retry.MaxAttempts = 3
		p := startPool(t, cfg)
		id := addReplies(t, db, c, 1)[0]
		for k := 1; k < cfg.Retry.MaxAttempts; k++ {
			waitFor(t, "a failed attempt", func() bool { return reply(t, db, id).Attempts == k && reply(t, db, id).Status == core.ReplyPending })
			c.Advance(cfg.Retry.Max)
			p.Notify(context.Background(), id)
		}
		waitFor(t, "the reply failed", func() bool { return reply(t, db, id).Status == core.ReplyFailed })
		if r := reply(t, db, id); r.Attempts != cfg.Retry.MaxAttempts || !strings.Contains(r.LastError, "3 attempts") {
			t.Errorf("failed after %d attempts (%q), want %d", r.Attempts, r.LastError, cfg.Retry.MaxAttempts)
		}
		// The operator resends it and the link has recovered.
		link.failFirst = 0
		link.down.Store(false)
		link.mu.Lock()
		delete(link.calls, id)
		link.mu.Unlock()
		if err := db.ResendReply(context.Background(), id, c.Now()); err != nil {
			t.Fatal(err)
		}
		p.Notify(context.Background(), id)
		waitFor(t, "the resent reply delivered", func() bool { return reply(t, db, id).Status == core.ReplyDelivered })
	})
}

func TestPoolBreaker(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		c := &clock{}
		link := newFakeLink(c)
		link.down.Store(true)
		cfg := config(db, c, link)
		cfg.Workers = 1
		cfg.Breaker = queue.BreakerSettings{Failures: 2, OpenFor: 2 * time.Second} // longer than a loaded machine takes to hold the rest back
		cfg.Routes["other"] = newFakeLink(c)
		const n = 6
		ids := addReplies(t, db, c, n)
		p := startPool(t, cfg)

		// Two failures open the breaker; the other replies wait, not even claimed, burning no
		// attempts.
		waitFor(t, "two failed attempts", func() bool {
			failed := 0
			for _, id := range ids {
				if r := reply(t, db, id); r.Status == core.ReplyPending && r.Attempts == 1 {
					failed++
				}
			}
			return failed == int(cfg.Breaker.Failures)
		})
		// A reply of a working route, delivered, shows the pool claimed again since the breaker
		// opened.
		fine := &core.Reply{Channel: core.ReplyChannelSMS, Route: "other", Recipient: "27829999999", Sender: "32123",
			Body: "help", CreatedAt: c.Now()}
		if err := db.AddReply(context.Background(), fine); err != nil {
			t.Fatal(err)
		}
		p.Notify(context.Background(), fine.ID)
		waitFor(t, "the other route's reply", func() bool { return reply(t, db, fine.ID).Status == core.ReplyDelivered })
		if got := link.total.Load(); got != int64(cfg.Breaker.Failures) {
			t.Errorf("the link saw %d deliveries, want %d: an open breaker lets none through", got, cfg.Breaker.Failures)
		}
		burnt, claimed := 0, 0
		for _, id := range ids {
			r := reply(t, db, id)
			if r.Attempts > 0 {
				burnt++
			}
			if r.Claim > 0 {
				claimed++
			}
		}
		if burnt != int(cfg.Breaker.Failures) || claimed != int(cfg.Breaker.Failures) {
			t.Errorf("%d replies spent an attempt and %d were claimed, want %d: the open route's others are left alone",
				burnt, claimed, cfg.Breaker.Failures)
		}

		// The link recovers; the failed attempts' backoff passes; the backlog drains.
		link.down.Store(false)
		c.Advance(cfg.Retry.Initial)
		p.Notify(context.Background(), 0)
		waitFor(t, "the backlog drained", func() bool {
			for _, id := range ids {
				if reply(t, db, id).Status != core.ReplyDelivered {
					return false
				}
			}
			return true
		})
		for _, id := range ids {
			r := reply(t, db, id)
			if link.deliveredCount(id) != 1 || r.Attempts > 2 {
				t.Errorf("reply %d: delivered %d times with %d attempts, want once with at most 2", id, link.deliveredCount(id), r.Attempts)
			}
		}
	})
}

func TestPoolCrashedWorker(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := &clock{}
		link := newFakeLink(c)
		cfg := config(db, c, link)
		ids := addReplies(t, db, c, 1)
		// A worker claimed the reply and died.
		claimed, err := db.ClaimReplies(ctx, c.Now(), cfg.Lease, 10)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claiming as the dead worker: %v %v", claimed, err)
		}
		p := startPool(t, cfg)
		p.Notify(ctx, ids[0])
		if got := reply(t, db, ids[0]); got.Status != core.ReplySending {
			t.Fatalf("inside the lease the reply is %s, want sending", got.Status)
		}
		c.Advance(cfg.Lease)
		p.Notify(ctx, ids[0])
		waitFor(t, "the reply delivered after the lease", func() bool { return reply(t, db, ids[0]).Status == core.ReplyDelivered })
		if r := reply(t, db, ids[0]); r.Attempts != 2 || link.deliveredCount(ids[0]) != 1 {
			t.Errorf("attempts %d, delivered %d times; want 2 (the dead worker's counts), once", r.Attempts, link.deliveredCount(ids[0]))
		}
		// The dead worker's outcome, were it to come back, changes nothing.
		err = db.RetryReply(ctx, ids[0], claimed[0].Claim, c.Now(), "late")
		if core.ErrorCode(err) != core.CodeConflict || reply(t, db, ids[0]).Status != core.ReplyDelivered {
			t.Errorf("the dead worker's outcome: %v, want a conflict and the reply still delivered", err)
		}
	})
}

func TestPoolDrainsMany(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		c := &clock{}
		link := newFakeLink(c)
		cfg := config(db, c, link)
		cfg.Workers = 8
		const n = 2000
		ids := addReplies(t, db, c, n)
		p := startPool(t, cfg)
		// Notified many times over, as committing vends do.
		for _, id := range ids {
			p.Notify(context.Background(), id)
			p.Notify(context.Background(), id)
		}
		waitFor(t, "every reply delivered", func() bool {
			if link.total.Load() < n {
				return false
			}
			for _, s := range []core.ReplyStatus{core.ReplyPending, core.ReplySending} {
				if left, err := db.RepliesByStatus(context.Background(), s, 10); err != nil || len(left) > 0 {
					return false
				}
			}
			return true
		})
		for _, id := range ids {
			if got := link.deliveredCount(id); got != 1 {
				t.Fatalf("reply %d delivered %d times, want once", id, got)
			}
		}
		if got := link.total.Load(); got != n {
			t.Errorf("the link saw %d deliveries for %d replies", got, n)
		}
	})
}

func TestPoolShutdown(t *testing.T) {
	db := testkit.OpenDB(t, "")
	c := &clock{}
	link := newFakeLink(c)
	link.block = make(chan struct{})
	p, err := queue.NewPool(config(db, c, link))
	if err != nil {
		t.Fatal(err)
	}
	p.Start()
	ids := addReplies(t, db, c, 2)
	waitFor(t, "both deliveries in flight", func() bool { return link.total.Load() == 2 })
	// Shutdown waits for deliveries in flight; out of time, it cancels them.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown out of time: %v, want context.Canceled", err)
	}
	for _, id := range ids {
		if r := reply(t, db, id); r.Status == core.ReplyDelivered {
			t.Errorf("reply %d delivered by a cancelled delivery", id)
		}
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Errorf("a second Shutdown: %v", err)
	}
}

func TestNewPoolErrors(t *testing.T) {
	db := testkit.OpenDB(t, "")
	link := newFakeLink(&clock{})
	for name, mutate := range map[string]func(*queue.Config){
		"NoStore":       func(c *queue.Config) { c.Store = nil },
		"NoRoutes":      func(c *queue.Config) { c.Routes = nil },
		"LeaseTooShort": func(c *queue.Config) { c.Lease, c.DeliveryTimeout = time.Second, time.Minute },
		"BadRetryPolicy": func(c *queue.Config) {
			c.Retry = core.RetryPolicy{Initial: time.Hour, Max: time.Minute, MaxAttempts: 3}
		},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := config(db, &clock{}, link)
			mutate(&cfg)
			if _, err := queue.NewPool(cfg); err == nil {
				t.Error("NewPool succeeded, want an error")
			}
		})
	}
}
