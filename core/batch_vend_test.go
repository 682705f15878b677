package core_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
	"github.com/vendgate/vendgate/testkit/memstore"
)

// countingVends counts the vend transactions; the first waits for release, so that the vends
// that arrive meanwhile queue up for the agent's next batches.
type countingVends struct {
	core.VendStore
	txs     atomic.Int64
	release chan struct{}
}

func (c *countingVends) InVendTx(ctx context.Context, fn func(core.VendTx) error) error {
	if c.txs.Add(1) == 1 {
		<-c.release
	}
	return c.VendStore.InVendTx(ctx, fn)
}

// countingAgents closes ready once n vends have read their agent: they are on their way to the
// batcher.
type countingAgents struct {
	core.AgentReader
	n     atomic.Int64
	want  int64
	ready chan struct{}
}

func (c *countingAgents) Agent(ctx context.Context, id int64) (core.Agent, error) {
	a, err := c.AgentReader.Agent(ctx, id)
	if c.n.Add(1) == c.want {
		close(c.ready)
	}
	return a, err
}

// TestVendBatches runs 48 vends of one agent at once, over 6 meters, one of them blocked, with
// duplicates among them and a float that covers only some: every vend gets the answer it would
// get alone. Each meter's TIDs strictly increase, the float never passes the credit limit and
// equals the ledger.
func TestVendBatches(t *testing.T) {
	w := memstore.NewWorld(t)
	// A float for exactly 30 vends of ZAR 115.00 (a bank earns no commission).
	agent := w.AddAgent(t, core.Agent{UtilityID: w.Utility.ID, Name: "Bank", Kind: core.AgentBank, Active: true}, 30*11500)
	var meters []core.Meter
	for range 5 {
		meters = append(meters, w.AddMeter(t, w.Site, nil))
	}
	blocked := w.AddMeter(t, w.Site, func(m *core.Meter, _ *core.Money) { m.Status = core.MeterBlocked })
	const n = 48
	// Every vend but the 3 to the blocked meter (refused before) reads its agent.
	agents := &countingAgents{AgentReader: w.Store, want: n - 3, ready: make(chan struct{})}
	vends := &countingVends{VendStore: w.Store, release: make(chan struct{})}
	s := w.Vendor(func(v *core.Vendor) {
		v.Agents, v.Vends, v.BatchSize, v.BatchConcurrency = agents, vends, 8, 2
	})
	go func() { <-agents.ready; close(vends.release) }()

	type outcome struct {
		key string
		v   *core.Vend
		err error
	}
	out := make([]outcome, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			number := meters[i%len(meters)].Number
			if i%12 == 11 {
				number = blocked.Number
			}
			key := fmt.Sprintf("b%d", i)
			if i >= 40 { // the last 8 repeat the first 8
				key, number = fmt.Sprintf("b%d", i-40), meters[(i-40)%len(meters)].Number
				if (i-40)%12 == 11 {
					number = blocked.Number
				}
			}
			r := core.VendRequest{Channel: core.ChannelISO8583, IdempotencyKey: key, AgentID: agent.ID, MeterNumber: number, Amount: 11500}
			v, err := s.Vend(bg, r)
			out[i] = outcome{key, v, err}
		})
	}
	wg.Wait()

	sold := map[string]int64{}
	var ok, refused, poor int
	for i, o := range out {
		switch e := core.AsError(o.err); {
		case o.err == nil:
			if id, seen := sold[o.key]; seen && id != o.v.ID {
				t.Fatalf("key %s sold twice: vends %d and %d", o.key, id, o.v.ID)
			}
			sold[o.key] = o.v.ID
			ok++
		case e.Reason == "meter_blocked":
			if o.v != nil || (i%12 != 11) {
				t.Fatalf("vend %d refused as blocked: %v", i, o.err)
			}
			refused++
		case e.Reason == "insufficient_funds":
			poor++
		default:
			t.Fatalf("vend %d: %v", i, o.err)
		}
	}
	stored := w.Store.Vends()
	if len(stored) != len(sold) || len(sold) != 30 {
		t.Fatalf("%d vends stored, %d keys sold, want 30 (what the float covers)", len(stored), len(sold))
	}
	if refused != 3 || ok+refused+poor != n {
		t.Fatalf("%d sold, %d refused as blocked, %d refused for the float, of %d", ok, refused, poor, n)
	}
	if b := w.Balance(t, agent.ID); b != 0 {
		t.Fatalf("float: got %d, want 0 (spent on 30 vends)", b)
	}
	last := map[int64]sts.TID{}
	for _, v := range stored {
		tid := v.Tokens[0].TID
		if tid <= last[v.MeterID] {
			t.Fatalf("meter %d: TID %d after %d", v.MeterID, tid, last[v.MeterID])
		}
		last[v.MeterID] = tid
	}
	checkLedger(t, w, agent)
	t.Logf("%d vends in %d transactions", n, vends.txs.Load())
}
