package main

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/vendgate/vendgate/adapters/iso8583/atm"
	"github.com/vendgate/vendgate/core"
)

// raceVends is the store's VendStore with its reversals held until `readers` lookups by key
// have been answered since arm: two advices for one vend both see it completed before either
// reverses it, the race a switch's 0420 and its 0421 repeat produce.
type raceVends struct {
	core.VendStore
	readers int

	mu       sync.Mutex
	armed    bool
	read     int
	allRead  chan struct{}
	reversed int
}

func (r *raceVends) arm() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.armed, r.allRead = true, make(chan struct{})
}

func (r *raceVends) VendByKey(ctx context.Context, channel, key string) (*core.Vend, error) {
	v, err := r.VendStore.VendByKey(ctx, channel, key)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.armed {
		if r.read++; r.read == r.readers {
			close(r.allRead)
		}
	}
	return v, err
}

func (r *raceVends) ReverseVend(ctx context.Context, id int64, rev core.VendReversal) (*core.Vend, error) {
	r.mu.Lock()
	armed, allRead := r.armed, r.allRead
	r.mu.Unlock()
	if armed {
		select {
		case <-allRead:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	v, err := r.VendStore.ReverseVend(ctx, id, rev)
	if err == nil {
		r.mu.Lock()
		r.reversed++
		r.mu.Unlock()
	}
	return v, err
}

// TestISO8583ConcurrentReversals sends a purchase's 0420 and its 0421 repeat at once over real
// TCP, against the core and the embedded store: both are answered 00, the vend is reversed once,
// the bank's balance is restored once, and the server still sells afterwards.
func TestISO8583ConcurrentReversals(t *testing.T) {
	vends := &raceVends{readers: 2}
	m, _ := bootOpened(t, nil, func(m *Main) {
		vends.VendStore = m.Vendor.Vends
		m.Vendor.Vends = vends
	})
	ctx := context.Background()
	c, err := atm.Dial(ctx, atm.Config{Addr: m.ISO8583Addr(), Institution: m.Demo.Bank.Institution, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.SignOn(); err != nil {
		t.Fatal(err)
	}
	balance := func() core.Money {
		t.Helper()
		a, err := m.DB.Agent(ctx, m.Demo.Bank.Agent)
		if err != nil {
			t.Fatal(err)
		}
		return a.Balance
	}
	before := balance()
	meter := m.Demo.Meters[0].Number
	purchase := c.Purchase(meter, 5000)
	if res, err := c.Send(purchase); err != nil || res.RC != "00" {
		t.Fatalf("purchase: %+v, %v; want 00", res, err)
	}

	vends.arm()
	var wg sync.WaitGroup
	for _, repeat := range []bool{false, true} {
		wg.Go(func() {
			res, err := c.Send(atm.Reversal(purchase, repeat))
			if err != nil || res.RC != "00" {
				t.Errorf("reversal (repeat %v): %+v, %v; want 00", repeat, res, err)
			}
		})
	}
	wg.Wait()
	if vends.reversed != 1 {
		t.Errorf("the vend was reversed %d times, want once", vends.reversed)
	}
	if got := balance(); got != before {
		t.Errorf("the bank's balance after the reversals: %d, want %d (restored once)", got, before)
	}
	if vs, err := m.DB.VendsByMeter(ctx, meter, m.Demo.Bank.Agent, 2); err != nil || len(vs) != 1 || vs[0].Status != core.VendReversed {
		t.Errorf("the bank's vends of meter %s: %v, %v; want one, reversed", meter, vs, err)
	}

	after, err := c.Send(c.Purchase(meter, 3000))
	if err != nil || after.RC != "00" || len(after.Tokens) != 1 {
		t.Fatalf("a purchase after the reversals: %+v, %v; want 00 with one token", after, err)
	}
}
