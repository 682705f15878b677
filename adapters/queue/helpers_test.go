package queue_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/vendgate/vendgate/adapters/queue"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

// eachDB runs fn as the subtests SQLite and PostgreSQL, each on a fresh, migrated database.
func eachDB(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	testkit.EachDB(t, fn)
}

// redisAddr is the test Redis server; without it the test fails.
func redisAddr(t *testing.T) string {
	t.Helper()
	addr := os.Getenv("VENDGATE_TEST_REDIS_ADDR")
	if addr == "" {
		t.Fatal("VENDGATE_TEST_REDIS_ADDR is not set: run make test, which starts Redis")
	}
	return addr
}

// uniqueQueue names an asynq queue no other test uses.
func uniqueQueue(t *testing.T) string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return "vg_test_" + hex.EncodeToString(b[:])
}

// clock is the wall clock moved forward by an offset the test advances.
type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// fakeLink is a Deliverer: each recipient fails transiently failFirst times, then is accepted;
// recipients in refuse are refused for good; while down, every delivery fails transiently.
type fakeLink struct {
	clock     *clock
	failFirst int
	refuse    map[string]bool
	down      atomic.Bool
	block     chan struct{} // when set, deliveries wait for it to close (or their context)

	mu        sync.Mutex
	calls     map[int64][]time.Time // by reply: when each attempt reached the link
	delivered map[int64]int
	total     atomic.Int64
}

func newFakeLink(c *clock) *fakeLink {
	return &fakeLink{clock: c, refuse: map[string]bool{}, calls: map[int64][]time.Time{}, delivered: map[int64]int{}}
}

func (l *fakeLink) Deliver(ctx context.Context, r core.Reply) (string, error) {
	l.total.Add(1)
	l.mu.Lock()
	l.calls[r.ID] = append(l.calls[r.ID], l.clock.Now())
	n := len(l.calls[r.ID])
	l.mu.Unlock()
	if l.block != nil {
		select {
		case <-l.block:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	switch {
	case l.refuse[r.Recipient]:
		return "", core.Errorf(core.CodeInvalid, "invalid_destination", "the SMSC refused destination %s", r.Recipient)
	case l.down.Load():
		return "", core.Errorf(core.CodeUnavailable, "", "the SMSC bind is down")
	case n <= l.failFirst:
		return "", core.Errorf(core.CodeUnavailable, "", "the SMSC is throttling")
	}
	l.mu.Lock()
	l.delivered[r.ID]++
	l.mu.Unlock()
	return fmt.Sprintf("msg-%d-%d", r.ID, n), nil
}

func (l *fakeLink) callTimes(id int64) []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Time(nil), l.calls[id]...)
}

func (l *fakeLink) deliveredCount(id int64) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.delivered[id]
}

func addReplies(t *testing.T, db *store.DB, c *clock, n int) []int64 {
	t.Helper()
	ids := make([]int64, n)
	for i := range ids {
		r := &core.Reply{Channel: core.ReplyChannelSMS, Route: "smsc", Recipient: fmt.Sprintf("2782%07d", i), Sender: "32123",
			Body: "Token 1234 5678 9012 3456 7890", CreatedAt: c.Now()}
		if err := db.AddReply(context.Background(), r); err != nil {
			t.Fatalf("AddReply: %v", err)
		}
		ids[i] = r.ID
	}
	return ids
}

// waitFor polls cond until it holds, failing the test after a generous bound: a hang, not a
// measure of speed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func reply(t *testing.T, db *store.DB, id int64) core.Reply {
	t.Helper()
	r, err := db.Reply(context.Background(), id)
	if err != nil {
		t.Fatalf("Reply(%d): %v", id, err)
	}
	return r
}

// config is a relay configuration for tests: an hour's first backoff (so that only the test's
// clock makes a retry due), no jitter, fast polling.
func config(db *store.DB, c *clock, link *fakeLink) queue.Config {
	return queue.Config{
		Store:        db,
		Routes:       map[string]core.Deliverer{"smsc": link},
		Retry:        core.RetryPolicy{Initial: time.Hour, Max: 4 * time.Hour, MaxAttempts: 5},
		Breaker:      queue.BreakerSettings{Failures: 100, OpenFor: time.Second},
		Workers:      4,
		Lease:        10 * time.Minute,
		PollInterval: 5 * time.Millisecond,
		Clock:        c.Now,
		RandN:        func(n int64) int64 { return n - 1 }, // no jitter: the full delay
		Logger:       zerolog.Nop(),
	}
}

func startPool(t *testing.T, cfg queue.Config) *queue.Pool {
	t.Helper()
	p, err := queue.NewPool(cfg)
	if err != nil {
		t.Fatalf("NewPool: %v", err)
	}
	p.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := p.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return p
}
