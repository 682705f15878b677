package core

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// VendReversal is what a store records with a reversed vend.
type VendReversal struct {
	At     time.Time
	Reason string
	By     string // who asked: "agent 12", "operator", "iso8583 advice"
	// RefuseDelivered refuses the reversal of a vend whose token has reached the customer.
	RefuseDelivered bool
}

// DefaultReversalWindow is how long after a vend its agent (or its bank's reversal advice) may
// reverse it when the utility sets no window: a reversal is for "no answer came", which a
// channel knows within minutes. Past the window only an operator may reverse.
const DefaultReversalWindow = 10 * time.Minute

// ReversalRequest asks to reverse a vend.
type ReversalRequest struct {
	VendID int64
	// AgentID is the agent asking, which must be the one that sold the vend, within the
	// utility's reversal window; 0 is an operator, for whom the window does not apply.
	AgentID int64
	// Reason says why, 1 to 200 characters: it is kept with the vend and shown in the list of
	// reversed vends operators check.
	Reason string
	// Windowed applies the utility's reversal window to an operator's reversal too. The back
	// office sets it on an operator's own reversal, and asks a second operator to approve one
	// past the window; the approved request reverses without it.
	Windowed bool
	// Operator names the operator in the vend's record ("operator <name>"); "" records "operator".
	Operator string
}

// Reverse gives back a vend's money, within the utility's reversal window when an agent asks.
// The vend's replies not yet sent are cancelled with it; a vend sold on a customer channel whose
// token has reached the customer is refused (a refund, not a reversal, is the way back). A
// reversed token stays valid on the meter: STS meters cannot be told of a reversal.
func (s *Vendor) Reverse(ctx context.Context, r ReversalRequest) (*Vend, error) {
	r.Reason = strings.TrimSpace(r.Reason)
	if r.Reason == "" || len([]rune(r.Reason)) > 200 {
		return nil, Errorf(CodeInvalid, ReasonInvalidReversalReason, "a reversal needs a reason of 1 to 200 characters").OnField("reason")
	}
	v, err := s.Vends.Vend(ctx, r.VendID)
	if errors.Is(err, ErrNotFound) || err == nil && r.AgentID != 0 && v.AgentID != r.AgentID {
		return nil, Errorf(CodeNotFound, ReasonVendNotFound, "vend %d does not exist", r.VendID)
	}
	if err != nil {
		return nil, StoreError(err)
	}
	by := "operator"
	switch {
	case r.AgentID != 0:
		by = fmt.Sprintf("agent %d", r.AgentID)
	case r.Operator != "":
		by = "operator " + r.Operator
	}
	return s.reverse(ctx, v, VendReversal{Reason: r.Reason, By: by}, r.AgentID != 0 || r.Windowed)
}

// reverse reverses a completed vend; windowed says the utility's reversal window applies.
func (s *Vendor) reverse(ctx context.Context, v *Vend, rev VendReversal, windowed bool) (*Vend, error) {
	now := s.Clock().UTC()
	var (
		u   Utility
		err error
	)
	if r, ok := s.Utilities.(UtilityAtReader); ok {
		u, err = r.UtilityAt(ctx, v.UtilityID, now) // the window in effect now
	} else {
		u, err = s.Utilities.Utility(ctx, v.UtilityID)
	}
	if err != nil {
		return nil, StoreError(err)
	}
	window := u.ReversalWindow
	if window <= 0 {
		window = DefaultReversalWindow
	}
	switch {
	case v.Status != VendCompleted:
		return nil, Errorf(CodeConflict, ReasonAlreadyReversed, "vend %s is already reversed", v.Reference)
	case windowed && now.Sub(v.CreatedAt) > window:
		return nil, Errorf(CodeConflict, ReasonReversalWindowPassed, "vend %s is older than the reversal window of %s: only an operator may reverse it", v.Reference, window)
	}
	rev.At = now
	rev.RefuseDelivered = CustomerChannel(v.Channel)
	reversed, err := s.Vends.ReverseVend(ctx, v.ID, rev)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, Errorf(CodeConflict, ReasonAlreadyReversed, "vend %s is already reversed", v.Reference)
	case errors.Is(err, ErrTokenDelivered):
		return nil, Errorf(CodeConflict, ReasonTokenDelivered, "vend %s cannot be reversed: its token has been sent to the customer", v.Reference)
	case err != nil:
		return nil, StoreError(err)
	}
	return reversed, nil
}

// CustomerChannel reports whether a channel answers the customer directly (SMS, USSD): a vend
// sold on it has reached the customer once its reply is sent or its screen shown.
func CustomerChannel(channel string) bool {
	return channel == ChannelSMS || channel == ChannelUSSD
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
			return Reversal{}, StoreError(err)
		}
		void, claimed, err := s.void(ctx, req)
		if err != nil {
			return Reversal{}, err
		}
		if claimed {
			return Reversal{Outcome: ReversalVoided, Vend: void}, nil
		}
	}
	return Reversal{}, Errorf(CodeUnavailable, ReasonUnavailable, "the vend of the idempotency key could not be read; try again")
}

func (s *Vendor) reverseFound(ctx context.Context, req VendRequest, v *Vend) (Reversal, error) {
	if v.RequestHash != req.hash() {
		return Reversal{}, Errorf(CodeConflict, ReasonIdempotencyKeyReused, "the idempotency key belongs to a different request")
	}
	if v.Status != VendCompleted {
		return Reversal{Outcome: ReversalRepeated, Vend: v}, nil
	}
	reversed, err := s.reverse(ctx, v, VendReversal{Reason: "reversal advice", By: req.Channel + " advice"}, true)
	if e := AsError(err); err != nil && e.Reason == ReasonAlreadyReversed {
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
		return nil, false, Unavailable(err, "reading the meter")
	}
	ref, err := s.reference()
	if err != nil {
		return nil, false, Internal(err, "making a reference")
	}
	now := s.Clock().UTC().Truncate(time.Second)
	v = &Vend{
		Reference: ref, Channel: req.Channel, IdempotencyKey: req.IdempotencyKey, RequestHash: req.hash(),
		AgentID: req.AgentID, UtilityID: view.Utility.ID, MeterID: view.Meter.ID, MeterNumber: view.Meter.Number,
		Kind: view.Meter.Kind, CustomerName: view.Customer.Name, Currency: view.Utility.Currency, Breakdown: Breakdown{Paid: req.Amount},
		Status: VendVoided, CreatedAt: now, ReversedAt: now, Payer: req.Payer,
		ReversalReason: "reversal advice before the request", ReversedBy: req.Channel + " advice",
	}
	err = s.Vends.InVendTx(ctx, func(tx VendTx) error {
		n, err := tx.ClaimVends(ctx, []*Vend{v})
		claimed = n == 1
		return err
	})
	if err != nil {
		return nil, false, StoreError(err)
	}
	return v, claimed, nil
}
