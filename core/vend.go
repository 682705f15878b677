package core

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

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
	// Payer is the customer's phone on the SMS and USSD channels (NormalizePhone's form): only
	// that phone is shown the vend again (LAST). It is not part of the request's content.
	Payer string
	// Reply, when set, is the reply an asynchronous channel delivers later (an SMS with the
	// tokens). It is not part of the request's content: a replay makes no second reply.
	Reply *ReplyTo
	// TerminalID is the POS terminal the request came from (Agent.TerminalID of the key that
	// authenticated it), 0 for none; it is recorded on the vend and is not part of the content.
	TerminalID int64
}

// ReplyTo asks for a vend's reply on an asynchronous channel. Core writes it to the outbox in the
// vend's own transaction, so a committed vend always has its reply (docs/design.md, "Replies are
// never lost").
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
	Kind           MeterKind // the meter's: its unit is the vend's (Kind.Unit)
	CustomerName   string
	Currency       Currency
	Breakdown      Breakdown
	Tokens         []VendToken
	// Payer is the phone that paid on the customer channels (SMS, USSD), in NormalizePhone's
	// form; "" on the others.
	Payer string
	// TerminalID is the POS terminal that sold the vend, 0 for none.
	TerminalID int64
	Status     VendStatus
	CreatedAt  time.Time
	ReversedAt time.Time
	// ReversalReason and ReversedBy say why a reversed vend was reversed and who asked.
	ReversalReason string
	ReversedBy     string
	// Location is the utility's time zone, in which receipts show the vend's time (UTC when nil).
	Location *time.Location
	// Replayed is set on the vend a request gets back when an earlier request with the same
	// idempotency key made it: this request changed nothing.
	Replayed bool
}

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
	return s.sellable(ctx, agentID, number, time.Time{})
}

// sellable is Sellable with the meter's prices as they stand at at (the zero time: now).
func (s *Vendor) sellable(ctx context.Context, agentID int64, number string, at time.Time) (MeterView, Agent, error) {
	if err := CheckMeterNumber(number); err != nil {
		return MeterView{}, Agent{}, err
	}
	view, err := s.meterAt(ctx, number, at)
	if errors.Is(err, ErrNotFound) {
		return MeterView{}, Agent{}, Errorf(CodeNotFound, ReasonMeterNotFound, "meter %s is not registered", number)
	}
	if err != nil {
		return MeterView{}, Agent{}, Unavailable(err, "reading the meter")
	}
	if err := vendable(view.Meter); err != nil {
		return view, Agent{}, err
	}
	agent, err := s.Agents.Agent(ctx, agentID)
	if errors.Is(err, ErrNotFound) {
		return view, Agent{}, Errorf(CodeUnauthorized, ReasonAgentNotFound, "agent %d does not exist", agentID)
	}
	if err != nil {
		return view, Agent{}, Unavailable(err, "reading the agent")
	}
	switch {
	case !agent.Active:
		return view, agent, Errorf(CodeUnauthorized, ReasonAgentInactive, "agent %d is not active", agent.ID)
	case agent.UtilityID != view.Utility.ID:
		// Answered as an unknown meter: an agent must not learn which meters other utilities have.
		return MeterView{}, agent, Errorf(CodeNotFound, ReasonMeterNotFound, "meter %s is not registered", number)
	}
	return view, agent, nil
}

// meterAt reads a meter with the prices and parameters in effect at at, when the store keeps
// versions of them (MeterAtReader), or as they stand now (at zero, or a store without versions).
func (s *Vendor) meterAt(ctx context.Context, number string, at time.Time) (MeterView, error) {
	if r, ok := s.Meters.(MeterAtReader); ok && !at.IsZero() {
		return r.MeterByNumberAt(ctx, number, at)
	}
	return s.Meters.MeterByNumber(ctx, number)
}

// vend makes a new vend; errClaimed when the idempotency key is taken. The vend is priced with
// the versions in effect at the time it records.
func (s *Vendor) vend(ctx context.Context, req VendRequest) (*Vend, error) {
	at := s.Clock().UTC().Truncate(time.Second)
	view, agent, err := s.sellable(ctx, req.AgentID, req.MeterNumber, at)
	if err != nil {
		return nil, err
	}
	if req.Currency != "" && req.Currency != view.Utility.Currency.Code {
		return nil, Errorf(CodeInvalid, ReasonCurrencyMismatch, "meter %s is sold in %s, not %s", req.MeterNumber, view.Utility.Currency.Code, req.Currency)
	}
	if limit := view.Utility.MaxVendAmount; limit > 0 && req.Amount > limit {
		return nil, Errorf(CodeInvalid, ReasonAmountTooLarge, "the amount is above the utility's maximum of one purchase, %s", view.Utility.Currency.Format(limit))
	}
	ref, err := s.reference()
	if err != nil {
		return nil, Internal(err, "making a reference")
	}
	v := &Vend{
		Reference: ref, Channel: req.Channel, IdempotencyKey: req.IdempotencyKey, RequestHash: req.hash(),
		AgentID: agent.ID, UtilityID: view.Utility.ID, MeterID: view.Meter.ID, MeterNumber: view.Meter.Number,
		Kind: view.Meter.Kind, CustomerName: view.Customer.Name, Currency: view.Utility.Currency, Status: VendCompleted,
		CreatedAt: at, Payer: req.Payer, Location: view.Utility.Location,
		TerminalID: req.TerminalID,
	}
	j := &vendJob{v: v, view: view, paid: req.Amount, reply: req.Reply}
	err = s.commit(ctx, agent, j)
	if errors.Is(err, errClaimed) {
		return nil, err
	}
	if err != nil {
		return nil, StoreError(err)
	}
	if j.replyID != 0 && s.Replies != nil {
		s.Replies.Notify(context.WithoutCancel(ctx), j.replyID) // committed: the reply goes, caller or not
	}
	return v, nil
}

// replay returns the stored vend of a claimed idempotency key.
func (s *Vendor) replay(ctx context.Context, req VendRequest) (*Vend, error) {
	v, err := s.Vends.VendByKey(ctx, req.Channel, req.IdempotencyKey)
	if err != nil {
		return nil, StoreError(err)
	}
	if v.RequestHash != req.hash() {
		return nil, Errorf(CodeConflict, ReasonIdempotencyKeyReused, "the idempotency key was used for a different request")
	}
	if v.Status == VendVoided {
		return nil, Errorf(CodeConflict, ReasonReversedBeforeVend, "the request was reversed before it arrived")
	}
	v.Replayed = true
	return v, nil
}

func (s *Vendor) validate(r VendRequest) error {
	switch {
	case r.Channel == "":
		return Errorf(CodeInvalid, ReasonInvalidChannel, "the channel is missing")
	case r.IdempotencyKey == "" || len(r.IdempotencyKey) > 128:
		return Errorf(CodeInvalid, ReasonInvalidIdempotencyKey, "an idempotency key of 1 to 128 characters is required")
	case r.Reply != nil && (r.Reply.Render == nil || r.Reply.Recipient == "" || r.Reply.Route == ""):
		return Errorf(CodeInvalid, ReasonInvalidReply, "a reply needs a route, a recipient and a renderer")
	}
	if err := s.CheckAmount(r.Amount); err != nil {
		return err
	}
	return CheckMeterNumber(r.MeterNumber)
}

// CheckAmount refuses an amount no purchase may have: nothing, or above the maximum of one
// purchase. A channel that confirms the purchase first (USSD) asks before the confirmation.
func (s *Vendor) CheckAmount(amount Money) error {
	switch {
	case amount <= 0:
		return Errorf(CodeInvalid, ReasonInvalidAmount, "the amount must be positive")
	case s.MaxAmount > 0 && amount > s.MaxAmount:
		return Errorf(CodeInvalid, ReasonAmountTooLarge, "the amount is above the maximum of one purchase")
	}
	return nil
}

func vendable(m Meter) error {
	switch m.Status {
	case MeterActive:
		if m.ContractID == 0 {
			return Errorf(CodeInvalid, ReasonMeterNotInstalled, "meter %s is not installed on an open contract", m.Number)
		}
		return nil
	case MeterBlocked:
		return Errorf(CodeInvalid, ReasonMeterBlocked, "meter %s is blocked", m.Number)
	case MeterDecommissioned:
		return Errorf(CodeInvalid, ReasonMeterDecommissioned, "meter %s is decommissioned", m.Number)
	}
	return Errorf(CodeInvalid, ReasonMeterNotVendable, "meter %s cannot be vended to (status %s)", m.Number, m.Status)
}

func (s *Vendor) reference() (string, error) {
	var b [10]byte
	if _, err := io.ReadFull(s.Random, b[:]); err != nil {
		return "", err
	}
	return "V" + base32.StdEncoding.EncodeToString(b[:]), nil
}

func (s *Vendor) rnd() (uint8, error) { return randomRND(s.Random) }
