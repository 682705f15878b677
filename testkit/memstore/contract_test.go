package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/sts"
	"github.com/vendgate/vendgate/testkit"
	"github.com/vendgate/vendgate/testkit/memstore"
)

// backend is what the contract test needs of a store: core's vend interfaces and the seeding
// both stores offer with the same signatures.
type backend interface {
	core.VendStore
	core.MeterReader
	core.AgentReader
	CreateUtility(ctx context.Context, u *core.Utility) error
	CreateSupplyGroup(ctx context.Context, g *core.SupplyGroup, sealed []byte) error
	CreateTariff(ctx context.Context, t *core.Tariff) error
	CreateCustomer(ctx context.Context, c *core.Customer) error
	CreateMeter(ctx context.Context, m *core.Meter, arrears core.Money) error
	CreateAgent(ctx context.Context, a *core.Agent) error
	TopUp(ctx context.Context, agentID int64, amount core.Money, memo string) (core.Money, error)
	AccountBalance(ctx context.Context, account string) (core.Money, error)
}

var (
	_ backend = (*memstore.Store)(nil)
	_ backend = (*store.DB)(nil)
)

// eachStore runs fn on memstore and on the SQL store over SQLite and PostgreSQL: memstore is
// faithful where fn's assertions hold on all three.
func eachStore(t *testing.T, fn func(t *testing.T, b backend)) {
	t.Run("memstore", func(t *testing.T) { fn(t, memstore.New()) })
	testkit.EachDB(t, func(t *testing.T, db *store.DB) { fn(t, db) })
}

var bg = context.Background()

// seeded is a backend with a meter (arrears ZAR 10.00) and an agent (float ZAR 10.00, credit
// limit ZAR 5.00).
type seeded struct {
	b       backend
	utility core.Utility
	meter   core.Meter
	agent   core.Agent
}

func seed(t *testing.T, b backend) *seeded {
	t.Helper()
	s := &seeded{b: b}
	s.utility = core.Utility{Name: "City Power", Currency: core.Currency{Code: "ZAR", Exponent: 2}, TaxRate: decimal.Zero,
		DebtRecoveryRate: decimal.Zero, Location: time.UTC, ReversalWindow: time.Hour}
	must(t, b.CreateUtility(bg, &s.utility))
	g := core.SupplyGroup{UtilityID: s.utility.ID, SGC: 123456, KRN: 1, DKGA: sts.DKGA02, Name: "Soweto"}
	must(t, b.CreateSupplyGroup(bg, &g, []byte("sealed key bytes")))
	tariff := core.Tariff{UtilityID: s.utility.ID, Name: "Flat", Blocks: []core.TariffBlock{{Price: decimal.RequireFromString("200")}}}
	must(t, b.CreateTariff(bg, &tariff))
	c := core.Customer{Name: "Thandi Mokoena"}
	must(t, b.CreateCustomer(bg, &c))
	s.meter = core.Meter{Number: memstore.MeterOK, Kind: core.Electricity, Status: core.MeterActive, SupplyGroupID: g.ID, CustomerID: c.ID, TariffID: tariff.ID,
		Key: core.MeterKey{SGC: 123456, KRN: 1, KT: sts.KeyTypeUnique, TI: 1, DKGA: sts.DKGA02, EA: sts.EA07, BaseDate: sts.BaseDate2014, KEN: sts.NoExpiry}}
	must(t, b.CreateMeter(bg, &s.meter, 1000))
	s.agent = core.Agent{UtilityID: s.utility.ID, Name: "Corner Shop", Kind: core.AgentRetail, CreditLimit: 500, CommissionRate: decimal.Zero, Active: true}
	must(t, b.CreateAgent(bg, &s.agent))
	_, err := b.TopUp(bg, s.agent.ID, 1000, "float")
	must(t, err)
	return s
}

// vend is a vend of paid (200 of it debt) under key, with one token, as core makes it.
func (s *seeded) vend(key string, paid core.Money) *core.Vend {
	return &core.Vend{
		Reference: "V" + key, Channel: core.ChannelREST, IdempotencyKey: key, RequestHash: "h-" + key, AgentID: s.agent.ID,
		UtilityID: s.utility.ID, MeterID: s.meter.ID, MeterNumber: s.meter.Number, Kind: core.Electricity, CustomerName: "Thandi Mokoena",
		Currency: s.utility.Currency, Breakdown: core.Breakdown{Paid: paid, Debt: 200, EnergyCharge: paid - 200, Energy: 10},
		Tokens:    []core.VendToken{{Purpose: core.PurposeCredit, Kind: sts.KindElectricity, Token: sts.MustParseToken("56640423149838017262"), TID: 5000, Energy: 10}},
		Status:    core.VendCompleted,
		CreatedAt: time.Date(2025, 3, 15, 10, 30, 0, 0, time.UTC),
	}
}

func entries(v *core.Vend) [][]core.LedgerEntry {
	return [][]core.LedgerEntry{{
		{Account: core.AgentAccount(v.AgentID), Amount: -v.Breakdown.Paid, Memo: "vend"},
		{Account: core.UtilityAccount(v.UtilityID, "debt"), Amount: v.Breakdown.Debt, Memo: "debt"},
		{Account: core.UtilityAccount(v.UtilityID, "energy"), Amount: v.Breakdown.EnergyCharge, Memo: "energy"},
	}}
}

// sell runs the vend transaction as core does: lock, claim, complete, debit. It returns the
// number claimed; fail, when set, ends the transaction with an error after the debit.
func (s *seeded) sell(ctx context.Context, vs []*core.Vend, fail error) (int, error) {
	var claimed int
	err := s.b.InVendTx(ctx, func(tx core.VendTx) error {
		meters, err := tx.LockMeters(ctx, []int64{s.meter.ID})
		if err != nil {
			return err
		}
		c := meters[s.meter.ID].Counters
		if claimed, err = tx.ClaimVends(ctx, vs); err != nil || claimed != len(vs) {
			return err
		}
		c.LastTID, c.TIDKey, c.Arrears, c.Month, c.MonthEnergy = 5000, "2014", c.Arrears-200, "2025-03", c.MonthEnergy+10
		var es [][]core.LedgerEntry
		for _, v := range vs {
			es = append(es, entries(v)...)
		}
		if err := tx.CompleteVends(ctx, vs, es, map[int64]core.MeterCounters{s.meter.ID: c}); err != nil {
			return err
		}
		var paid core.Money
		for _, v := range vs {
			paid += v.Breakdown.Paid
		}
		if _, err := tx.DebitAgent(ctx, s.agent.ID, paid); err != nil {
			return err
		}
		return fail
	})
	return claimed, err
}

func (s *seeded) counters(t *testing.T) core.MeterCounters {
	t.Helper()
	var c core.MeterCounters
	must(t, s.b.InVendTx(bg, func(tx core.VendTx) error {
		m, err := tx.LockMeters(bg, []int64{s.meter.ID})
		c = m[s.meter.ID].Counters
		return err
	}))
	return c
}

func (s *seeded) balance(t *testing.T) core.Money {
	t.Helper()
	a, err := s.b.Agent(bg, s.agent.ID)
	must(t, err)
	booked, err := s.b.AccountBalance(bg, core.AgentAccount(s.agent.ID))
	must(t, err)
	if booked != a.Balance {
		t.Fatalf("agent balance %d, ledger %d", a.Balance, booked)
	}
	return a.Balance
}

// TestContractVendTx is the vend transaction's contract as core relies on it (core.VendTx,
// core.VendStore), each case on a fresh store of each kind.
func TestContractVendTx(t *testing.T) {
	for name, fn := range contract {
		t.Run(name, func(t *testing.T) { eachStore(t, fn) })
	}
}

var contract = map[string]func(t *testing.T, b backend){
	"Claim": func(t *testing.T, b backend) {
		s := seed(t, b)
		v := s.vend("k1", 600)
		n, err := s.sell(bg, []*core.Vend{v}, nil)
		if err != nil || n != 1 || v.ID == 0 {
			t.Fatalf("got %d claimed, ID %d, %v; want 1 with an ID", n, v.ID, err)
		}
		got, err := b.VendByKey(bg, core.ChannelREST, "k1")
		must(t, err)
		if got.ID != v.ID || len(got.Tokens) != 1 || got.Tokens[0] != v.Tokens[0] || got.Breakdown != v.Breakdown || got.RequestHash != "h-k1" {
			t.Fatalf("VendByKey: got %+v, want %+v", got, v)
		}
		if byID, err := b.Vend(bg, v.ID); err != nil || byID.Reference != "Vk1" {
			t.Fatalf("Vend(%d): got %+v, %v", v.ID, byID, err)
		}
		if list, err := b.FindVends(bg, core.VendQuery{MeterNumber: s.meter.Number, AgentID: s.agent.ID, Limit: 10}); err != nil || len(list) != 1 || list[0].ID != v.ID {
			t.Fatalf("FindVends: got %v, %v", list, err)
		}
		if got := s.balance(t); got != 400 {
			t.Fatalf("balance: got %d, want 400", got)
		}
		if c := s.counters(t); c.LastTID != 5000 || c.Arrears != 800 || c.MonthEnergy != 10 {
			t.Fatalf("counters: got %+v", c)
		}
	},
	"Duplicate": func(t *testing.T, b backend) {
		s := seed(t, b)
		if _, err := s.sell(bg, []*core.Vend{s.vend("k1", 100)}, nil); err != nil {
			t.Fatal(err)
		}
		again := s.vend("k1", 100)
		n, err := s.sell(bg, []*core.Vend{again}, nil)
		if err != nil || n != 0 || again.ID != 0 {
			t.Fatalf("second claim of a key: got %d claimed, ID %d, %v; want 0", n, again.ID, err)
		}
		// Two vends of one batch with one key: one is claimed.
		a, a2 := s.vend("k2", 100), s.vend("k2", 100)
		if n, err := s.sell(bg, []*core.Vend{a, a2}, nil); err != nil || n != 1 {
			t.Fatalf("a batch with a key twice: got %d claimed, %v; want 1", n, err)
		}
		if got := s.balance(t); got != 900 {
			t.Fatalf("balance: got %d, want 900 (one vend)", got)
		}
	},
	"Rollback": func(t *testing.T, b backend) {
		s := seed(t, b)
		before := s.counters(t)
		v := s.vend("k1", 300)
		if _, err := s.sell(bg, []*core.Vend{v}, errors.New("refused late")); err == nil {
			t.Fatal("the transaction's error was lost")
		}
		if _, err := b.VendByKey(bg, core.ChannelREST, "k1"); !errors.Is(err, core.ErrNotFound) {
			t.Fatalf("VendByKey after a rollback: got %v, want ErrNotFound", err)
		}
		if got := s.balance(t); got != 1000 {
			t.Fatalf("balance after a rollback: got %d, want 1000", got)
		}
		if c := s.counters(t); !reflect.DeepEqual(c, before) {
			t.Fatalf("counters after a rollback: got %+v, want %+v", c, before)
		}
		// The key is free again.
		if n, err := s.sell(bg, []*core.Vend{s.vend("k1", 300)}, nil); err != nil || n != 1 {
			t.Fatalf("the key after a rollback: got %d claimed, %v; want 1", n, err)
		}
	},
	"DebitGuard": func(t *testing.T, b backend) {
		s := seed(t, b)
		if _, err := s.sell(bg, []*core.Vend{s.vend("k1", 1400)}, nil); err != nil {
			t.Fatalf("a debit to -400 within the limit of 500: %v", err)
		}
		_, err := s.sell(bg, []*core.Vend{s.vend("k2", 200)}, nil)
		if !errors.Is(err, core.ErrInsufficientFunds) {
			t.Fatalf("a debit to -600 past the limit of 500: got %v, want ErrInsufficientFunds", err)
		}
		if got := s.balance(t); got != -400 {
			t.Fatalf("balance: got %d, want -400", got)
		}
		if _, err := b.VendByKey(bg, core.ChannelREST, "k2"); !errors.Is(err, core.ErrNotFound) {
			t.Fatalf("the refused vend: got %v, want ErrNotFound", err)
		}
	},
	"LockHeldUntilEnd": func(t *testing.T, b backend) {
		s := seed(t, b)
		locked, release := make(chan struct{}), make(chan struct{})
		first := make(chan error, 1)
		go func() {
			first <- b.InVendTx(bg, func(tx core.VendTx) error {
				if _, err := tx.LockMeters(bg, []int64{s.meter.ID}); err != nil {
					return err
				}
				close(locked)
				<-release
				return nil
			})
		}()
		<-locked
		second := make(chan core.MeterCounters, 1)
		go func() { second <- s.counters(t) }()
		select {
		case <-second:
			t.Fatal("a second transaction locked the meter while the first held it")
		case <-time.After(100 * time.Millisecond): // proving a wait needs a wait
		}
		close(release)
		must(t, <-first)
		<-second
	},
	"ConcurrentClaim": func(t *testing.T, b backend) {
		s := seed(t, b)
		for _, commit := range []bool{true, false} {
			key := fmt.Sprintf("k-%v", commit)
			t.Run(fmt.Sprintf("FirstCommits=%v", commit), func(t *testing.T) {
				held, release := make(chan struct{}), make(chan struct{})
				first := make(chan error, 1)
				go func() {
					first <- b.InVendTx(bg, func(tx core.VendTx) error {
						if _, err := tx.ClaimVends(bg, []*core.Vend{s.vend(key, 100)}); err != nil {
							return err
						}
						close(held)
						<-release
						if !commit {
							return errors.New("rolled back")
						}
						return nil
					})
				}()
				<-held
				second := make(chan int, 1)
				go func() {
					var n int
					_ = b.InVendTx(bg, func(tx core.VendTx) (err error) {
						n, err = tx.ClaimVends(bg, []*core.Vend{s.vend(key, 100)})
						return err
					})
					second <- n
				}()
				close(release)
				<-first
				want := 0
				if !commit {
					want = 1
				}
				if n := <-second; n != want {
					t.Fatalf("the second claim: got %d, want %d", n, want)
				}
			})
		}
	},
	"Reversal": func(t *testing.T, b backend) {
		s := seed(t, b)
		v := s.vend("k1", 600)
		if _, err := s.sell(bg, []*core.Vend{v}, nil); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2025, 3, 15, 10, 35, 0, 0, time.UTC)
		var (
			wg     sync.WaitGroup
			mu     sync.Mutex
			ok     int
			errs   []error
			result *core.Vend
		)
		for range 2 {
			wg.Go(func() {
				r, err := b.ReverseVend(bg, v.ID, core.VendReversal{At: at, Reason: "test", By: "operator"})
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					ok, result = ok+1, r
					return
				}
				errs = append(errs, err)
			})
		}
		wg.Wait()
		if ok != 1 || len(errs) != 1 || !errors.Is(errs[0], core.ErrNotFound) {
			t.Fatalf("two reversals at once: %d succeeded, errors %v; want one, and ErrNotFound", ok, errs)
		}
		if result.Status != core.VendReversed || !result.ReversedAt.Equal(at) || len(result.Tokens) != 1 {
			t.Fatalf("reversed vend: got %+v", result)
		}
		if got := s.balance(t); got != 1000 {
			t.Fatalf("balance after the reversal: got %d, want 1000", got)
		}
		if c := s.counters(t); c.Arrears != 1000 || c.MonthEnergy != 0 || c.LastTID != 5000 {
			t.Fatalf("counters after the reversal: got %+v, want the arrears back, no energy, the TID kept", c)
		}
		if _, err := b.ReverseVend(bg, v.ID+1000, core.VendReversal{At: at, Reason: "test", By: "operator"}); !errors.Is(err, core.ErrNotFound) {
			t.Fatalf("reversing an unknown vend: got %v, want ErrNotFound", err)
		}
	},
	"NotFound": func(t *testing.T, b backend) {
		s := seed(t, b)
		if _, err := b.Vend(bg, 99999); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("Vend: got %v", err)
		}
		if _, err := b.VendByKey(bg, core.ChannelREST, "nope"); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("VendByKey: got %v", err)
		}
		if _, err := b.MeterByNumber(bg, memstore.MeterUnknown); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("MeterByNumber: got %v", err)
		}
		if _, err := b.Agent(bg, 99999); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("Agent: got %v", err)
		}
		err := b.InVendTx(bg, func(tx core.VendTx) error {
			_, err := tx.LockMeters(bg, []int64{s.meter.ID, 99999})
			return err
		})
		if !errors.Is(err, core.ErrNotFound) {
			t.Errorf("LockMeters of an unknown meter: got %v", err)
		}
		if view, err := b.MeterByNumber(bg, s.meter.Number); err != nil || view.Arrears != 1000 || view.Utility.ID != s.utility.ID {
			t.Errorf("MeterByNumber: got %+v, %v", view, err)
		}
	},
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}
