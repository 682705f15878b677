// Package queue delivers Vendgate's replies from the outbox (core.ReplyClaimer) to the outward
// links (core.Deliverer, one per route): at least once, with exponential backoff and jitter
// (core.RetryPolicy), each route behind its own circuit breaker (sony/gobreaker).
//
// Two relays share one delivery step:
//
//   - Pool, the embedded relay: a bounded set of workers claims due replies from the database
//     (leases, so that a crashed worker's replies come back; SKIP LOCKED on PostgreSQL, so that
//     several Vendgate nodes never claim the same row). Notify wakes it after a commit; otherwise
//     it polls.
//   - Asynq, the relay over Redis (hibiken/asynq): Notify enqueues a task whose task ID is the
//     reply's ID, and a sweep re-enqueues replies overdue past a grace period (Redis down at
//     commit time, a lost task, a crashed node). asynq is only the transport: the handler claims
//     the reply in the database, so the database alone says whether it is delivered, and retries
//     are scheduled there.
//
// At least once means duplicates are possible but rare: a relay that crashes (or whose lease runs
// out) after the link took a reply and before the outcome is recorded leaves the reply to be
// delivered again. In the normal path a reply is handed to its link once, however often it is
// notified or enqueued.
package queue
