package core

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/sts"
)

// vendTx is the transaction of a batch of one agent's vends (batch.go; most batches hold one
// vend). It locks the meters (in ID order, so that batches never deadlock on them), prices each
// vend and makes its tokens, claims the idempotency keys by inserting the whole vends, then writes
// the rest and moves the float last, once. Claiming after the meter lock, rather than first,
// writes each vend row once instead of inserting it and updating it; concurrent duplicates still
// meet at the key's unique index, and the loser's tokens (made for nothing) are rolled back with
// its transaction, so its TIDs are never used.
//
// A vend of a batch that is refused before anything of it is written (its meter blocked since,
// an amount that does not cover its debt ...) keeps its refusal in its job and the others go on;
// a taken key or a float that does not cover the sum fails the whole batch, whose vends then run
// again alone. A batch of one returns its vend's refusal as the transaction's error.
func (s *Vendor) vendTx(ctx context.Context, tx VendTx, agent Agent, jobs []*vendJob) error {
	ids := make([]int64, 0, len(jobs))
	for _, j := range jobs {
		ids = append(ids, j.v.MeterID)
	}
	slices.Sort(ids)
	meters, err := tx.LockMeters(ctx, slices.Compact(ids))
	if err != nil {
		return err
	}
	var (
		vends   []*Vend
		entries [][]LedgerEntry
		debit   Money
		tallies []SalesTally
		touched = make(map[int64]MeterCounters, len(meters))
	)
	for _, j := range jobs {
		m, ok := meters[j.v.MeterID]
		if !ok {
			return Internal(fmt.Errorf("meter %d was not locked", j.v.MeterID), "locking the meters")
		}
		after, err := s.prepare(ctx, tx, j, m, agent)
		if err != nil {
			if len(jobs) == 1 {
				return err
			}
			j.err = err
			continue
		}
		takes := ChargeTakes(m.Counters, after)
		m.Counters = after
		meters[j.v.MeterID] = m
		touched[j.v.MeterID] = after
		vends = append(vends, j.v)
		entries = append(entries, vendEntries(j.v, m.Meter.CustomerID, takes))
		debit += j.paid - j.v.Breakdown.Commission
		at := j.v.CreatedAt.In(j.view.Utility.Location)
		tallies = addTally(tallies, at.Format("2006-01-02"), at.Format("2006-01"), j.paid)
	}
	if len(vends) == 0 {
		return nil
	}
	claimed, err := tx.ClaimVends(ctx, vends)
	if err != nil {
		return err
	}
	if claimed != len(vends) {
		return errClaimed
	}
	if err := tx.CompleteVends(ctx, vends, entries, touched); err != nil {
		return err
	}
	for _, j := range jobs {
		if j.reply == nil || j.v.ID == 0 {
			continue
		}
		r := &Reply{VendID: j.v.ID, Channel: ReplyChannelSMS, Route: j.reply.Route, Sender: j.reply.Sender,
			Recipient: j.reply.Recipient, Body: j.reply.Render(j.v)}
		if err := tx.AddReply(ctx, r); err != nil {
			return err
		}
		j.replyID = r.ID
	}
	// The sales and the float are counted last, on the agent's row (its own and its selling
	// state's), so that the rows stay locked the shortest time; a batch that passes a limit fails
	// whole and its vends run alone, each refused or sold on its own.
	if err := countSales(ctx, tx, agent, tallies); err != nil {
		return err
	}
	if _, err := tx.DebitAgent(ctx, agent.ID, debit); err != nil {
		if errors.Is(err, ErrInsufficientFunds) {
			return Errorf(CodeInsufficientFunds, ReasonInsufficientFunds, "the float of agent %d does not cover %s", agent.ID, vends[0].Currency.Format(debit))
		}
		return err
	}
	return nil
}

// prepare prices one vend of a batch on its locked meter and makes its tokens; it returns the
// meter's counters after the vend. The free basic allowance is claimed last, once nothing else
// of the vend can fail (a refused vend of a batch must not keep the claim); when the customer has
// had it this month, the tokens are made again without it.
func (s *Vendor) prepare(ctx context.Context, tx VendTx, j *vendJob, m MeterState, agent Agent) (MeterCounters, error) {
	v, view := j.v, j.view
	v.ID, v.Tokens, j.err, j.replyID = 0, nil, nil, 0 // a vend that runs again alone starts afresh
	if err := vendable(m.Meter); err != nil {
		return m.Counters, err
	}
	view.Meter = m.Meter
	month := v.CreatedAt.In(view.Utility.Location).Format("2006-01")
	b, after, err := Price(view, j.paid, m.Counters.ForMonth(month))
	if err != nil {
		return m.Counters, err
	}
	b.Commission = Money(decimal.NewFromInt(int64(j.paid)).Mul(agent.CommissionRate).Floor().IntPart())
	priced := after
	if v.Tokens, after, err = s.tokens(ctx, view.Meter, b, priced, v.CreatedAt); err != nil {
		return m.Counters, err
	}
	if b.FreeEnergy > 0 {
		g := FreeBasicGrant{CustomerID: view.Meter.CustomerID, Kind: view.Meter.Kind, Month: month, VendReference: v.Reference}
		granted, err := tx.ClaimFreeBasic(ctx, g)
		if err != nil {
			return m.Counters, err
		}
		if !granted {
			b.FreeEnergy = 0
			if v.Tokens, after, err = s.tokens(ctx, view.Meter, b, priced, v.CreatedAt); err != nil {
				return m.Counters, err
			}
		}
	}
	v.Breakdown = b
	return after, nil
}

// tokens makes a vend's tokens: pending key change tokens first (under the current key), then the
// credit token and any free basic energy token under the key the meter will have, with TIDs that
// strictly increase per meter and key.
func (s *Vendor) tokens(ctx context.Context, m Meter, b Breakdown, c MeterCounters, at time.Time) ([]VendToken, MeterCounters, error) {
	var out []VendToken
	key := m.Key
	if m.PendingKey != nil {
		kct, err := s.Issuer.KeyChange(ctx, m.Key, *m.PendingKey, m.PendingRollover)
		if err != nil {
			return nil, c, err
		}
		for i, t := range kct {
			out = append(out, VendToken{Purpose: PurposeKeyChange, Kind: keyChangeKinds[i], Token: t})
		}
		key = *m.PendingKey
	}
	credit := []struct {
		purpose TokenPurpose
		energy  Energy
	}{{PurposeCredit, b.Energy}, {PurposeFreeBasic, b.FreeEnergy}}
	var payloads []sts.Payload
	for _, cr := range credit {
		if cr.energy == 0 {
			continue
		}
		tid, err := c.takeTID(key, m.Number, at)
		if err != nil {
			return nil, c, err
		}
		raw, _, err := sts.EncodeAmount(uint64(cr.energy), sts.RoundDown)
		if err != nil {
			return nil, c, Internal(err, "encoding the amount")
		}
		rnd, err := s.rnd()
		if err != nil {
			return nil, c, Internal(err, "random RND")
		}
		kind := m.Kind.CreditKind()
		payloads = append(payloads, sts.Transfer{K: kind, RND: rnd, TID: tid, Value: raw})
		out = append(out, VendToken{Purpose: cr.purpose, Kind: kind, TID: tid, Energy: cr.energy})
	}
	toks, err := s.Issuer.Tokens(ctx, key, payloads)
	if err != nil {
		return nil, c, err
	}
	for i, t := range toks {
		out[len(out)-len(toks)+i].Token = t
	}
	return out, c, nil
}

var keyChangeKinds = []sts.Kind{sts.KindKeyChange1, sts.KindKeyChange2, sts.KindKeyChange3, sts.KindKeyChange4}
