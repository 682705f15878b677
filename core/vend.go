package core

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/sts"
)

// Channels a vend can come from; each has its own idempotency key space.
const (
	ChannelREST    = "rest"
	ChannelISO8583 = "iso8583"
	ChannelSMS     = "sms"
	ChannelUSSD    = "ussd"
)

// VendRequest asks for credit on a meter, once per idempotency key.
type VendRequest struct {
	Channel        string
	IdempotencyKey string
	AgentID        int64
	MeterNumber    string
	Amount         Money
	// Currency, when given, must be the utility's: it guards against an integrator's unit mix-up.
	Currency string
	// Reply, when set, is the reply an asynchronous channel delivers later (an SMS with the
	// tokens). It is not part of the request's content: a replay makes no second reply.
	Reply *ReplyTo
}

// ReplyTo asks for a vend's reply on an asynchronous channel. Core writes it to the outbox in the
// vend's own transaction, so a committed vend always has its reply (DESIGN.md).
type ReplyTo struct {
	Route     string // the outward link: an SMSC bind's name
	Sender    string // the address the reply comes from: a short code
	Recipient string // the customer's number
	// Render writes the reply's text from the vend (its tokens, in the customer's language).
	Render func(*Vend) string
}

// hash identifies the request's content, to tell a replay from a different request that reuses
// an idempotency key.
func (r VendRequest) hash() string {
	h := sha256.Sum256(fmt.Appendf(nil, "%d|%s|%d", r.AgentID, r.MeterNumber, r.Amount))
	return hex.EncodeToString(h[:16])
}

// VendStatus is the state of a committed vend.
type VendStatus string

// Vend statuses.
const (
	VendCompleted VendStatus = "completed"
	VendReversed  VendStatus = "reversed"
	// VendVoided holds an idempotency key whose reversal arrived before the vend itself (an ISO
	// 8583 reversal advice for a request never seen): the key can no longer vend.
	VendVoided VendStatus = "voided"
)

// TokenPurpose says why a token is on a vend.
type TokenPurpose string

// Token purposes, in the order a customer enters them.
const (
	PurposeKeyChange TokenPurpose = "key_change"
	PurposeCredit    TokenPurpose = "credit"
	PurposeFreeBasic TokenPurpose = "free_basic"
)

// VendToken is one token of a vend.
type VendToken struct {
	Purpose TokenPurpose
	Kind    sts.Kind
	Token   sts.Token
	TID     sts.TID // 0 for key change tokens, which carry none
	Energy  Energy
}

// Vend is a committed sale: what was paid, how it was split and the tokens it bought.
type Vend struct {
	ID             int64
	Reference      string
	Channel        string
	IdempotencyKey string
	RequestHash    string
	AgentID        int64
	UtilityID      int64
	MeterID        int64
	MeterNumber    string
	CustomerName   string
	Currency       Currency
	Breakdown      Breakdown
	Tokens         []VendToken
	Status         VendStatus
	CreatedAt      time.Time
	ReversedAt     time.Time
}

// Receipt returns the lines a person reads, at most 40 columns each: meter, customer, energy,
// amounts, the tokens in 4-4-4-4-4 form and the reference.
func (v *Vend) Receipt() []string {
	c := v.Currency
	b := v.Breakdown
	lines := []string{
		"Meter:     " + v.MeterNumber,
		"Customer:  " + truncate(v.CustomerName, 29),
		"Date:      " + v.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"),
		"Paid:      " + c.Format(b.Paid),
	}
	if b.Debt > 0 {
		lines = append(lines, "Debt paid: "+c.Format(b.Debt))
	}
	if b.FixedCharges > 0 {
		lines = append(lines, "Charges:   "+c.Format(b.FixedCharges))
	}
	lines = append(lines,
		"VAT:       "+c.Format(b.Tax),
		"Energy:    "+c.Format(b.EnergyCharge),
		"Units:     "+b.Energy.String()+" kWh",
	)
	if b.FreeEnergy > 0 {
		lines = append(lines, "Free:      "+b.FreeEnergy.String()+" kWh")
	}
	for _, t := range v.Tokens {
		label := "Token:"
		switch t.Purpose {
		case PurposeKeyChange:
			label = "Key token:"
		case PurposeFreeBasic:
			label = "Free token:"
		}
		lines = append(lines, fmt.Sprintf("%-11s%s", label, t.Token.Display()))
	}
	lines = append(lines, "Ref:       "+v.Reference)
	if v.Status == VendReversed {
		lines = append(lines, "REVERSED - tokens cancelled")
	}
	return lines
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// Stores a vend needs.
type (
	// MeterReader finds a meter with what a vend needs to know about it.
	MeterReader interface {
		MeterByNumber(ctx context.Context, number string) (MeterView, error)
	}
	// UtilityReader finds a utility.
	UtilityReader interface {
		Utility(ctx context.Context, id int64) (Utility, error)
	}
	// AgentReader finds an agent.
	AgentReader interface {
		Agent(ctx context.Context, id int64) (Agent, error)
	}
	// VendStore runs a vend's transaction, finds committed vends and reverses them.
	VendStore interface {
		VendReader
		VendReverser
		// InVendTx runs fn in one database transaction: committed if fn returns nil.
		InVendTx(ctx context.Context, fn func(VendTx) error) error
		// VendByKey returns the committed vend of an idempotency key, or ErrNotFound.
		VendByKey(ctx context.Context, channel, key string) (*Vend, error)
	}
	// VendReader reads committed vends.
	VendReader interface {
		// Vend returns a vend by ID, or ErrNotFound.
		Vend(ctx context.Context, id int64) (*Vend, error)
		// VendsByMeter returns a meter's vends sold by an agent (every agent's for agentID 0),
		// newest first, at most limit.
		VendsByMeter(ctx context.Context, meterNumber string, agentID int64, limit int) ([]*Vend, error)
	}
	// VendReverser reverses a vend in one transaction: it marks the vend reversed (only if it is
	// completed; ErrNotFound otherwise), books the reversed ledger entries, gives the agent back
	// what the vend took from its float, and restores the meter's arrears and monthly totals.
	VendReverser interface {
		ReverseVend(ctx context.Context, id int64, at time.Time) (*Vend, error)
	}
	// VendTx is the vend transaction's steps, in the order core calls them (see vendTx).
	VendTx interface {
		// LockMeters locks the meters' rows, in the order given, for the rest of the transaction
		// and returns them by ID as they are now (their status and keys may have changed since
		// they were first read), with their counters. A meter that does not exist is ErrNotFound.
		LockMeters(ctx context.Context, ids []int64) (map[int64]MeterState, error)
		// ClaimVends inserts the whole vends (without their tokens), each under its unique
		// (channel, idempotency key), sets the IDs of those it inserted and returns how many
		// those are: fewer than len(vs) means a key is taken (or being taken by a concurrent
		// transaction).
		ClaimVends(ctx context.Context, vs []*Vend) (int, error)
		// CompleteVends writes the claimed vends' tokens, their ledger entries (entries[i] are
		// vs[i]'s) and the counters of the meters they changed.
		CompleteVends(ctx context.Context, vs []*Vend, entries [][]LedgerEntry, counters map[int64]MeterCounters) error
		// AddReply writes a vend's reply to the outbox and sets r.ID.
		AddReply(ctx context.Context, r *Reply) error
		// DebitAgent takes amount from the agent's float unless that passes its credit limit,
		// when it returns ErrInsufficientFunds. It returns the new balance.
		DebitAgent(ctx context.Context, agentID int64, amount Money) (Money, error)
	}
)

// Vendor runs the vend pipeline. Its fields are set once and then read concurrently.
type Vendor struct {
	Meters    MeterReader
	Agents    AgentReader
	Utilities UtilityReader
	Vends     VendStore
	Issuer    TokenIssuer
	Clock     func() time.Time
	Random    io.Reader // for references and token RND values
	// MaxAmount bounds a single purchase, in minor units; 0 means no bound.
	MaxAmount Money
	// Replies, when set, is told of each reply a vend wrote to the outbox once it is committed.
	Replies ReplyNotifier
	// BatchSize bounds the vends of one agent that share a transaction (batch.go); 0 means
	// DefaultBatchSize, 1 turns batching off. BatchConcurrency bounds the transactions of one
	// agent running at once; 0 means DefaultBatchConcurrency.
	BatchSize        int
	BatchConcurrency int

	batches batcher
}

// Reverse cancels a vend's tokens and restores the float, within the utility's reversal window,
// when asked by the agent that sold it (agentID) or by an operator (agentID 0).
func (s *Vendor) Reverse(ctx context.Context, id, agentID int64) (*Vend, error) {
	v, err := s.Vends.Vend(ctx, id)
	if errors.Is(err, ErrNotFound) || err == nil && agentID != 0 && v.AgentID != agentID {
		return nil, Errorf(CodeNotFound, "vend_not_found", "vend %d does not exist", id)
	}
	if err != nil {
		return nil, storeError(err)
	}
	return s.reverse(ctx, v)
}

// reverse reverses a vend that is completed and inside its utility's reversal window.
func (s *Vendor) reverse(ctx context.Context, v *Vend) (*Vend, error) {
	u, err := s.Utilities.Utility(ctx, v.UtilityID)
	if err != nil {
		return nil, storeError(err)
	}
	window := u.ReversalWindow
	now := s.Clock().UTC()
	switch {
	case v.Status != VendCompleted:
		return nil, Errorf(CodeConflict, "already_reversed", "vend %s is already reversed", v.Reference)
	case window > 0 && now.Sub(v.CreatedAt) > window:
		return nil, Errorf(CodeConflict, "reversal_window_passed", "vend %s is older than the reversal window of %s", v.Reference, window)
	}
	reversed, err := s.Vends.ReverseVend(ctx, v.ID, now)
	if errors.Is(err, ErrNotFound) { // a concurrent reversal won the race
		return nil, Errorf(CodeConflict, "already_reversed", "vend %s is already reversed", v.Reference)
	}
	if err != nil {
		return nil, storeError(err)
	}
	return reversed, nil
}

// ReversalOutcome says what a reversal by idempotency key did.
type ReversalOutcome string

// Reversal outcomes.
const (
	// ReversalDone: the vend of the key was reversed now.
	ReversalDone ReversalOutcome = "reversed"
	// ReversalRepeated: the key's vend had been reversed (or voided) before; nothing changed.
	ReversalRepeated ReversalOutcome = "already_reversed"
	// ReversalVoided: no vend had the key; the key is recorded as void so that the original,
	// should it still arrive, is refused. Vend is the record, or nil when the meter is unknown
	// (the original could not vend either).
	ReversalVoided ReversalOutcome = "voided"
)

// Reversal is the result of ReverseByKey.
type Reversal struct {
	Outcome ReversalOutcome
	Vend    *Vend
}

// ReverseByKey acts on a channel's reversal advice: the request with req's idempotency key (and
// the same agent, meter and amount) did not complete at the payer's end. The vend is reversed when
// it exists and is inside the reversal window; when it does not exist the key is voided, so the
// original is refused if it arrives later. A repeated advice changes nothing. The same key for a
// different request is a conflict; a vend past the window is a conflict and stands.
func (s *Vendor) ReverseByKey(ctx context.Context, req VendRequest) (Reversal, error) {
	if err := s.validate(req); err != nil {
		return Reversal{}, err
	}
	// Twice at most: a vend that commits between the lookup and the void is found the second time.
	for range 2 {
		v, err := s.Vends.VendByKey(ctx, req.Channel, req.IdempotencyKey)
		if err == nil {
			return s.reverseFound(ctx, req, v)
		}
		if !errors.Is(err, ErrNotFound) {
			return Reversal{}, storeError(err)
		}
		void, claimed, err := s.void(ctx, req)
		if err != nil {
			return Reversal{}, err
		}
		if claimed {
			return Reversal{Outcome: ReversalVoided, Vend: void}, nil
		}
	}
	return Reversal{}, Errorf(CodeUnavailable, "unavailable", "the vend of idempotency key %q could not be read; try again", req.IdempotencyKey)
}

func (s *Vendor) reverseFound(ctx context.Context, req VendRequest, v *Vend) (Reversal, error) {
	if v.RequestHash != req.hash() {
		return Reversal{}, Errorf(CodeConflict, "idempotency_key_reused", "idempotency key %q belongs to a different request", req.IdempotencyKey)
	}
	if v.Status != VendCompleted {
		return Reversal{Outcome: ReversalRepeated, Vend: v}, nil
	}
	reversed, err := s.reverse(ctx, v)
	if e := AsError(err); err != nil && e.Reason == "already_reversed" {
		return Reversal{Outcome: ReversalRepeated, Vend: v}, nil // a concurrent advice won
	}
	if err != nil {
		return Reversal{}, err
	}
	return Reversal{Outcome: ReversalDone, Vend: reversed}, nil
}

// void claims req's idempotency key with a voided vend; claimed is false when a vend took the key
// first.
func (s *Vendor) void(ctx context.Context, req VendRequest) (v *Vend, claimed bool, err error) {
	view, err := s.Meters.MeterByNumber(ctx, req.MeterNumber)
	if errors.Is(err, ErrNotFound) {
		return nil, true, nil
	}
	if err != nil {
		return nil, false, unavailable(err, "reading the meter")
	}
	ref, err := s.reference()
	if err != nil {
		return nil, false, Internal(err, "making a reference")
	}
	now := s.Clock().UTC().Truncate(time.Second)
	v = &Vend{
		Reference: ref, Channel: req.Channel, IdempotencyKey: req.IdempotencyKey, RequestHash: req.hash(),
		AgentID: req.AgentID, UtilityID: view.Utility.ID, MeterID: view.Meter.ID, MeterNumber: view.Meter.Number,
		CustomerName: view.Customer.Name, Currency: view.Utility.Currency, Breakdown: Breakdown{Paid: req.Amount},
		Status: VendVoided, CreatedAt: now, ReversedAt: now,
	}
	err = s.Vends.InVendTx(ctx, func(tx VendTx) error {
		n, err := tx.ClaimVends(ctx, []*Vend{v})
		claimed = n == 1
		return err
	})
	if err != nil {
		return nil, false, storeError(err)
	}
	return v, claimed, nil
}

// errClaimed ends a transaction whose idempotency key is taken.
var errClaimed = errors.New("idempotency key taken")

// Vend turns a payment into tokens exactly once: a replay of the same idempotency key returns the
// stored vend; the same key with a different request is a conflict.
func (s *Vendor) Vend(ctx context.Context, req VendRequest) (*Vend, error) {
	if err := s.validate(req); err != nil {
		return nil, err
	}
	v, err := s.vend(ctx, req)
	switch code := ErrorCode(err); {
	case errors.Is(err, errClaimed):
		return s.replay(ctx, req)
	case err != nil && code != CodeUnavailable && code != CodeInternal:
		// A refusal (the meter blocked since, the float spent ...) must not hide a vend this key
		// made before: a replay always gets the stored result.
		if _, lookup := s.Vends.VendByKey(ctx, req.Channel, req.IdempotencyKey); lookup == nil {
			return s.replay(ctx, req)
		}
	}
	return v, err
}

// Sellable finds a meter that an agent may sell to now, with the agent: the meter registered and
// vendable (not blocked or decommissioned), the agent existing, active and selling for the
// meter's utility. These are the checks a vend makes before its transaction; a channel that shows
// the customer's name before taking payment (USSD, an ATM's lookup) makes them first.
func (s *Vendor) Sellable(ctx context.Context, agentID int64, number string) (MeterView, Agent, error) {
	if err := CheckMeterNumber(number); err != nil {
		return MeterView{}, Agent{}, err
	}
	view, err := s.Meters.MeterByNumber(ctx, number)
	if errors.Is(err, ErrNotFound) {
		return MeterView{}, Agent{}, Errorf(CodeNotFound, "meter_not_found", "meter %s is not registered", number)
	}
	if err != nil {
		return MeterView{}, Agent{}, unavailable(err, "reading the meter")
	}
	if err := vendable(view.Meter); err != nil {
		return view, Agent{}, err
	}
	agent, err := s.Agents.Agent(ctx, agentID)
	if errors.Is(err, ErrNotFound) {
		return view, Agent{}, Errorf(CodeUnauthorized, "agent_not_found", "agent %d does not exist", agentID)
	}
	if err != nil {
		return view, Agent{}, unavailable(err, "reading the agent")
	}
	switch {
	case !agent.Active:
		return view, agent, Errorf(CodeUnauthorized, "agent_inactive", "agent %d is not active", agent.ID)
	case agent.UtilityID != view.Utility.ID:
		return view, agent, Errorf(CodeInvalid, "meter_other_utility", "meter %s belongs to another utility than agent %d sells for", number, agent.ID)
	}
	return view, agent, nil
}

// vend makes a new vend; errClaimed when the idempotency key is taken.
func (s *Vendor) vend(ctx context.Context, req VendRequest) (*Vend, error) {
	view, agent, err := s.Sellable(ctx, req.AgentID, req.MeterNumber)
	if err != nil {
		return nil, err
	}
	if req.Currency != "" && req.Currency != view.Utility.Currency.Code {
		return nil, Errorf(CodeInvalid, "currency_mismatch", "meter %s is sold in %s, not %s", req.MeterNumber, view.Utility.Currency.Code, req.Currency)
	}
	ref, err := s.reference()
	if err != nil {
		return nil, Internal(err, "making a reference")
	}
	v := &Vend{
		Reference: ref, Channel: req.Channel, IdempotencyKey: req.IdempotencyKey, RequestHash: req.hash(),
		AgentID: agent.ID, UtilityID: view.Utility.ID, MeterID: view.Meter.ID, MeterNumber: view.Meter.Number,
		CustomerName: view.Customer.Name, Currency: view.Utility.Currency, Status: VendCompleted,
		CreatedAt: s.Clock().UTC().Truncate(time.Second),
	}
	j := &vendJob{v: v, view: view, paid: req.Amount, reply: req.Reply}
	err = s.commit(ctx, agent, j)
	if errors.Is(err, errClaimed) {
		return nil, err
	}
	if err != nil {
		return nil, storeError(err)
	}
	if j.replyID != 0 && s.Replies != nil {
		s.Replies.Notify(context.WithoutCancel(ctx), j.replyID) // committed: the reply goes, caller or not
	}
	return v, nil
}

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
		touched = make(map[int64]MeterCounters, len(meters))
	)
	for _, j := range jobs {
		m, ok := meters[j.v.MeterID]
		if !ok {
			return Internal(fmt.Errorf("meter %d was not locked", j.v.MeterID), "locking the meters")
		}
		after, err := s.prepare(ctx, j, m, agent)
		if err != nil {
			if len(jobs) == 1 {
				return err
			}
			j.err = err
			continue
		}
		m.Counters = after
		meters[j.v.MeterID] = m
		touched[j.v.MeterID] = after
		vends = append(vends, j.v)
		entries = append(entries, vendEntries(j.v))
		debit += j.paid - j.v.Breakdown.Commission
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
	if _, err := tx.DebitAgent(ctx, agent.ID, debit); err != nil {
		if errors.Is(err, ErrInsufficientFunds) {
			return Errorf(CodeInsufficientFunds, "insufficient_funds", "the float of agent %d does not cover %s", agent.ID, vends[0].Currency.Format(debit))
		}
		return err
	}
	return nil
}

// prepare prices one vend of a batch on its locked meter and makes its tokens; it returns the
// meter's counters after the vend.
func (s *Vendor) prepare(ctx context.Context, j *vendJob, m MeterState, agent Agent) (MeterCounters, error) {
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
	v.Breakdown = b
	if v.Tokens, after, err = s.tokens(ctx, view.Meter, b, after, v.CreatedAt); err != nil {
		return m.Counters, err
	}
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
	// A meter keeps its TID memory across key changes (unless a rollover clears it and moves it to
	// the next base date), so TIDs count per meter and base date, not per key.
	if scope := key.BaseDate.String(); c.TIDKey != scope {
		c.TIDKey, c.LastTID = scope, 0
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
		tid, err := key.BaseDate.NextTID(at, c.LastTID)
		if err != nil {
			return nil, c, Errorf(CodeInvalid, "tid_exhausted", "meter %s needs a key change: %v", m.Number, err)
		}
		if key.KEN.Expired(tid) {
			return nil, c, Errorf(CodeInvalid, "key_expired", "meter %s needs a key change: its key has expired", m.Number)
		}
		c.LastTID = tid
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

// replay returns the stored vend of a claimed idempotency key.
func (s *Vendor) replay(ctx context.Context, req VendRequest) (*Vend, error) {
	v, err := s.Vends.VendByKey(ctx, req.Channel, req.IdempotencyKey)
	if err != nil {
		return nil, storeError(err)
	}
	if v.RequestHash != req.hash() {
		return nil, Errorf(CodeConflict, "idempotency_key_reused", "idempotency key %q was used for a different request", req.IdempotencyKey)
	}
	if v.Status == VendVoided {
		return nil, Errorf(CodeConflict, "reversed_before_vend", "the request with idempotency key %q was reversed before it arrived", req.IdempotencyKey)
	}
	return v, nil
}

func (s *Vendor) validate(r VendRequest) error {
	switch {
	case r.Channel == "":
		return Errorf(CodeInvalid, "invalid_channel", "the channel is missing")
	case r.IdempotencyKey == "" || len(r.IdempotencyKey) > 128:
		return Errorf(CodeInvalid, "invalid_idempotency_key", "an idempotency key of 1 to 128 characters is required")
	case r.Amount <= 0:
		return Errorf(CodeInvalid, "invalid_amount", "the amount must be positive")
	case s.MaxAmount > 0 && r.Amount > s.MaxAmount:
		return Errorf(CodeInvalid, "amount_too_large", "the amount is above the maximum of one purchase")
	case r.Reply != nil && (r.Reply.Render == nil || r.Reply.Recipient == "" || r.Reply.Route == ""):
		return Errorf(CodeInvalid, "invalid_reply", "a reply needs a route, a recipient and a renderer")
	}
	return CheckMeterNumber(r.MeterNumber)
}

// CheckMeterNumber checks a meter number (DRN): 11 digits (IIN 600727) or 13 (IIN 0000), with a
// valid Luhn check digit. Its message shows at most the first 13 characters of a number that
// fails, so that what a caller sent (of any length) does not come back whole in answers and logs.
func CheckMeterNumber(n string) error {
	iin := sts.IIN
	if len(n) == 13 {
		iin = sts.LegacyIIN
	}
	if err := sts.CheckDRN(iin, n); err != nil {
		if len(n) == 11 || len(n) == 13 {
			if _, digits := strconv.ParseUint(n, 10, 64); digits == nil {
				return Errorf(CodeInvalid, "invalid_meter_number", "meter number %q fails its check digit", n)
			}
		}
		return Errorf(CodeInvalid, "invalid_meter_number", "meter number %s is not 11 digits (13 with IIN 0000)", shownMeterNumber(n))
	}
	return nil
}

// shownMeterNumber quotes a meter number that failed its check for a message: cut after 13
// characters, with its length.
func shownMeterNumber(n string) string {
	r := []rune(n)
	if len(r) <= 13 {
		return strconv.Quote(n)
	}
	return strconv.Quote(string(r[:13])) + "... (" + strconv.Itoa(len(r)) + " characters)"
}

func vendable(m Meter) error {
	switch m.Status {
	case MeterActive:
		return nil
	case MeterBlocked:
		return Errorf(CodeInvalid, "meter_blocked", "meter %s is blocked", m.Number)
	case MeterDecommissioned:
		return Errorf(CodeInvalid, "meter_decommissioned", "meter %s is decommissioned", m.Number)
	}
	return Errorf(CodeInvalid, "meter_not_vendable", "meter %s cannot be vended to (status %s)", m.Number, m.Status)
}

func (s *Vendor) reference() (string, error) {
	var b [10]byte
	if _, err := io.ReadFull(s.Random, b[:]); err != nil {
		return "", err
	}
	return "V" + base32.StdEncoding.EncodeToString(b[:]), nil
}

func (s *Vendor) rnd() (uint8, error) {
	var b [1]byte
	if _, err := io.ReadFull(s.Random, b[:]); err != nil {
		return 0, err
	}
	return b[0] & 15, nil
}

// storeError keeps core errors and turns anything else from storage into a retryable error.
func storeError(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, ErrNotFound) {
		return Errorf(CodeNotFound, "not_found", "not found")
	}
	return unavailable(err, "the database")
}
