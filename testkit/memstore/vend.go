package memstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/vendgate/vendgate/core"
)

var (
	_ core.VendStore    = (*Store)(nil)
	_ core.VendReader   = (*Store)(nil)
	_ core.VendReverser = (*Store)(nil)
	_ core.VendTx       = (*vendTx)(nil)
)

// vendKey is a vend's unique (channel, idempotency key).
type vendKey struct{ channel, key string }

func (k vendKey) lock() string { return "vend key:" + k.channel + "\x00" + k.key }

func cloneVend(v *core.Vend) *core.Vend {
	c := *v
	c.Tokens = slices.Clone(v.Tokens)
	return &c
}

// vendTx is core.VendTx on one transaction.
type vendTx struct {
	*txn
	// debited is what this transaction has taken from each agent so far.
	debited map[int64]core.Money
	// sales is each agent's selling state as this transaction has left it.
	sales map[int64]core.AgentSales
}

// InVendTx runs fn in one transaction: its writes are committed if fn returns nil, and none of
// them is kept otherwise (nor on a panic, which goes on up).
func (s *Store) InVendTx(ctx context.Context, fn func(core.VendTx) error) error {
	if err := s.failed(ctx, "InVendTx"); err != nil {
		return err
	}
	return s.run(func(t *txn) error { return fn(&vendTx{txn: t, debited: map[int64]core.Money{}}) })
}

// LockMeters locks the meters' rows in the order given until the transaction ends and returns
// them as they are now, with their counters; a meter that does not exist is core.ErrNotFound.
func (t *vendTx) LockMeters(ctx context.Context, ids []int64) (map[int64]core.MeterState, error) {
	if err := t.s.failed(ctx, "LockMeters"); err != nil {
		return nil, err
	}
	for _, id := range ids {
		if err := t.lock(ctx, meterLock(id)); err != nil {
			return nil, err
		}
	}
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	out := make(map[int64]core.MeterState, len(ids))
	for _, id := range ids {
		r, ok := t.s.meters[id]
		if !ok {
			return nil, core.ErrNotFound
		}
		out[id] = core.MeterState{Meter: cloneMeter(r.meter), Counters: r.counters}
	}
	return out, nil
}

// ClaimVends inserts the vends, each under its unique (channel, idempotency key): a key that a
// committed vend has, or that an earlier vend of vs took, inserts nothing; a key that another
// transaction holds is waited for, and taken if that transaction rolls back (as PostgreSQL's
// unique index does). It sets the IDs of the vends it inserted and returns how many those are.
func (t *vendTx) ClaimVends(ctx context.Context, vs []*core.Vend) (int, error) {
	if err := t.s.failed(ctx, "ClaimVends"); err != nil {
		return 0, err
	}
	n := 0
	for _, v := range vs {
		k := vendKey{v.Channel, v.IdempotencyKey}
		t.s.mu.Lock()
		mine := t.s.locks[k.lock()] == t.txn
		t.s.mu.Unlock()
		if mine { // a second vend of vs with the key
			continue
		}
		if err := t.lock(ctx, k.lock()); err != nil {
			return 0, err
		}
		t.s.mu.Lock()
		_, taken := t.s.vendKeys[k]
		if !taken && t.s.references[v.Reference] {
			t.s.mu.Unlock()
			return 0, fmt.Errorf("%w: vend reference %s", core.ErrDuplicate, v.Reference)
		}
		if !taken {
			v.ID = t.s.nextID("vends")
			row := cloneVend(v)
			row.Tokens = nil
			t.write(func() {
				t.s.vends[row.ID] = row
				t.s.vendKeys[k] = row.ID
				t.s.references[row.Reference] = true
			})
			n++
		}
		t.s.mu.Unlock()
	}
	return n, nil
}

// CompleteVends writes the claimed vends' tokens, their ledger entries and the meters' counters.
func (t *vendTx) CompleteVends(ctx context.Context, vs []*core.Vend, entries [][]core.LedgerEntry, counters map[int64]core.MeterCounters) error {
	if err := t.s.failed(ctx, "CompleteVends"); err != nil {
		return err
	}
	if len(entries) != len(vs) {
		return core.Internal(fmt.Errorf("%d entry sets for %d vends", len(entries), len(vs)), "completing vends")
	}
	for i, v := range vs {
		if v.ID == 0 {
			return core.Internal(fmt.Errorf("vend %s has no ID", v.Reference), "completing a vend that was not claimed")
		}
		id, tokens, es, at := v.ID, slices.Clone(v.Tokens), slices.Clone(entries[i]), v.CreatedAt
		t.write(func() {
			if row := t.s.vends[id]; row != nil { // claimed by this transaction, so inserted first
				row.Tokens = tokens
			}
			t.s.addEntries(id, at, es)
		})
	}
	for id, c := range counters {
		if err := t.owned(meterLock(id)); err != nil {
			return err
		}
		t.write(func() {
			r := t.s.meters[id]
			r.counters = c
			t.s.meters[id] = r
		})
	}
	return nil
}

// owned checks that the transaction holds a lock: counters are written only under the meter's.
func (t *vendTx) owned(name string) error {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	if t.s.locks[name] != t.txn {
		return core.Internal(fmt.Errorf("%s is not locked by the transaction", name), "writing meter counters")
	}
	return nil
}

// AddReply writes a vend's reply to the outbox with the transaction and sets r.ID.
func (t *vendTx) AddReply(ctx context.Context, r *core.Reply) error {
	if err := t.s.failed(ctx, "AddReply"); err != nil {
		return err
	}
	row, err := t.s.newReply(r)
	if err != nil {
		return err
	}
	t.write(func() { t.s.replies[row.ID] = row })
	return nil
}

// DebitAgent locks the agent's row until the transaction ends and takes amount from its float,
// unless that passes its credit limit (core.ErrInsufficientFunds). It returns the new balance.
func (t *vendTx) DebitAgent(ctx context.Context, agentID int64, amount core.Money) (core.Money, error) {
	if err := t.s.failed(ctx, "DebitAgent"); err != nil {
		return 0, err
	}
	if err := t.lock(ctx, agentLock(agentID)); err != nil {
		return 0, err
	}
	t.s.mu.Lock()
	a, ok := t.s.agents[agentID]
	t.s.mu.Unlock()
	if !ok {
		return 0, core.ErrInsufficientFunds // the guarded update touches no row
	}
	balance := a.Balance - t.debited[agentID] - amount
	if balance < -a.CreditLimit {
		return 0, core.ErrInsufficientFunds
	}
	t.debited[agentID] += amount
	t.write(func() { t.s.addToBalance(agentID, -amount) })
	return balance, nil
}

// VendByKey returns the committed vend of an idempotency key, or core.ErrNotFound.
func (s *Store) VendByKey(ctx context.Context, channel, key string) (*core.Vend, error) {
	if err := s.failed(ctx, "VendByKey"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.vendKeys[vendKey{channel, key}]
	if !ok {
		return nil, core.ErrNotFound
	}
	return cloneVend(s.vends[id]), nil
}

// VendByKeys returns the committed vend of the first key, by vend ID, of keys that has one, or
// core.ErrNotFound.
func (s *Store) VendByKeys(ctx context.Context, channel string, keys ...string) (*core.Vend, error) {
	if err := s.failed(ctx, "VendByKeys"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var first int64
	for _, k := range keys {
		if id, ok := s.vendKeys[vendKey{channel, k}]; ok && (first == 0 || id < first) {
			first = id
		}
	}
	if first == 0 {
		return nil, core.ErrNotFound
	}
	return cloneVend(s.vends[first]), nil
}

// Vend returns a committed vend with its tokens, or core.ErrNotFound.
func (s *Store) Vend(ctx context.Context, id int64) (*core.Vend, error) {
	if err := s.failed(ctx, "Vend"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.vends[id]
	if !ok {
		return nil, core.ErrNotFound
	}
	return cloneVend(v), nil
}

// VendsByMeter returns a meter's vends (voided keys left out) sold by an agent (every agent's
// for agentID 0), newest first, at most limit (at most 1000).
func (s *Store) VendsByMeter(ctx context.Context, number string, agentID int64, limit int) ([]*core.Vend, error) {
	return s.FindVends(ctx, core.VendQuery{MeterNumber: number, AgentID: agentID, Limit: limit})
}

// FindVends returns the vends a query selects, newest first; voided keys are left out.
func (s *Store) FindVends(ctx context.Context, q core.VendQuery) ([]*core.Vend, error) {
	if err := s.failed(ctx, "FindVends"); err != nil {
		return nil, err
	}
	q, err := core.CheckVendQuery(q)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*core.Vend
	for _, v := range s.vends {
		if v.Status != core.VendVoided && selects(q, v) {
			out = append(out, cloneVend(v))
		}
	}
	slices.SortFunc(out, func(a, b *core.Vend) int { return int(b.ID - a.ID) })
	return out[:min(q.Limit, len(out))], nil
}

// selects reports whether a query selects a vend.
func selects(q core.VendQuery, v *core.Vend) bool {
	return (q.AgentID == 0 || v.AgentID == q.AgentID) && (q.MeterNumber == "" || v.MeterNumber == q.MeterNumber) &&
		(q.Payer == "" || v.Payer == q.Payer) && (q.Channel == "" || v.Channel == q.Channel) &&
		(q.Status == "" || v.Status == q.Status) && (q.From.IsZero() || !v.CreatedAt.Before(q.From)) &&
		(q.To.IsZero() || v.CreatedAt.Before(q.To)) && (q.BeforeID == 0 || v.ID < q.BeforeID)
}

// grantKey is a free basic allowance's unique (customer, kind, month).
type grantKey struct {
	customer int64
	kind     core.MeterKind
	month    string
}

func (k grantKey) lock() string {
	return fmt.Sprintf("free basic:%d:%s:%s", k.customer, k.kind, k.month)
}

// ClaimFreeBasic records a customer's free basic allowance of a kind for a month, unless it is
// recorded, by this transaction or a committed one; a transaction recording it concurrently is
// waited for, as the SQL store's unique key makes PostgreSQL wait.
func (t *vendTx) ClaimFreeBasic(ctx context.Context, g core.FreeBasicGrant) (bool, error) {
	if err := t.s.failed(ctx, "ClaimFreeBasic"); err != nil {
		return false, err
	}
	k := grantKey{g.CustomerID, g.Kind, g.Month}
	t.s.mu.Lock()
	mine := t.s.locks[k.lock()] == t.txn
	t.s.mu.Unlock()
	if mine {
		return false, nil
	}
	if err := t.lock(ctx, k.lock()); err != nil {
		return false, err
	}
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	if _, given := t.s.grants[k]; given {
		return false, nil
	}
	ref := g.VendReference
	t.write(func() { t.s.grants[k] = ref })
	return true, nil
}

// ReverseVend reverses a completed vend in one transaction, as the SQL store does: it marks it
// reversed with the reversal's reason and actor (core.ErrNotFound when no completed vend has the
// ID, also when a concurrent reversal took it first), cancels its replies not sent, books the
// reverse of its ledger entries, gives the agent back what they took from its float, restores
// the meter's arrears and, for a vend of the meter's current month, its monthly totals, and gives
// back the free basic allowance it gave. With r.RefuseDelivered a vend whose token has reached
// the customer (a reply sending or delivered; a USSD vend) is core.ErrTokenDelivered. Rows are
// locked in the vend transaction's order: vend, meter, agent.
func (s *Store) ReverseVend(ctx context.Context, id int64, rev core.VendReversal) (*core.Vend, error) {
	if err := s.failed(ctx, "ReverseVend"); err != nil {
		return nil, err
	}
	var out *core.Vend
	err := s.run(func(t *txn) error {
		if err := t.lock(ctx, fmt.Sprintf("vend:%d", id)); err != nil {
			return err
		}
		s.mu.Lock()
		v, ok := s.vends[id]
		if ok {
			v = cloneVend(v)
		}
		s.mu.Unlock()
		if !ok || v.Status != core.VendCompleted {
			return core.ErrNotFound
		}
		if err := t.lock(ctx, meterLock(v.MeterID)); err != nil {
			return err
		}
		if err := t.lock(ctx, agentLock(v.AgentID)); err != nil {
			return err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		// The replies are checked and cancelled at once, under the store's lock that relays'
		// claims take too: nothing after this can fail.
		if err := s.cancelReplies(v, rev); err != nil {
			return err
		}
		loc := s.utilities[v.UtilityID].Location
		var booked []core.LedgerEntry
		for _, e := range s.entries {
			if e.vendID == id {
				booked = append(booked, e.LedgerEntry)
			}
		}
		if loc == nil {
			loc = time.UTC
		}
		var agentTook core.Money
		for _, e := range booked {
			if e.Account == core.AgentAccount(v.AgentID) {
				agentTook -= e.Amount
			}
		}
		at := rev.At.UTC()
		v.Status, v.ReversedAt, v.ReversalReason, v.ReversedBy = core.VendReversed, at, rev.Reason, rev.By
		month := v.CreatedAt.In(loc).Format("2006-01")
		b := v.Breakdown
		t.write(func() {
			s.vends[id] = v
			r := s.meters[v.MeterID]
			c := &r.counters
			c.Arrears += b.Debt
			if c.Month == month {
				if c.MonthEnergy >= b.Energy {
					c.MonthEnergy -= b.Energy
				}
				if c.MonthFixedPaid >= b.FixedCharges {
					c.MonthFixedPaid -= b.FixedCharges
				}
			}
			s.meters[v.MeterID] = r
			for k, ref := range s.grants {
				if ref == v.Reference {
					delete(s.grants, k)
				}
			}
			s.addEntries(id, at, core.Reversed(booked, "reversal "+v.Reference))
			s.addToBalance(v.AgentID, agentTook)
		})
		out = cloneVend(v)
		return nil
	})
	return out, err
}

// cancelReplies cancels a reversed vend's replies not sent (pending or failed), unless, with
// RefuseDelivered, its token has reached the customer. s.mu is held.
func (s *Store) cancelReplies(v *core.Vend, rev core.VendReversal) error {
	if rev.RefuseDelivered && v.Channel == core.ChannelUSSD {
		return core.ErrTokenDelivered
	}
	var unsent []*replyRow
	for _, r := range s.replies {
		if r.VendID != v.ID {
			continue
		}
		switch r.Status {
		case core.ReplySending, core.ReplyDelivered:
			if rev.RefuseDelivered {
				return core.ErrTokenDelivered
			}
		case core.ReplyPending, core.ReplyFailed:
			unsent = append(unsent, r)
		}
	}
	for _, r := range unsent {
		r.Status, r.LastError = core.ReplyCancelled, "the vend was reversed"
	}
	return nil
}

// Vends returns every committed vend (voided keys included), by ID.
func (s *Store) Vends() []*core.Vend {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*core.Vend, 0, len(s.vends))
	for _, v := range s.vends {
		out = append(out, cloneVend(v))
	}
	slices.SortFunc(out, func(a, b *core.Vend) int { return int(a.ID - b.ID) })
	return out
}
