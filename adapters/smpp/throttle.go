package smpp

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

// Throttle paces one bind's submit_sm so that its SMSC gets no more than the bind's Throughput.
// Wait returns when the next submit_sm may go, or an error when none may: the context ended, or
// a shared limit could not be checked.
type Throttle interface {
	Wait(ctx context.Context) error
}

// Throttles makes the Throttle of a bind (given with its defaults applied).
type Throttles func(Bind) Throttle

// burst is how many submit_sm may go together after a quiet spell: a tenth of a second's worth.
func (b Bind) burst() int { return max(1, b.Throughput/10) }

// NodeThrottle paces a bind within this process only: with several nodes bound to one SMSC, the
// SMSC gets the rate once per node. It is the default, for a single node (no Redis).
func NodeThrottle(b Bind) Throttle {
	return rate.NewLimiter(rate.Limit(b.Throughput), b.burst())
}

// SharedThrottles pace each bind through Redis with a GCRA limiter
// (github.com/go-redis/redis_rate) keyed by the bind's name, so that the rate holds for the SMSC
// however many nodes send to it: every node on the same Redis that has a bind of that name takes
// its submit_sm from one allowance. Nodes should give a bind the same Throughput.
//
// When Redis does not answer, nothing is sent: Wait fails, the delivery fails as a transient
// error, and the reply stays in the outbox to be tried again with the relay's backoff. Sending
// on a per-node limit instead would give the SMSC its rate once per node, which is what gets a
// bind suspended; and with Redis down the asynq relay has no deliveries to hand out anyway.
func SharedThrottles(rdb redis.UniversalClient) Throttles {
	lim := redis_rate.NewLimiter(rdb)
	return func(b Bind) Throttle {
		return &sharedThrottle{
			lim:   lim,
			key:   "vendgate:smpp:" + b.Name,
			limit: redis_rate.Limit{Rate: b.Throughput, Burst: b.burst(), Period: time.Second},
			turn:  make(chan struct{}, 1),
		}
	}
}

// sharedThrottle is one bind's allowance in Redis.
type sharedThrottle struct {
	lim   *redis_rate.Limiter
	key   string
	limit redis_rate.Limit
	turn  chan struct{} // one caller of this node asks Redis at a time
}

// Wait takes the next submit_sm of the bind's shared allowance. The callers of one node ask Redis
// in turn, so the relay's waiting workers do not all poll Redis for every free slot.
func (t *sharedThrottle) Wait(ctx context.Context) error {
	select {
	case t.turn <- struct{}{}:
		defer func() { <-t.turn }()
	case <-ctx.Done():
		return ctx.Err()
	}
	for {
		res, err := t.lim.Allow(ctx, t.key, t.limit)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("the throughput shared through Redis could not be checked, so nothing is sent: %w", err)
		}
		if res.Allowed > 0 {
			return nil
		}
		timer := time.NewTimer(res.RetryAfter)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		}
	}
}
