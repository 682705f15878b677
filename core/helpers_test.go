package core_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/testkit/memstore"
)

var bg = context.Background()

// req is a REST vend of amount for the World's agent on a meter, under key.
func req(w *memstore.World, number, key string, amount core.Money) core.VendRequest {
	return core.VendRequest{Channel: core.ChannelREST, IdempotencyKey: key, AgentID: w.Agent.ID, MeterNumber: number, Amount: amount}
}

// wantReason fails unless err is a core error with code and reason.
func wantReason(tb testing.TB, err error, code core.Code, reason core.Reason) {
	tb.Helper()
	var e *core.Error
	if !errors.As(err, &e) {
		tb.Fatalf("got %v (%T), want %s %s", err, err, code, reason)
	}
	if e.Code != code || e.Reason != reason {
		tb.Fatalf("got %s %s (%v), want %s %s", e.Code, e.Reason, err, code, reason)
	}
}

func mustVend(tb testing.TB, s *core.Vendor, r core.VendRequest) *core.Vend {
	tb.Helper()
	v, err := s.Vend(bg, r)
	if err != nil {
		tb.Fatalf("vend %s: %v", r.IdempotencyKey, err)
	}
	return v
}

// checkLedger fails unless the ledger sums to zero and each agent's balance is its account's.
func checkLedger(tb testing.TB, w *memstore.World, agents ...core.Agent) {
	tb.Helper()
	if sum, ok := w.Store.LedgerBalanced(); !ok {
		tb.Errorf("the ledger sums to %d, want 0", sum)
	}
	for _, a := range agents {
		booked, err := w.Store.AccountBalance(bg, core.AgentAccount(a.ID))
		if err != nil {
			tb.Fatal(err)
		}
		if got := w.Balance(tb, a.ID); got != booked {
			tb.Errorf("agent %d: balance %d, ledger %d", a.ID, got, booked)
		}
	}
}

// barrierVends is a VendStore whose Vend waits until n callers have read, so that n reversals
// all pass core's status check before any of them reverses.
type barrierVends struct {
	core.VendStore
	mu      sync.Mutex
	n       int
	arrived chan struct{}
}

func newBarrier(vs core.VendStore, n int) *barrierVends {
	return &barrierVends{VendStore: vs, n: n, arrived: make(chan struct{})}
}

func (b *barrierVends) Vend(ctx context.Context, id int64) (*core.Vend, error) {
	v, err := b.VendStore.Vend(ctx, id)
	b.mu.Lock()
	b.n--
	if b.n == 0 {
		close(b.arrived)
	}
	b.mu.Unlock()
	<-b.arrived
	return v, err
}

// failing returns a fault that fails the named operations with err.
func failing(err error, ops ...string) func(context.Context, string) error {
	return func(_ context.Context, op string) error {
		for _, o := range ops {
			if o == op {
				return fmt.Errorf("%s: %w", op, err)
			}
		}
		return nil
	}
}

var (
	errDown  = errors.New("connection refused")
	errEmpty = errors.New("no randomness")
)
