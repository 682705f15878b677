// Package memstore is an in-memory implementation of the storage interfaces that core declares
// (meters, utilities, agents, the vend transaction, the outbox, service codes, subscribers, USSD
// sessions, institutions), for the tests of core and of the adapters. It keeps the contracts the
// SQL store keeps (store/vend.go): an idempotency key is unique per channel, a second claim of it
// inserts nothing (waiting first for a transaction that holds the key to end, as PostgreSQL
// does); LockMeters and DebitAgent lock rows until their transaction ends; a transaction's writes
// are seen by others only once it commits, and a transaction that fails leaves nothing; a missing
// row is core.ErrNotFound. It holds no rules of its own beyond what the SQL store enforces in its
// schema: the rules are core's.
package memstore

import (
	"context"
	"sync"
	"time"

	"github.com/vendgate/vendgate/core"
)

// Store is the in-memory database. The zero value is not usable: call New.
type Store struct {
	// Clock stamps what the store dates itself (replies' creation, ledger entries, subscribers'
	// updates); nil is time.Now. Set it before use.
	Clock func() time.Time

	faultMu sync.Mutex
	fault   func(ctx context.Context, op string) error

	mu    sync.Mutex
	locks map[string]*txn // row locks and idempotency key reservations, by owner

	utilities    map[int64]core.Utility
	groups       map[int64]group
	tariffs      map[int64]core.Tariff
	customers    map[int64]core.Customer
	meters       map[int64]meterRow
	agents       map[int64]core.Agent
	selling      map[int64]core.AgentSales // saleslimit.go
	apiKeys      map[int64]apiKey
	institutions map[string]core.Institution
	vends        map[int64]*core.Vend
	vendKeys     map[vendKey]int64
	references   map[string]bool
	entries      []entry
	replies      map[int64]*replyRow
	serviceCodes map[[2]string]core.ServiceCode
	subscribers  map[string]core.Subscriber
	sessions     map[string]core.USSDSession
	grants       map[grantKey]string // free basic allowances given: the vend's reference

	seq map[string]int64 // each table's sequence of IDs, never given back (as a database's)
}

// New returns an empty store.
func New() *Store {
	return &Store{
		locks:        map[string]*txn{},
		seq:          map[string]int64{},
		utilities:    map[int64]core.Utility{},
		groups:       map[int64]group{},
		tariffs:      map[int64]core.Tariff{},
		customers:    map[int64]core.Customer{},
		meters:       map[int64]meterRow{},
		agents:       map[int64]core.Agent{},
		apiKeys:      map[int64]apiKey{},
		institutions: map[string]core.Institution{},
		vends:        map[int64]*core.Vend{},
		vendKeys:     map[vendKey]int64{},
		references:   map[string]bool{},
		replies:      map[int64]*replyRow{},
		serviceCodes: map[[2]string]core.ServiceCode{},
		subscribers:  map[string]core.Subscriber{},
		sessions:     map[string]core.USSDSession{},
		grants:       map[grantKey]string{},
	}
}

// Ping implements the health check: the store always answers, unless ctx has ended.
func (s *Store) Ping(ctx context.Context) error { return ctx.Err() }

func (s *Store) now() time.Time {
	if s.Clock != nil {
		return s.Clock().UTC()
	}
	return time.Now().UTC()
}

// nextID returns a new ID of a table. s.mu is held.
func (s *Store) nextID(table string) int64 {
	s.seq[table]++
	return s.seq[table]
}

// txn is a transaction: the rows it locked, the writes it will apply when it commits (none of
// them is visible before), and a channel closed when it ends, which waiters for its locks watch.
type txn struct {
	s      *Store
	held   []string
	writes []func()
	done   chan struct{}
}

func (s *Store) begin() *txn { return &txn{s: s, done: make(chan struct{})} }

// lock takes the named lock (a row: "meter:3", or an idempotency key) for the rest of the
// transaction, waiting while another transaction holds it.
func (t *txn) lock(ctx context.Context, name string) error {
	for {
		t.s.mu.Lock()
		owner := t.s.locks[name]
		if owner == nil || owner == t {
			if owner == nil {
				t.s.locks[name] = t
				t.held = append(t.held, name)
			}
			t.s.mu.Unlock()
			return nil
		}
		t.s.mu.Unlock()
		select {
		case <-owner.done:
		case <-ctx.Done():
			return ctx.Err() // what the SQL store returns when its context ends
		}
	}
}

// write queues a change for the commit. It runs with s.mu held.
func (t *txn) write(fn func()) { t.writes = append(t.writes, fn) }

// end commits the transaction's writes (when commit is true) and releases its locks.
func (t *txn) end(commit bool) {
	t.s.mu.Lock()
	if commit {
		for _, w := range t.writes {
			w()
		}
	}
	for _, name := range t.held {
		delete(t.s.locks, name)
	}
	t.s.mu.Unlock()
	close(t.done)
}

// run runs fn in a transaction: committed if it returns nil, rolled back on an error or a panic.
func (s *Store) run(fn func(t *txn) error) (err error) {
	t := s.begin()
	committed := false
	defer func() {
		if !committed {
			t.end(false)
		}
	}()
	if err := fn(t); err != nil {
		return err
	}
	committed = true
	t.end(true)
	return nil
}

// SetFault makes every call of the store whose operation fault names fail with the error fault
// returns (nil: the call goes on); a nil fault ends the failures. Operations are the method
// names ("MeterByNumber", "InVendTx", "ClaimVends" ...). It stands for a database that fails.
func (s *Store) SetFault(fault func(ctx context.Context, op string) error) {
	s.faultMu.Lock()
	s.fault = fault
	s.faultMu.Unlock()
}

// failed returns the injected failure of op, if any.
func (s *Store) failed(ctx context.Context, op string) error {
	s.faultMu.Lock()
	f := s.fault
	s.faultMu.Unlock()
	if f == nil {
		return nil
	}
	return f(ctx, op)
}
