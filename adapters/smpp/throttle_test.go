package smpp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/testkit/smsc"
)

// submitClock records when each submit_sm reached a test SMSC.
type submitClock struct {
	mu sync.Mutex
	at []time.Time
}

func (c *submitClock) record(smsc.Submit) {
	c.mu.Lock()
	c.at = append(c.at, time.Now())
	c.mu.Unlock()
}

// pace is what an SMSC saw: the submits in each second from the first, the most in any one-second
// window, and the rate from the first submit to the last.
func (c *submitClock) pace() (perSecond []int, busiest int, drain float64) {
	c.mu.Lock()
	at := append([]time.Time(nil), c.at...)
	c.mu.Unlock()
	sort.Slice(at, func(i, j int) bool { return at[i].Before(at[j]) })
	if len(at) < 2 {
		return nil, len(at), 0
	}
	for _, t := range at {
		s := int(t.Sub(at[0]) / time.Second)
		for len(perSecond) <= s {
			perSecond = append(perSecond, 0)
		}
		perSecond[s]++
	}
	for i, j := 0, 0; i < len(at); i++ { // j: the first submit a second or more after at[i]
		for j < len(at) && at[j].Sub(at[i]) < time.Second {
			j++
		}
		busiest = max(busiest, j-i)
	}
	return perSecond, busiest, float64(len(at)-1) / at[len(at)-1].Sub(at[0]).Seconds()
}

// testRedis is a client of the test Redis server; without it the test fails.
func testRedis(t *testing.T) *redis.Client {
	t.Helper()
	addr := os.Getenv("VENDGATE_TEST_REDIS_ADDR")
	if addr == "" {
		t.Fatal("VENDGATE_TEST_REDIS_ADDR is not set: run make test, which starts Redis")
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// uniqueBind is a bind name no other test run uses (the shared limiter keys on it).
func uniqueBind(t *testing.T) string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return "throttle-" + hex.EncodeToString(b[:])
}

// TestThrottleHeldAcrossNodes: two nodes (two links of one bind, as two vendgate processes have)
// drain one backlog of replies to one SMSC. The SMSC sees the bind's configured rate, not the rate
// times the number of nodes: no one-second window holds more than the rate plus the burst, and
// the backlog drains at the rate.
func TestThrottleHeldAcrossNodes(t *testing.T) {
	const rate, burst, replies, workers = 50, 5, 300, 10
	var clock submitClock
	srv := newSMSC(t, smsc.Config{Throughput: true, OnSubmit: clock.record})
	b := Bind{Name: uniqueBind(t), SystemID: "vendgate", Password: "secret", Throughput: rate, Window: workers,
		RebindMin: 20 * time.Millisecond, RebindMax: 100 * time.Millisecond}
	shared := SharedThrottles(testRedis(t))
	nodes := []*Link{startLinkWith(t, srv.Addr(), newRecorder(), b, shared), startLinkWith(t, srv.Addr(), newRecorder(), b, shared)}

	backlog := make(chan int64, replies)
	for id := range int64(replies) {
		backlog <- id + 1
	}
	close(backlog)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	errs := make(chan error, replies)
	var wg sync.WaitGroup
	for _, l := range nodes {
		for range workers { // the relay's workers on each node
			wg.Go(func() {
				for id := range backlog {
					r := core.Reply{ID: id, Sender: "40404", Recipient: fmt.Sprintf("2782%07d", id), Body: "Token 1234 5678"}
					if _, err := l.Deliver(ctx, r); err != nil {
						errs <- fmt.Errorf("reply %d: %w", id, err)
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	perSecond, busiest, drain := clock.pace()
	t.Logf("%d submits: per second %v; at most %d in one second; drained at %.1f/s (rate %d/s, burst %d)",
		srv.SubmitCount(), perSecond, busiest, drain, rate, burst)
	if n := srv.SubmitCount(); n != replies {
		t.Fatalf("the SMSC got %d submits, want %d", n, replies)
	}
	if busiest > rate+burst {
		t.Errorf("%d submits in one second, want at most %d (rate %d + burst %d)", busiest, rate+burst, rate, burst)
	}
	if drain < 0.85*rate || drain > 1.1*rate {
		t.Errorf("the backlog drained at %.1f/s, want about %d/s", drain, rate)
	}
}

// TestThrottleRedisDown: when the shared limit cannot be checked, nothing reaches the SMSC and the
// delivery fails as transient (the reply stays in the outbox and is tried again).
func TestThrottleRedisDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().String() // nothing listens there once closed
	ln.Close()
	rdb := redis.NewClient(&redis.Options{Addr: down, MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })

	srv := newSMSC(t, smsc.Config{})
	b := Bind{Name: uniqueBind(t), SystemID: "vendgate", Password: "secret", RebindMin: 20 * time.Millisecond, RebindMax: 100 * time.Millisecond}
	l := startLinkWith(t, srv.Addr(), newRecorder(), b, SharedThrottles(rdb))
	_, err = l.Deliver(ctx10(t), core.Reply{ID: 1, Sender: "40404", Recipient: "27821234567", Body: "Token 1234 5678"})
	var ce *core.Error
	if !errors.As(err, &ce) || ce.Code != core.CodeUnavailable || ce.Reason != "smsc_throttle" {
		t.Fatalf("got %v, want an unavailable smsc_throttle error", err)
	}
	if n := srv.SubmitCount(); n != 0 {
		t.Errorf("the SMSC got %d submits while the shared limit could not be checked, want 0", n)
	}
}
