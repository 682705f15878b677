package core_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/testkit/memstore"
)

// TestSalesLimitInBatches runs 24 vends of one agent at once, held back so that they queue into
// batches, against a daily limit with room for 10: exactly 10 sell, the rest are refused as
// sales_limit_exceeded (a batch that would pass the limit runs its vends alone), and the agent's
// tally is what was sold.
func TestSalesLimitInBatches(t *testing.T) {
	w := memstore.NewWorld(t)
	agent := w.AddAgent(t, core.Agent{UtilityID: w.Utility.ID, Name: "Bank", Kind: core.AgentBank, Active: true}, 100*11500)
	const n, amount, limit = 24, 11500, 10*11500 + 5000
	w.Store.SetAgentSales(agent.ID, core.AgentSales{DailyLimit: limit})
	var meters []core.Meter
	for range 6 {
		meters = append(meters, w.AddMeter(t, w.Site, nil))
	}
	agents := &countingAgents{AgentReader: w.Store, want: n, ready: make(chan struct{})}
	vends := &countingVends{VendStore: w.Store, release: make(chan struct{})}
	s := w.Vendor(func(v *core.Vendor) {
		v.Agents, v.Vends, v.BatchSize, v.BatchConcurrency = agents, vends, 8, 2
	})
	go func() { <-agents.ready; close(vends.release) }()

	var (
		wg            sync.WaitGroup
		mu            sync.Mutex
		sold, refused int
		others        []error
	)
	for i := range n {
		wg.Go(func() {
			r := core.VendRequest{Channel: core.ChannelISO8583, IdempotencyKey: fmt.Sprintf("l%d", i), AgentID: agent.ID,
				MeterNumber: meters[i%len(meters)].Number, Amount: amount}
			_, err := s.Vend(bg, r)
			mu.Lock()
			defer mu.Unlock()
			var e *core.Error
			switch {
			case err == nil:
				sold++
			case errors.As(err, &e) && e.Reason == core.ReasonSalesLimitExceeded:
				refused++
			default:
				others = append(others, err)
			}
		})
	}
	wg.Wait()
	if len(others) > 0 {
		t.Fatalf("unexpected refusals: %v", others)
	}
	if sold != 10 || refused != n-10 {
		t.Errorf("%d sold, %d refused; want 10 and %d", sold, refused, n-10)
	}
	if got := vends.txs.Load(); got <= int64(sold+refused)/8+1 {
		t.Errorf("%d vend transactions for %d vends: no batch ran its vends alone", got, n)
	}
	st, ok := w.Store.AgentSales(agent.ID)
	if !ok || st.DaySold != 10*amount || st.MonthSold != 10*amount {
		t.Errorf("the agent's tally %+v, want %d sold", st, 10*amount)
	}
	checkLedger(t, w, agent)
}

// An agent whose contract was cancelled is refused; one with no selling state sells.
func TestCancelledContractRefusesVends(t *testing.T) {
	w := memstore.NewWorld(t)
	m := w.AddMeter(t, w.Site, nil)
	s := w.Vendor()
	mustVend(t, s, req(w, m.Number, "c1", 100_00))
	w.Store.SetAgentSales(w.Agent.ID, core.AgentSales{Contract: core.ContractCancelled})
	_, err := s.Vend(bg, req(w, m.Number, "c2", 100_00))
	wantReason(t, err, core.CodeUnauthorized, core.ReasonAgentNoContract)
	w.Store.SetAgentSales(w.Agent.ID, core.AgentSales{Contract: core.ContractActive})
	mustVend(t, s, req(w, m.Number, "c3", 100_00))
	checkLedger(t, w, w.Agent)
}
