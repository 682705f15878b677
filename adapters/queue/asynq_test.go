package queue_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/vendgate/vendgate/adapters/queue"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

// asynqConfig is a relay over the test Redis on a queue of its own, with short delays: asynq's
// retries run on the wall clock.
func asynqConfig(t *testing.T, db *store.DB, c *clock, link *fakeLink) queue.AsynqConfig {
	cfg := config(db, c, link)
	cfg.Retry = core.RetryPolicy{Initial: 50 * time.Millisecond, Max: 200 * time.Millisecond, MaxAttempts: 5}
	return queue.AsynqConfig{
		Config: cfg, Redis: asynq.RedisClientOpt{Addr: redisAddr(t)}, Queue: uniqueQueue(t),
		SweepInterval: 50 * time.Millisecond, Grace: 100 * time.Millisecond, DelayedTaskCheckInterval: 20 * time.Millisecond,
	}
}

func startAsynq(t *testing.T, cfg queue.AsynqConfig) *queue.Asynq {
	t.Helper()
	a, err := queue.NewAsynq(cfg)
	if err != nil {
		t.Fatalf("NewAsynq: %v", err)
	}
	if err := a.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := a.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return a
}

func TestAsynqRetriesAndDuplicates(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		c := &clock{}
		link := newFakeLink(c)
		link.failFirst = 2
		cfg := asynqConfig(t, db, c, link)
		cfg.SweepInterval = time.Hour // only Notify enqueues here
		a := startAsynq(t, cfg)
		ids := addReplies(t, db, c, 20)
		refused := reply(t, db, ids[0])
		link.refuse[refused.Recipient] = true
		for range 3 { // duplicate notifications: one task per reply
			for _, id := range ids {
				a.Notify(context.Background(), id)
			}
		}
		waitFor(t, "every reply settled", func() bool {
			for _, id := range ids[1:] {
				if reply(t, db, id).Status != core.ReplyDelivered {
					return false
				}
			}
			return reply(t, db, ids[0]).Status == core.ReplyFailed
		})
		for _, id := range ids[1:] {
			r := reply(t, db, id)
			if link.deliveredCount(id) != 1 || r.Attempts != link.failFirst+1 {
				t.Errorf("reply %d: delivered %d times in %d attempts, want once in %d", id, link.deliveredCount(id), r.Attempts, link.failFirst+1)
			}
			calls := link.callTimes(id)
			for k := 1; k < len(calls); k++ {
				if gap := calls[k].Sub(calls[k-1]); gap < cfg.Retry.Delay(k, nil) {
					t.Errorf("reply %d: attempt %d came %s after the previous, want at least %s", id, k+1, gap, cfg.Retry.Delay(k, nil))
				}
			}
		}
		if r := reply(t, db, ids[0]); r.Attempts != 1 {
			t.Errorf("the refused reply took %d attempts, want 1", r.Attempts)
		}
		// Notifying a delivered reply again sends nothing.
		a.Notify(context.Background(), ids[1])
		before := link.total.Load()
		a.Notify(context.Background(), ids[2])
		insp := asynq.NewInspector(cfg.Redis)
		defer insp.Close()
		waitFor(t, "the late tasks handled", func() bool {
			q, err := insp.GetQueueInfo(cfg.Queue)
			return err == nil && q.Pending == 0 && q.Active == 0 && q.Retry == 0 && q.Scheduled == 0
		})
		if got := link.total.Load(); got != before {
			t.Errorf("the link saw %d more deliveries after notifying delivered replies", got-before)
		}
	})
}

func TestAsynqRedisDownAtNotify(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		c := &clock{}
		link := newFakeLink(c)
		ids := addReplies(t, db, c, 3)

		// This node's Redis is unreachable when the vends commit: Notify logs and returns.
		down := asynqConfig(t, db, c, link)
		down.Redis = asynq.RedisClientOpt{Addr: "127.0.0.1:1", DialTimeout: 50 * time.Millisecond}
		a, err := queue.NewAsynq(down)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			a.Notify(context.Background(), id)
		}
		if err := a.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			if r := reply(t, db, id); r.Status != core.ReplyPending || link.total.Load() != 0 {
				t.Fatalf("reply %d is %s after a failed Notify, want pending in the outbox", id, r.Status)
			}
		}

		// Redis is back: the sweep finds the overdue replies and they are delivered.
		startAsynq(t, asynqConfig(t, db, c, link))
		waitFor(t, "the sweep's deliveries", func() bool {
			for _, id := range ids {
				if reply(t, db, id).Status != core.ReplyDelivered {
					return false
				}
			}
			return true
		})
		for _, id := range ids {
			if got := link.deliveredCount(id); got != 1 {
				t.Errorf("reply %d delivered %d times, want once", id, got)
			}
		}
	})
}

func TestAsynqCrashedWorker(t *testing.T) {
	db := testkit.OpenDB(t, testkit.PostgresURL(t))
	ctx := context.Background()
	c := &clock{}
	link := newFakeLink(c)
	cfg := asynqConfig(t, db, c, link)
	ids := addReplies(t, db, c, 1)
	// A node claimed the reply, its task done as far as Redis knows, and died.
	if got, err := db.ClaimReplies(ctx, c.Now(), cfg.Lease, 1); err != nil || len(got) != 1 {
		t.Fatalf("claiming as the dead node: %v %v", got, err)
	}
	a := startAsynq(t, cfg)
	if n := a.Sweep(ctx); n != 0 {
		t.Errorf("the sweep enqueued %d replies inside the lease, want 0", n)
	}
	c.Advance(cfg.Lease + cfg.Grace)
	waitFor(t, "the reply delivered after the lease", func() bool { return reply(t, db, ids[0]).Status == core.ReplyDelivered })
	if r := reply(t, db, ids[0]); r.Attempts != 2 || link.deliveredCount(ids[0]) != 1 {
		t.Errorf("attempts %d, delivered %d times; want 2, once", r.Attempts, link.deliveredCount(ids[0]))
	}
}

// cancelledStore answers the claim of one reply as a reversal leaves it: cancelled, not claimed.
type cancelledStore struct {
	queue.Store
	id     int64
	claims atomic.Int64
}

func (s *cancelledStore) ClaimReply(ctx context.Context, id int64, now time.Time, lease time.Duration) (core.Reply, bool, error) {
	if id != s.id {
		return s.Store.ClaimReply(ctx, id, now, lease)
	}
	s.claims.Add(1)
	return core.Reply{ID: id, Status: core.ReplyCancelled, NextAttemptAt: now.Add(-time.Minute)}, false, nil
}

// TestAsynqDropsCancelledReply: the task of a reply cancelled by its vend's reversal ends, and
// nothing is sent. Before, the task came back every 10 ms for good.
func TestAsynqDropsCancelledReply(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		c := &clock{}
		link := newFakeLink(c)
		cfg := asynqConfig(t, db, c, link)
		cfg.SweepInterval = time.Hour // only Notify enqueues here
		id := addReplies(t, db, c, 1)[0]
		st := &cancelledStore{Store: db, id: id}
		cfg.Store = st
		a := startAsynq(t, cfg)
		a.Notify(context.Background(), id)
		insp := asynq.NewInspector(cfg.Redis)
		defer insp.Close()
		waitFor(t, "the cancelled reply's task ended", func() bool {
			q, err := insp.GetQueueInfo(cfg.Queue)
			return err == nil && st.claims.Load() > 0 && q.Pending == 0 && q.Active == 0 && q.Retry == 0 && q.Scheduled == 0
		})
		if n := st.claims.Load(); n != 1 || link.total.Load() != 0 {
			t.Errorf("the cancelled reply was claimed %d times and sent %d times, want 1 and 0", n, link.total.Load())
		}
	})
}
