package queue

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/sony/gobreaker/v2"

	"github.com/vendgate/vendgate/core"
)

// Store is what a relay needs of the outbox.
type Store interface {
	core.ReplyClaimer
	// OverdueReplies returns the IDs of replies pending or sending that were due at or before
	// before (the Asynq relay's sweep).
	OverdueReplies(ctx context.Context, before time.Time, limit int) ([]int64, error)
}

// BreakerSettings configure the circuit breaker of each route.
type BreakerSettings struct {
	// Failures is the number of consecutive transient failures that open the breaker
	// (default 5).
	Failures uint32
	// OpenFor is how long an open breaker holds a route's replies back before it lets a probe
	// through (default 30 s).
	OpenFor time.Duration
	// Probes is the number of deliveries a half-open breaker lets through; as many successes
	// close it, one failure opens it again (default 1).
	Probes uint32
}

// Config configures a relay.
type Config struct {
	Store Store
	// Routes are the deliverers by route name (core.Reply.Route). A reply whose route has none
	// is failed, for an operator to see.
	Routes map[string]core.Deliverer
	// Retry is the backoff between attempts; the zero value means core.DefaultRetryPolicy().
	Retry   core.RetryPolicy
	Breaker BreakerSettings
	// Workers is the number of deliveries in flight at once (default 4).
	Workers int
	// Lease is how long a claim keeps a reply from other relays (default 2 min); it must exceed
	// DeliveryTimeout, the bound of one delivery (default 30 s).
	Lease           time.Duration
	DeliveryTimeout time.Duration
	// PollInterval is how often the Pool looks for due replies when nothing wakes it
	// (default 1 s).
	PollInterval time.Duration
	// Clock stamps the outbox's times (default time.Now); RandN draws the backoff's jitter, a
	// uniform value in [0, n) (default math/rand/v2).
	Clock  func() time.Time
	RandN  func(n int64) int64
	Logger zerolog.Logger
}

// withDefaults checks the configuration and fills in its defaults.
func (c Config) withDefaults() (Config, error) {
	if c.Store == nil {
		return c, errors.New("queue: the relay needs a store")
	}
	if len(c.Routes) == 0 {
		return c, errors.New("queue: the relay needs at least one route")
	}
	for name, d := range c.Routes {
		if name == "" || d == nil {
			return c, fmt.Errorf("queue: route %q needs a name and a deliverer", name)
		}
	}
	if c.Retry == (core.RetryPolicy{}) {
		c.Retry = core.DefaultRetryPolicy()
	}
	if c.Retry.Initial <= 0 || c.Retry.Max < c.Retry.Initial || c.Retry.MaxAttempts < 1 {
		return c, fmt.Errorf("queue: the retry policy needs 0 < initial <= max and at least 1 attempt (got %s, %s, %d)",
			c.Retry.Initial, c.Retry.Max, c.Retry.MaxAttempts)
	}
	if c.Breaker.Failures == 0 {
		c.Breaker.Failures = 5
	}
	if c.Breaker.OpenFor <= 0 {
		c.Breaker.OpenFor = 30 * time.Second
	}
	if c.Breaker.Probes == 0 {
		c.Breaker.Probes = 1
	}
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.Lease <= 0 {
		c.Lease = 2 * time.Minute
	}
	if c.DeliveryTimeout <= 0 {
		c.DeliveryTimeout = 30 * time.Second
	}
	if c.DeliveryTimeout+OutcomeTimeout >= c.Lease {
		// A claim lasts a delivery and the recording of its outcome: a lease that lapses before
		// the outcome is written lets another relay send the reply again.
		return c, fmt.Errorf("queue: the lease (%s) must exceed the delivery timeout (%s) and %s to record the outcome", c.Lease, c.DeliveryTimeout, OutcomeTimeout)
	}
	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.RandN == nil {
		c.RandN = rand.Int64N
	}
	return c, nil
}

// relay is the delivery step both relays share: one claimed reply, through its route's
// breaker, to its deliverer, and the outcome into the outbox.
type relay struct {
	cfg      Config
	breakers map[string]*breaker
	// onClose is called when a route's breaker closes: its backlog may drain now.
	onClose func()
}

func newRelay(cfg Config) *relay {
	r := &relay{cfg: cfg, breakers: make(map[string]*breaker, len(cfg.Routes)), onClose: func() {}}
	for name := range cfg.Routes {
		r.breakers[name] = newBreaker(name, cfg.Breaker, cfg.Logger, func() { r.onClose() })
	}
	return r
}

// OutcomeTimeout bounds recording an outcome, which runs even while the relay shuts down; a
// lease must outlast a delivery and it.
const OutcomeTimeout = 10 * time.Second

// deliver tries a claimed reply once and records the outcome. It returns when the reply is due
// again (retried or postponed), or the zero time when it is done (delivered, failed) or its
// claim was lost.
func (r *relay) deliver(ctx context.Context, rep core.Reply) time.Time {
	log := r.cfg.Logger.With().Int64("reply", rep.ID).Str("route", rep.Route).Int("attempt", rep.Attempts).Logger()
	if r.cfg.Retry.MaxAttempts > 0 && rep.Attempts > r.cfg.Retry.MaxAttempts {
		// Claims by relays that died before recording an outcome used the attempts up.
		r.record(ctx, log, rep, "fail", func(ctx context.Context) error {
			return r.cfg.Store.FailReply(ctx, rep.ID, rep.Claim, fmt.Sprintf("%d attempts made (some by relays that stopped mid-delivery)", rep.Attempts-1), r.now())
		})
		return time.Time{}
	}
	d, b := r.cfg.Routes[rep.Route], r.breakers[rep.Route]
	if d == nil {
		r.record(ctx, log, rep, "fail", func(ctx context.Context) error {
			return r.cfg.Store.FailReply(ctx, rep.ID, rep.Claim, fmt.Sprintf("no deliverer for route %q", rep.Route), r.now())
		})
		return time.Time{}
	}
	ext, err := b.cb.Execute(func() (string, error) {
		dctx, cancel := context.WithTimeout(ctx, r.cfg.DeliveryTimeout)
		defer cancel()
		return d.Deliver(dctx, rep)
	})
	now := r.now()
	switch {
	case err == nil:
		r.record(ctx, log, rep, "delivered", func(ctx context.Context) error {
			return r.cfg.Store.MarkReplyDelivered(ctx, rep.ID, rep.Claim, ext, now)
		})
		return time.Time{}
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		// Nothing was tried: the reply waits for the breaker without burning the attempt.
		at := now.Add(b.wait())
		if r.record(ctx, log, rep, "postpone", func(ctx context.Context) error {
			return r.cfg.Store.PostponeReply(ctx, rep.ID, rep.Claim, at)
		}) {
			return at
		}
		return time.Time{}
	case permanent(err):
		log.Info().Str("error", lastError(err)).Msg("reply refused by its link: failed")
		r.record(ctx, log, rep, "fail", func(ctx context.Context) error {
			return r.cfg.Store.FailReply(ctx, rep.ID, rep.Claim, lastError(err), now)
		})
		return time.Time{}
	case r.cfg.Retry.Exhausted(rep.Attempts):
		log.Warn().Str("error", lastError(err)).Msg("reply attempts exhausted: failed")
		r.record(ctx, log, rep, "fail", func(ctx context.Context) error {
			return r.cfg.Store.FailReply(ctx, rep.ID, rep.Claim, fmt.Sprintf("%d attempts made; the last: %s", rep.Attempts, lastError(err)), now)
		})
		return time.Time{}
	default:
		at := now.Add(r.cfg.Retry.Delay(rep.Attempts, r.cfg.RandN))
		log.Info().Str("error", lastError(err)).Time("retry_at", at).Msg("reply delivery failed: retrying")
		if r.record(ctx, log, rep, "retry", func(ctx context.Context) error {
			return r.cfg.Store.RetryReply(ctx, rep.ID, rep.Claim, at, lastError(err))
		}) {
			return at
		}
		return time.Time{}
	}
}

// record writes an outcome, even when ctx is cancelled (the relay is shutting down), and
// reports whether it was written. A lost claim is logged: another relay has the reply.
func (r *relay) record(ctx context.Context, log zerolog.Logger, rep core.Reply, what string, fn func(ctx context.Context) error) bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), OutcomeTimeout)
	defer cancel()
	err := fn(ctx)
	// A database that blinks is asked again within the bound: an outcome lost here means the
	// reply is sent again after its lease.
	for wait := 50 * time.Millisecond; err != nil && core.ErrorCode(err) != core.CodeConflict; wait *= 2 {
		select {
		case <-ctx.Done():
		case <-time.After(wait):
			err = fn(ctx)
			continue
		}
		break
	}
	switch {
	case err == nil:
		return true
	case core.AsError(err).Reason == core.ReasonReplyLeaseLost:
		log.Warn().Str("outcome", what).Msg("reply claim lapsed before its outcome was recorded; another relay has it")
	default:
		// The claim's lease runs out and the reply comes back: delivered again if it was.
		log.Error().Err(err).Str("outcome", what).Msg("recording a reply's outcome")
	}
	return false
}

func (r *relay) now() time.Time { return r.cfg.Clock().UTC() }

// openRoutes are the routes whose breakers are open: their replies are not claimed until the
// breaker lets a probe through (half-open), so an outage costs no claim and postponement per
// waiting reply.
func (r *relay) openRoutes() []string {
	var out []string
	for name, b := range r.breakers {
		if b.cb.State() == gobreaker.StateOpen {
			out = append(out, name)
		}
	}
	return out
}

// breaker is a route's circuit breaker and when it last opened.
type breaker struct {
	cb      *gobreaker.CircuitBreaker[string]
	openFor time.Duration
	mu      sync.Mutex
	opened  time.Time // by the wall clock, as gobreaker keeps its own time
}

func newBreaker(route string, s BreakerSettings, log zerolog.Logger, onClose func()) *breaker {
	b := &breaker{openFor: s.OpenFor}
	b.cb = gobreaker.NewCircuitBreaker[string](gobreaker.Settings{
		Name:        route,
		MaxRequests: s.Probes,
		Timeout:     s.OpenFor,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= s.Failures },
		// A reply the link refuses for good shows the link working.
		IsSuccessful: func(err error) bool { return err == nil || permanent(err) },
		// A delivery cut short by the relay's shutdown says nothing about the link.
		IsExcluded: func(err error) bool { return errors.Is(err, context.Canceled) },
		OnStateChange: func(name string, from, to gobreaker.State) {
			switch to {
			case gobreaker.StateOpen:
				b.mu.Lock()
				b.opened = time.Now()
				b.mu.Unlock()
				log.Warn().Str("route", name).Dur("open_for", s.OpenFor).Msg("route circuit breaker opened: its replies wait")
			case gobreaker.StateClosed:
				log.Info().Str("route", name).Msg("route circuit breaker closed: its replies drain")
				onClose()
			}
		},
	})
	return b
}

// wait is how long a reply held back by the breaker waits: until the breaker may half-open, or,
// while a half-open probe is in flight, a short while.
func (b *breaker) wait() time.Duration {
	b.mu.Lock()
	left := time.Until(b.opened.Add(b.openFor))
	b.mu.Unlock()
	return max(left, min(b.openFor/10, time.Second), time.Millisecond)
}
