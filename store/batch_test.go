package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
)

// countingStore counts the vend transactions core runs.
type countingStore struct {
	*store.DB
	txs atomic.Int64
}

func (c *countingStore) InVendTx(ctx context.Context, fn func(core.VendTx) error) error {
	c.txs.Add(1)
	return c.DB.InVendTx(ctx, fn)
}

// TestVendBatchesShareTransactions checks that one agent's concurrent vends are batched.
func TestVendBatchesShareTransactions(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		cs := &countingStore{DB: db}
		f.vendor.Vends = cs
		meters := []core.Meter{f.newMeter(t, 0), f.newMeter(t, 0), f.newMeter(t, 0)}
		const n = 100
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, err := f.vendor.Vend(ctx, vendReq(f.agent.ID, meters[i%len(meters)], fmt.Sprintf("share-%d", i), 20_00))
				must(t, err)
			})
		}
		wg.Wait()
		if txs := cs.txs.Load(); txs > n/2 {
			t.Errorf("%d vend transactions for %d concurrent vends of one agent: they were not batched", txs, n)
		}
		t.Logf("%d vends in %d transactions", n, cs.txs.Load())
		checkLedger(t, db)
	})
}

// TestVendBatches sends one agent's vends all at once, so that they share transactions (core's
// batches), with what can go wrong in a batch mixed in: a blocked meter, repeated idempotency keys
// and a float that covers only some of them. Every answer must be the one the vend would get
// alone, and the books must balance.
func TestVendBatches(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		cs := &countingStore{DB: db}
		f.vendor.Vends = cs
		const (
			amount = core.Money(10_00) // debits 9.80 after the 2% commission
			debit  = core.Money(9_80)
			fits   = 30
			keys   = 50
			n      = 60 // keys 0-9 come twice
		)
		agent := f.newAgent(t, 0, fits*debit)
		var meters []core.Meter
		for range 6 {
			meters = append(meters, f.newMeter(t, 0))
		}
		blocked := meters[5]
		must(t, db.SetMeterStatus(ctx, blocked.ID, core.MeterBlocked))

		vends := make([]*core.Vend, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			k := i % keys
			wg.Go(func() {
				vends[i], errs[i] = f.vendor.Vend(ctx, vendReq(agent.ID, meters[k%len(meters)], fmt.Sprintf("batch-%d", k), amount))
			})
		}
		wg.Wait()

		sold := map[string]int64{} // key -> vend ID
		for i, err := range errs {
			k := i % keys
			key := fmt.Sprintf("batch-%d", k)
			switch e := core.AsError(err); {
			case meters[k%len(meters)].ID == blocked.ID:
				wantCode(t, err, core.CodeInvalid, "meter_blocked")
			case err == nil:
				if id, seen := sold[key]; seen && id != vends[i].ID {
					t.Errorf("key %s: vends %d and %d", key, id, vends[i].ID)
				}
				sold[key] = vends[i].ID
			case e == nil || e.Reason != "insufficient_funds":
				t.Errorf("vend %d (key %s): %v, want a vend or insufficient_funds", i, key, err)
			}
		}
		if len(sold) != fits {
			t.Errorf("%d keys sold, want %d (what the float covers)", len(sold), fits)
		}
		after, err := db.Agent(ctx, agent.ID)
		must(t, err)
		if after.Balance != 0 {
			t.Errorf("balance %d after the float ran out, want 0", after.Balance)
		}
		stored := 0
		for _, m := range meters {
			vs, err := db.VendsByMeter(ctx, m.Number, agent.ID, 100)
			must(t, err)
			stored += len(vs)
		}
		if stored != fits {
			t.Errorf("%d vends stored, want %d", stored, fits)
		}
		checkLedger(t, db)
		t.Logf("%d vends in %d transactions (a failed batch runs its vends again alone)", n, cs.txs.Load())
	})
}

// gatedStore holds the first vend transaction until release is closed.
type gatedStore struct {
	*store.DB
	once    sync.Once
	entered chan struct{}
	release chan struct{}
}

func (g *gatedStore) InVendTx(ctx context.Context, fn func(core.VendTx) error) error {
	first := false
	g.once.Do(func() { first = true })
	if first {
		close(g.entered)
		<-g.release
	}
	return g.DB.InVendTx(ctx, fn)
}

// cancellingAgents cancels a vend's context once the vend has read its agent, as a caller that
// gives up while the vend waits for its agent's running batch.
type cancellingAgents struct {
	*store.DB
	cancel map[int64]context.CancelFunc // by agent ID
}

func (c cancellingAgents) Agent(ctx context.Context, id int64) (core.Agent, error) {
	a, err := c.DB.Agent(ctx, id)
	if cancel := c.cancel[id]; cancel != nil {
		cancel()
	}
	return a, err
}

// TestVendBatchCallerGivesUp: a vend whose caller gives up while it waits for its agent's batch
// is not made, and the vends around it are.
func TestVendBatchCallerGivesUp(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		g := &gatedStore{DB: db, entered: make(chan struct{}), release: make(chan struct{})}
		f.vendor.Vends = g
		f.vendor.BatchConcurrency = 1 // the next vend waits for the running batch
		m := f.newMeter(t, 0)

		first := make(chan error, 1)
		go func() {
			_, err := f.vendor.Vend(ctx, vendReq(f.agent.ID, m, "first", 20_00))
			first <- err
		}()
		<-g.entered // the agent's batch is running, and holds

		// The same agent's next vend waits; its caller gives up meanwhile.
		giveUp, cancel := context.WithCancel(ctx)
		defer cancel()
		f.vendor.Agents = cancellingAgents{DB: db, cancel: map[int64]context.CancelFunc{f.agent.ID: cancel}}
		_, err := f.vendor.Vend(giveUp, vendReq(f.agent.ID, m, "gave-up", 20_00))
		wantCode(t, err, core.CodeUnavailable, "")
		f.vendor.Agents = db

		close(g.release)
		must(t, <-first)
		if _, err := f.vendor.Vend(ctx, vendReq(f.agent.ID, m, "after", 20_00)); err != nil {
			t.Fatalf("the vend after: %v", err)
		}
		if _, err := db.VendByKey(ctx, core.ChannelREST, "gave-up"); err == nil {
			t.Errorf("the vend whose caller gave up was made")
		}
		checkLedger(t, db)
	})
}
