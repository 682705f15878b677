package queue

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"github.com/sony/gobreaker/v2"

	"github.com/vendgate/vendgate/core"
)

var _ core.ReplyNotifier = (*Asynq)(nil)

// TaskType is the asynq task type of a reply's delivery; its payload is the reply's ID in
// decimal, and its task ID the same.
const TaskType = "vendgate:reply"

// AsynqConfig configures the relay over Redis.
type AsynqConfig struct {
	Config
	// Redis is the Redis server; the relay opens one client on it and closes it on Shutdown.
	Redis asynq.RedisConnOpt
	// Queue is the asynq queue of reply tasks (default "vendgate_replies").
	Queue string
	// SweepInterval is how often the sweep looks for overdue replies (default 30 s); Grace is
	// how long past due a reply must be before the sweep enqueues it again (default 1 min).
	SweepInterval time.Duration
	Grace         time.Duration
	// NotifyTimeout bounds Notify's round trip to Redis, on the path of a vend's answer
	// (default 500 ms). After a failure Notify skips Redis for NotifyPause (default 5 s): the
	// sweep picks up what it left.
	NotifyTimeout time.Duration
	NotifyPause   time.Duration
	// DelayedTaskCheckInterval is how often asynq moves retries that are due back to the queue
	// (default 1 s, asynq's own is 5 s).
	DelayedTaskCheckInterval time.Duration
}

// Asynq is the relay over Redis. Delivery state lives in the database: a task only says "look
// at reply N". The handler claims the reply in the outbox (a duplicate task finds it claimed or
// done and does nothing), delivers it, and records the outcome there; a retry is the same task
// coming back at the time the outbox says, through asynq's retry with a delay of the relay's
// choosing. Those retries are not asynq failures, so asynq never archives a reply's task (an
// archived task would hold its ID, and so the reply, out of the queue).
type Asynq struct {
	relay  *relay
	cfg    AsynqConfig
	rdb    redis.UniversalClient
	client *asynq.Client
	server *asynq.Server
	insp   *asynq.Inspector
	notify *gobreaker.CircuitBreaker[struct{}]

	start, stop sync.Once
	stopping    chan struct{}
	swept       chan struct{}
}

// NewAsynq returns the relay over Redis; it does nothing until Start.
func NewAsynq(cfg AsynqConfig) (*Asynq, error) {
	c, err := cfg.Config.withDefaults()
	if err != nil {
		return nil, err
	}
	cfg.Config = c
	if cfg.Redis == nil {
		return nil, errors.New("queue: the asynq relay needs a Redis server")
	}
	if cfg.Queue == "" {
		cfg.Queue = "vendgate_replies"
	}
	if cfg.SweepInterval <= 0 {
		cfg.SweepInterval = 30 * time.Second
	}
	if cfg.Grace <= 0 {
		cfg.Grace = time.Minute
	}
	if cfg.NotifyTimeout <= 0 {
		cfg.NotifyTimeout = 500 * time.Millisecond
	}
	if cfg.NotifyPause <= 0 {
		cfg.NotifyPause = 5 * time.Second
	}
	if cfg.DelayedTaskCheckInterval <= 0 {
		cfg.DelayedTaskCheckInterval = time.Second
	}
	rdb, ok := cfg.Redis.MakeRedisClient().(redis.UniversalClient)
	if !ok {
		return nil, fmt.Errorf("queue: unsupported Redis connection option %T", cfg.Redis)
	}
	a := &Asynq{
		relay: newRelay(cfg.Config), cfg: cfg, rdb: rdb,
		client: asynq.NewClientFromRedisClient(rdb), insp: asynq.NewInspectorFromRedisClient(rdb),
		stopping: make(chan struct{}), swept: make(chan struct{}),
	}
	a.notify = gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name: "redis", Timeout: cfg.NotifyPause,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= 1 },
		IsSuccessful: func(err error) bool {
			return err == nil || errors.Is(err, asynq.ErrTaskIDConflict)
		},
	})
	a.server = asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency:              cfg.Workers,
		Queues:                   map[string]int{cfg.Queue: 1},
		IsFailure:                func(err error) bool { var d *due; return !errors.As(err, &d) },
		RetryDelayFunc:           retryDelay,
		ShutdownTimeout:          cfg.DeliveryTimeout + OutcomeTimeout,
		DelayedTaskCheckInterval: cfg.DelayedTaskCheckInterval,
		Logger:                   asynqLogger{cfg.Logger},
		LogLevel:                 asynq.WarnLevel,
	})
	return a, nil
}

// due is the handler's answer for a reply that is due again later: asynq retries the task after
// the delay, without counting a failure.
type due struct{ after time.Duration }

func (d *due) Error() string { return "reply due again in " + d.after.String() }

// retryDelay is asynq's delay before a task's retry: the outbox's, or asynq's backoff for a
// handler that failed (the database was unreachable).
func retryDelay(n int, err error, t *asynq.Task) time.Duration {
	var d *due
	if errors.As(err, &d) {
		return d.after
	}
	return asynq.DefaultRetryDelayFunc(n, err, t)
}

// Start starts asynq's workers and the sweep. It fails when Redis cannot be reached.
func (a *Asynq) Start() error {
	var err error
	a.start.Do(func() {
		mux := asynq.NewServeMux()
		mux.HandleFunc(TaskType, a.handle)
		if err = a.server.Start(mux); err != nil {
			close(a.swept)
			return
		}
		go a.sweepLoop()
	})
	return err
}

// Shutdown stops the sweep and asynq's workers, waiting for deliveries in flight (at most the
// delivery timeout), and closes the Redis client. A delivery cut short comes back after its
// lease.
func (a *Asynq) Shutdown(ctx context.Context) error {
	a.stop.Do(func() { close(a.stopping) })
	a.start.Do(func() { close(a.swept) })
	done := make(chan struct{})
	go func() {
		<-a.swept
		a.server.Shutdown()
		_ = a.client.Close()
		_ = a.insp.Close()
		_ = a.rdb.Close()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Notify enqueues a committed reply's task. Redis being down is logged, not returned: the reply
// waits in the outbox and the sweep enqueues it later.
func (a *Asynq) Notify(ctx context.Context, id int64) {
	// The reply is committed: a caller that has gone (a timed-out channel) does not hold it back.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.NotifyTimeout)
	defer cancel()
	_, err := a.notify.Execute(func() (struct{}, error) { return struct{}{}, a.enqueue(ctx, id) })
	switch {
	case err == nil, errors.Is(err, asynq.ErrTaskIDConflict):
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		a.cfg.Logger.Debug().Int64("reply", id).Msg("Redis recently unreachable: the sweep will send the reply")
	default:
		a.cfg.Logger.Warn().Err(err).Int64("reply", id).Msg("enqueueing a reply failed: the sweep will send it")
	}
}

func (a *Asynq) enqueue(ctx context.Context, id int64) error {
	s := strconv.FormatInt(id, 10)
	_, err := a.client.EnqueueContext(ctx, asynq.NewTask(TaskType, []byte(s)),
		asynq.TaskID(s), asynq.Queue(a.cfg.Queue), asynq.MaxRetry(25))
	return err
}

// sweepLoop runs the sweep every SweepInterval until Shutdown.
func (a *Asynq) sweepLoop() {
	defer close(a.swept)
	t := time.NewTicker(a.cfg.SweepInterval)
	defer t.Stop()
	for {
		a.Sweep(context.Background())
		select {
		case <-a.stopping:
			return
		case <-t.C:
		}
	}
}

// sweepBatch bounds the replies one sweep enqueues.
const sweepBatch = 500

// Sweep enqueues the replies overdue by more than the grace period: their task was never
// enqueued (Redis was down), was lost, or their relay died. A reply whose task is still in the
// queue is left alone; one whose task asynq archived (a handler that kept panicking) gets a new
// task. It returns the number of tasks enqueued.
func (a *Asynq) Sweep(ctx context.Context) int {
	ids, err := a.cfg.Store.OverdueReplies(ctx, a.relay.now().Add(-a.cfg.Grace), sweepBatch)
	if err != nil {
		a.cfg.Logger.Error().Err(err).Msg("sweep: reading overdue replies")
		return 0
	}
	n := 0
	for _, id := range ids {
		err := a.enqueue(ctx, id)
		if errors.Is(err, asynq.ErrTaskIDConflict) {
			err = a.replaceStale(ctx, id)
		}
		switch {
		case err == nil:
			n++
		case errors.Is(err, asynq.ErrTaskIDConflict):
		default:
			a.cfg.Logger.Warn().Err(err).Msg("sweep: enqueueing overdue replies failed; next sweep tries again")
			return n
		}
	}
	if n > 0 {
		a.cfg.Logger.Info().Int("replies", n).Msg("sweep: overdue replies enqueued")
	}
	return n
}

// replaceStale deletes a reply's task when asynq has given up on it (archived) or kept it as
// done, and enqueues a new one; a task still waiting or running is a conflict, left alone.
func (a *Asynq) replaceStale(ctx context.Context, id int64) error {
	s := strconv.FormatInt(id, 10)
	info, err := a.insp.GetTaskInfo(a.cfg.Queue, s)
	switch {
	case errors.Is(err, asynq.ErrTaskNotFound):
	case err != nil:
		return err
	case info.State == asynq.TaskStateArchived || info.State == asynq.TaskStateCompleted:
		if err := a.insp.DeleteTask(a.cfg.Queue, s); err != nil && !errors.Is(err, asynq.ErrTaskNotFound) {
			return err
		}
	default:
		return asynq.ErrTaskIDConflict
	}
	return a.enqueue(ctx, id)
}

// handle is the asynq handler of a reply's task.
func (a *Asynq) handle(ctx context.Context, t *asynq.Task) error {
	id, err := parseTaskPayload(t.Payload())
	if err != nil {
		a.cfg.Logger.Error().Err(err).Msg("dropping a malformed reply task")
		return fmt.Errorf("%w: %w", err, asynq.RevokeTask)
	}
	now := a.relay.now()
	r, claimed, err := a.cfg.Store.ClaimReply(ctx, id, now, a.cfg.Lease)
	switch {
	case errors.Is(err, core.ErrNotFound):
		a.cfg.Logger.Error().Int64("reply", id).Msg("a reply task for no reply: dropped")
		return nil
	case err != nil:
		a.cfg.Logger.Error().Err(err).Int64("reply", id).Msg("claiming a reply")
		return &due{after: a.cfg.Retry.Initial}
	case !claimed:
		if r.Status.Final() { // a reversed vend's cancelled reply included: its task ends here
			return nil
		}
		// Not due yet, or claimed by another relay: look again when it is due, or when that
		// claim's lease runs out.
		return &due{after: max(r.NextAttemptAt.Sub(now), 10*time.Millisecond)}
	}
	next := a.relay.deliver(ctx, r)
	if next.IsZero() {
		return nil
	}
	return &due{after: max(next.Sub(a.relay.now()), 10*time.Millisecond)}
}

// parseTaskPayload reads a reply task's payload: the reply's ID in decimal.
func parseTaskPayload(p []byte) (int64, error) {
	if len(p) == 0 || len(p) > 19 {
		return 0, fmt.Errorf("queue: a reply task's payload must be a reply ID of 1 to 19 digits, got %d bytes", len(p))
	}
	for _, c := range p {
		if c < '0' || c > '9' {
			return 0, errors.New("queue: a reply task's payload must be a reply ID in decimal digits")
		}
	}
	id, err := strconv.ParseInt(string(p), 10, 64)
	if err != nil || id <= 0 {
		return 0, errors.New("queue: a reply task's payload must be a positive reply ID")
	}
	return id, nil
}

// asynqLogger writes asynq's log lines to the relay's logger. Fatal does not exit: the relay
// never stops the process.
type asynqLogger struct{ l zerolog.Logger }

func (g asynqLogger) Debug(args ...any) { g.l.Debug().Msg(fmt.Sprint(args...)) }
func (g asynqLogger) Info(args ...any)  { g.l.Info().Msg(fmt.Sprint(args...)) }
func (g asynqLogger) Warn(args ...any)  { g.l.Warn().Msg(fmt.Sprint(args...)) }
func (g asynqLogger) Error(args ...any) { g.l.Error().Msg(fmt.Sprint(args...)) }
func (g asynqLogger) Fatal(args ...any) { g.l.Error().Msg(fmt.Sprint(args...)) }
