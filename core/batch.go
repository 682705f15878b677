package core

import (
	"context"
	"errors"
	"sync"
	"time"
)

// The hot agent (docs/design.md, "The hot agent: batches"). A bank or a telco sells everything from
// one settlement account, so every one of its vends updates the same agent row, and the row stays
// locked until the commit is on disk: one agent, one commit at a time. Vendor therefore runs an
// agent's vends in batches, the way a database groups commits: a vend that finds fewer than
// BatchConcurrency transactions of its agent running starts one at once, with itself alone; vends
// that arrive while they all run wait and go together in the next transaction, which moves the
// float once for all of them. An idle agent's vend waits for nothing; a busy agent's vends share
// statements, the debit and the commit. Several batches of one agent run at once so that one
// prepares (locks its meters, makes its tokens, writes its vends) while another holds the agent's
// row through its commit. A batch is one transaction: each of its vends is priced and refused on
// its own before anything of it is written, and if the transaction fails as a whole (a taken
// idempotency key, a float that does not cover the sum, a database error) each vend runs again
// alone, so a batch never changes an answer.

// Defaults for Vendor.BatchSize and Vendor.BatchConcurrency.
const (
	DefaultBatchSize        = 32
	DefaultBatchConcurrency = 4
)

// errAlone tells a batched vend to run again in a transaction of its own.
var errAlone = errors.New("run the vend alone")

// vendJob is one vend on its way through an agent's batches.
type vendJob struct {
	v    *Vend
	view MeterView
	paid Money
	// reply is the reply the vend asks for; replyID the outbox row written for it.
	reply   *ReplyTo
	replyID int64
	// deadline is the vend's context's deadline (zero: none); a batch lasts until the latest.
	deadline time.Time

	err  error         // the outcome, final when done is closed
	done chan struct{} // closed by the batch that ran the vend
	lead chan struct{} // receives when this vend's goroutine is to run the agent's next batch
}

// agentQueue holds an agent's vends that wait for a batch running now to end.
type agentQueue struct {
	agentID int64
	running int // batches running
	waiting []*vendJob
}

// batcher keeps, per agent with batches running, the vends waiting for the next one.
type batcher struct {
	mu     sync.Mutex
	queues map[int64]*agentQueue
}

// runFunc runs a batch's transaction.
type runFunc func(ctx context.Context, jobs []*vendJob) error

// commit runs a vend's transaction in its agent's next batch and returns its outcome.
func (s *Vendor) commit(ctx context.Context, agent Agent, j *vendJob) error {
	return s.batched(ctx, agent.ID, j, func(ctx context.Context, jobs []*vendJob) error {
		return s.Vends.InVendTx(ctx, func(tx VendTx) error { return s.vendTx(ctx, tx, agent, jobs) })
	})
}

// batched runs j in a batch of agentID's vends with run.
func (s *Vendor) batched(ctx context.Context, agentID int64, j *vendJob, run runFunc) error {
	j.done, j.lead = make(chan struct{}), make(chan struct{}, 1)
	if d, ok := ctx.Deadline(); ok {
		j.deadline = d
	}
	b := &s.batches
	b.mu.Lock()
	if b.queues == nil {
		b.queues = make(map[int64]*agentQueue)
	}
	q := b.queues[agentID]
	if q == nil {
		q = &agentQueue{agentID: agentID}
		b.queues[agentID] = q
	}
	if q.running < s.batchConcurrency() {
		q.running++
		j.lead <- struct{}{}
	}
	q.waiting = append(q.waiting, j)
	b.mu.Unlock()

	cancelled := ctx.Done()
	for {
		select {
		case <-j.done:
			b.mu.Lock()
			select {
			case <-j.lead: // given the lead as another batch took it: pass it on
				b.handOff(q)
			default:
			}
			b.mu.Unlock()
			if errors.Is(j.err, errAlone) {
				return run(ctx, []*vendJob{j})
			}
			return j.err
		case <-j.lead:
			s.runBatch(q, run)
		case <-cancelled:
			if b.withdraw(q, j) {
				return ctx.Err()
			}
			cancelled = nil // taken by a batch already: its outcome is on its way
		}
	}
}

// runBatch takes the vends waiting in q (at most the batch size), runs them in one transaction,
// publishes their outcomes and hands the lead to the next waiting vend, if any.
func (s *Vendor) runBatch(q *agentQueue, run runFunc) {
	size := s.BatchSize
	if size <= 0 {
		size = DefaultBatchSize
	}
	b := &s.batches
	b.mu.Lock()
	n := min(size, len(q.waiting))
	jobs := append([]*vendJob(nil), q.waiting[:n]...)
	q.waiting = append(q.waiting[:0], q.waiting[n:]...)
	if len(jobs) == 0 { // another batch took them all
		b.handOff(q)
		b.mu.Unlock()
		return
	}
	b.mu.Unlock()

	ctx, cancel := batchContext(jobs)
	err := run(ctx, jobs)
	cancel()
	for _, j := range jobs {
		switch {
		case err != nil && len(jobs) > 1:
			j.err = errAlone
		case err != nil:
			j.err = err
		}
		close(j.done)
	}

	b.mu.Lock()
	b.handOff(q)
	b.mu.Unlock()
}

func (s *Vendor) batchConcurrency() int {
	if s.BatchConcurrency <= 0 {
		return DefaultBatchConcurrency
	}
	return s.BatchConcurrency
}

// batchContext is the context of a batch's transaction: it ends at the latest deadline of its
// vends (none if one has none), so one caller giving up does not fail the others' vends.
func batchContext(jobs []*vendJob) (context.Context, context.CancelFunc) {
	var latest time.Time
	for _, j := range jobs {
		if j.deadline.IsZero() {
			return context.WithCancel(context.Background())
		}
		if j.deadline.After(latest) {
			latest = j.deadline
		}
	}
	return context.WithDeadline(context.Background(), latest)
}

// handOff passes a finished batch's lead to the first waiting vend of q that has none yet; with
// none, one batch fewer runs, and q is forgotten when none does. b.mu is held.
func (b *batcher) handOff(q *agentQueue) {
	for _, w := range q.waiting {
		if len(w.lead) == 0 {
			w.lead <- struct{}{}
			return
		}
	}
	if q.running--; q.running == 0 && len(q.waiting) == 0 {
		delete(b.queues, q.agentID)
	}
}

// withdraw takes a vend whose caller gave up out of q, unless a batch has taken it already; a
// lead it was given passes on.
func (b *batcher) withdraw(q *agentQueue, j *vendJob) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, w := range q.waiting {
		if w != j {
			continue
		}
		q.waiting = append(q.waiting[:i], q.waiting[i+1:]...)
		select {
		case <-j.lead:
			b.handOff(q)
		default:
		}
		return true
	}
	return false
}
