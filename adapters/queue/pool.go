package queue

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vendgate/vendgate/core"
)

var _ core.ReplyNotifier = (*Pool)(nil)

// Pool is the embedded relay: it claims due replies from the outbox, as many as it has idle
// workers, and delivers each through its route. Start it once; Shutdown stops it.
type Pool struct {
	relay *relay
	cfg   Config

	wake chan struct{} // a token: look for due replies now
	more atomic.Bool   // the last claim filled every idle worker: there may be more

	slots    chan struct{} // one per delivery in flight
	inflight sync.WaitGroup
	// deliveries is the context of deliveries, cancelled only when Shutdown runs out of time.
	deliveries context.Context
	cancel     context.CancelFunc

	start, stop sync.Once
	stopping    chan struct{}
	done        chan struct{}
}

// NewPool returns an embedded relay; it does nothing until Start.
func NewPool(cfg Config) (*Pool, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Pool{
		relay: newRelay(cfg), cfg: cfg, wake: make(chan struct{}, 1), slots: make(chan struct{}, cfg.Workers),
		deliveries: ctx, cancel: cancel, stopping: make(chan struct{}), done: make(chan struct{}),
	}
	p.relay.onClose = p.poke
	return p, nil
}

// Start starts the pool's loop; it returns at once.
func (p *Pool) Start() {
	p.start.Do(func() { go p.loop() })
}

// Notify wakes the pool to deliver a committed reply at once rather than at its next poll. The
// reply's ID is not needed: the pool claims whatever is due.
func (p *Pool) Notify(context.Context, int64) { p.poke() }

func (p *Pool) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Shutdown stops claiming replies and waits for the deliveries in flight. When ctx ends first it
// cancels them and returns ctx's error; their replies come back when their leases run out.
func (p *Pool) Shutdown(ctx context.Context) error {
	p.stop.Do(func() { close(p.stopping) })
	p.start.Do(func() { close(p.done) }) // never started: nothing to wait for
	<-p.done
	idle := make(chan struct{})
	go func() { p.inflight.Wait(); close(idle) }()
	select {
	case <-idle:
		p.cancel()
		return nil
	case <-ctx.Done():
		p.cancel()
		<-idle
		return ctx.Err()
	}
}

// loop claims and dispatches until Shutdown.
func (p *Pool) loop() {
	defer close(p.done)
	poll := time.NewTicker(p.cfg.PollInterval)
	defer poll.Stop()
	for {
		p.dispatch()
		select {
		case <-p.stopping:
			return
		case <-p.wake:
		case <-poll.C:
		}
	}
}

// dispatch claims as many due replies as there are idle workers and starts their deliveries.
func (p *Pool) dispatch() {
	idle := cap(p.slots) - len(p.slots)
	if idle == 0 {
		p.more.Store(true)
		return
	}
	ctx, cancel := context.WithTimeout(p.deliveries, OutcomeTimeout)
	replies, err := p.cfg.Store.ClaimReplies(ctx, p.relay.now(), p.cfg.Lease, idle, p.relay.openRoutes()...)
	cancel()
	if err != nil {
		p.cfg.Logger.Error().Err(err).Msg("claiming due replies")
		return
	}
	p.more.Store(len(replies) == idle)
	for _, r := range replies {
		p.slots <- struct{}{}
		p.inflight.Add(1)
		go func() {
			defer func() {
				<-p.slots
				p.inflight.Done()
				if p.more.Load() {
					p.poke()
				}
			}()
			defer func() {
				// A deliverer that panics must not end the process (vending with it): the reply
				// comes back after its lease, its attempt counted, until it is failed.
				if v := recover(); v != nil {
					p.cfg.Logger.Error().Int64("reply", r.ID).Str("route", r.Route).Str("panic", fmt.Sprint(v)).Msg("delivering a reply panicked")
				}
			}()
			p.relay.deliver(p.deliveries, r)
		}()
	}
}
