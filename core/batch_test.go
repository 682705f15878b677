package core

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestBatcherUnderStress runs many vends of a few agents through the batcher with a fake
// transaction that sometimes fails as a whole, while callers give up at random: every vend gets
// exactly one outcome, runs at most once successfully, no agent ever has more batches running
// than allowed (vends of a failed batch then run alone, outside the batches), and the batcher forgets every agent at the end.
func TestBatcherUnderStress(t *testing.T) {
	s := &Vendor{BatchSize: 8, BatchConcurrency: 3}
	var (
		mu      sync.Mutex
		running = map[int64]int{}
		ran     = map[*vendJob]int{}
		batches atomic.Int64
	)
	run := func(agent int64) runFunc {
		return func(ctx context.Context, jobs []*vendJob) error {
			// A vend of a failed batch runs again alone, outside the batches.
			batch := len(jobs) > 1 || !errors.Is(jobs[0].err, errAlone)
			mu.Lock()
			if batch {
				running[agent]++
				if running[agent] > s.BatchConcurrency {
					t.Errorf("agent %d: %d batches at once", agent, running[agent])
				}
			}
			mu.Unlock()
			batches.Add(1)
			time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
			fail := len(jobs) > 1 && rand.IntN(5) == 0
			mu.Lock()
			if batch {
				running[agent]--
			}
			if !fail {
				for _, j := range jobs {
					ran[j]++
				}
			}
			mu.Unlock()
			if fail {
				return errors.New("the batch failed as a whole")
			}
			return nil
		}
	}
	const n = 3000
	var wg sync.WaitGroup
	var ok, gaveUp atomic.Int64
	for i := range n {
		agent := int64(i % 3)
		wg.Go(func() {
			ctx := context.Background()
			if rand.IntN(10) == 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, time.Duration(rand.IntN(500))*time.Microsecond)
				defer cancel()
			}
			j := &vendJob{v: &Vend{}}
			err := s.batched(ctx, agent, j, run(agent))
			switch {
			case err == nil:
				ok.Add(1)
				mu.Lock()
				if ran[j] != 1 {
					t.Errorf("a vend that succeeded ran %d times", ran[j])
				}
				mu.Unlock()
			case errors.Is(err, context.DeadlineExceeded):
				gaveUp.Add(1)
				mu.Lock()
				if ran[j] != 0 {
					t.Errorf("a vend withdrawn by its caller ran")
				}
				mu.Unlock()
			default:
				t.Errorf("vend: %v", err)
			}
		})
	}
	wg.Wait()
	if ok.Load()+gaveUp.Load() != n {
		t.Errorf("%d outcomes for %d vends", ok.Load()+gaveUp.Load(), n)
	}
	if len(s.batches.queues) != 0 {
		t.Errorf("the batcher still holds %d agents", len(s.batches.queues))
	}
	t.Logf("%d vends (%d given up) in %d transactions", n, gaveUp.Load(), batches.Load())
}
