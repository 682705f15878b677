package backoffice

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/core"
)

// Meter exchange: a contract's meter is replaced by another of the same kind and utility. In
// one transaction the old meter is removed with its reading, the new one installed on the same
// contract (the contract's periods record which meter was on it when), the customer, tariff and
// arrears move across (the arrears leave the old meter and arrive on the new, so they are owed
// once), and the credit left on the old meter, as the operator read it from its display, is
// issued as a credit token for the new meter with a reason line (core.Engineer.TransferCredit:
// no money moves, the customer paid for it already).
//
// Nothing is charged twice: the month's counters (energy bought this month, which prices the
// tariff's blocks, and the monthly fixed charge paid) move with the contract from the old meter
// to the new, so the new meter's first purchase neither pays the fixed charge again nor starts
// the blocks afresh; the free basic allowance is claimed per customer, kind and month, so the new
// meter does not get it again either.

// Exchange asks to exchange a contract's meter.
type Exchange struct {
	ContractID int64
	// OldMeterNumber, when given, must be the contract's meter: a check that the operator is
	// exchanging the meter they think.
	OldMeterNumber string
	NewMeterNumber string
	// OldReading is the old meter's register when it was removed, in tenths of its kind's unit.
	OldReading core.Energy
	// RemainingCredit is the credit left on the old meter, in the token's unit (tenths of the
	// kind's unit), as the operator records it from the old meter's display; 0 for none.
	RemainingCredit core.Energy
	Reason          string // required: why the meter is exchanged
}

// MeterExchange is an exchange as recorded.
type MeterExchange struct {
	ID             int64  `json:"id"`
	ContractID     int64  `json:"contract_id"`
	OldMeterID     int64  `json:"old_meter_id"`
	OldMeterNumber string `json:"old_meter_number"`
	NewMeterID     int64  `json:"new_meter_id"`
	NewMeterNumber string `json:"new_meter_number"`
	// NewFrom is the new meter's stock state before it was installed (in the store or issued).
	NewFrom    StockState  `json:"new_from"`
	OldReading core.Energy `json:"old_reading"`
	// RemainingCredit is the credit the operator recorded; CarriedCredit what the token carries
	// (the least amount a token carries not below it), both in tenths of the unit.
	RemainingCredit core.Energy `json:"remaining_credit"`
	CarriedCredit   core.Energy `json:"carried_credit"`
	// Arrears moved from the old meter to the new (set by the store).
	Arrears core.Money `json:"arrears"`
	// TokenID is the credit token's engineering token record, 0 when no credit was carried.
	TokenID int64     `json:"token_id,omitempty"`
	Reason  string    `json:"reason"`
	Actor   string    `json:"actor"`
	At      time.Time `json:"at"`
}

// ContractMeter is one period of a contract: the meter that was on it from From until To (nil
// while it still is).
type ContractMeter struct {
	ContractID  int64      `json:"contract_id"`
	MeterID     int64      `json:"meter_id"`
	MeterNumber string     `json:"meter_number"`
	From        time.Time  `json:"from"`
	To          *time.Time `json:"to,omitempty"`
}

// ExchangeStore keeps meter exchanges and the periods of contracts.
type ExchangeStore interface {
	// ExchangeMeter does x: the old meter (installed on x.ContractID) removed with no contract,
	// no arrears and its month's counters cleared, its reading recorded; the new meter (in
	// x.NewFrom) installed on the contract with the contract's customer and tariff, the old
	// meter's arrears (x.Arrears is set to them) and month's counters; the contract's meter
	// changed (its version moved on) and its period closed and a new one opened; both moves and
	// the exchange recorded. A meter that moved meanwhile is a stale conflict. It sets x.ID.
	ExchangeMeter(ctx context.Context, x *MeterExchange) error
	// ContractMeters returns the periods of a contract, oldest first.
	ContractMeters(ctx context.Context, contractID int64) ([]ContractMeter, error)
	// MeterExchanges returns the exchanges of a contract, oldest first.
	MeterExchanges(ctx context.Context, contractID int64) ([]MeterExchange, error)
}

// Exchange actions.
const (
	ActionMeterExchange     Action = "meter.exchange"
	ActionMeterExchangeRead Action = "meter.exchange_read"
)

// PurposeCreditTransfer is the purpose, in a meter's token history, of a credit token that
// carries credit paid for already (a meter exchange's).
const PurposeCreditTransfer core.TokenPurpose = "credit_transfer"

// exchangeGate: an exchange carries credit onto the new meter, so by default every exchange
// that carries any waits for a second operator; the policy weighs the credit's worth at the
// contract's tariff (its dearest block, VAT excluded, in minor units), so that a utility may let
// small amounts through with a threshold.
var exchangeGate = newGate(ActionMeterExchange, PermMetersExchange, ApprovalPolicy{Required: true}, (*Service).runExchange)

// ExchangeResult is what an exchange did: the exchange, and the credit token for the new meter
// with its digits for the operator (nil when no credit was carried).
type ExchangeResult struct {
	Exchange MeterExchange
	Token    *ShownToken
}

// exchangeOrder is an exchange as the operator asked for it, checked: what runExchange does
// (and, under the approval policy, a request's stored payload).
type exchangeOrder struct {
	ContractID      int64       `json:"contract_id"`
	OldMeterNumber  string      `json:"old_meter_number"`
	NewMeterNumber  string      `json:"new_meter_number"`
	OldReading      core.Energy `json:"old_reading"`
	RemainingCredit core.Energy `json:"remaining_credit"`
	Reason          string      `json:"reason"`
	Maker           string      `json:"maker"`      // actorName, as the credit token's record names them
	MakerName       string      `json:"maker_name"` // the operator's name, as movements name them
}

// ExchangeMeter exchanges a contract's meter (see the comment at the top of this file). An
// exchange that carries no credit runs at once; one that carries credit goes through the
// approval policy (ActionMeterExchange): when it
// waits for a second operator the result is the pending request, and once approved the exchange
// runs, once, and the credit token is in the new meter's history for the maker to reprint.
func (s *Service) ExchangeMeter(ctx context.Context, a Actor, x Exchange) (Result[ExchangeResult], error) {
	if err := s.allow(ctx, a, PermMetersExchange, ActionMeterExchange, ""); err != nil {
		return Result[ExchangeResult]{}, err
	}
	o, sub, err := s.exchangeSubmission(ctx, a, x)
	if err != nil {
		return Result[ExchangeResult]{}, s.refused(ctx, a, PermMetersExchange, ActionMeterExchange, err)
	}
	if o.RemainingCredit == 0 {
		// Nothing carried, nothing for a second operator to weigh: the exchange runs at once.
		v, err := change(ctx, s, a, PermMetersExchange, ActionMeterExchange, func(ctx context.Context) (ExchangeResult, Change, error) {
			return s.runExchange(ctx, o)
		})
		return Result[ExchangeResult]{Value: v}, err
	}
	return exchangeGate.submit(ctx, s, a, sub, o)
}

// exchangeSubmission checks a request against the records, within the actor's utility, and
// weighs its credit.
func (s *Service) exchangeSubmission(ctx context.Context, a Actor, x Exchange) (exchangeOrder, submission, error) {
	reason, err := checkActionReason(x.Reason)
	if err != nil {
		return exchangeOrder{}, submission{}, err
	}
	o := exchangeOrder{ContractID: x.ContractID, OldMeterNumber: strings.TrimSpace(x.OldMeterNumber), NewMeterNumber: strings.TrimSpace(x.NewMeterNumber),
		OldReading: x.OldReading, RemainingCredit: x.RemainingCredit, Reason: reason, Maker: actorName(a), MakerName: a.Name()}
	c, err := s.contract(ctx, a, o.ContractID)
	if err != nil {
		return o, submission{}, err
	}
	if _, err := s.meterStock(ctx, a, o.NewMeterNumber); err != nil {
		return o, submission{}, fieldOf(err, "new_meter_number")
	}
	p, err := s.exchangePlan(ctx, o)
	if err != nil {
		return o, submission{}, err
	}
	if o.RemainingCredit > 0 && s.issuer == nil {
		return o, submission{}, errNoIssuer()
	}
	view, err := s.store.MeterByNumber(ctx, c.MeterNumber)
	if err != nil {
		return o, submission{}, err
	}
	worth := creditWorth(view.Tariff, o.RemainingCredit)
	return o, submission{target: contractTarget(c.ID), utilityID: p.new.UtilityID, amount: worth,
		summary: fmt.Sprintf("exchange meter %s for %s on contract %d at reading %s, carrying %s units (worth up to %d): %s",
			p.old.Number, p.new.Number, c.ID, o.OldReading, o.RemainingCredit, worth, core.MaskTokens(reason))}, nil
}

// creditWorth is what credit is worth at a tariff's dearest block, VAT excluded, rounded up:
// what the approval policy weighs.
func creditWorth(t core.Tariff, e core.Energy) core.Money {
	price := decimal.Zero
	for _, b := range t.Blocks {
		if b.Price.GreaterThan(price) {
			price = b.Price
		}
	}
	return core.Money(decimal.NewFromInt(int64(e)).Mul(price).Div(decimal.NewFromInt(10)).Ceil().IntPart())
}

// exchangePlan is what an exchange works on, as the store holds it now.
type exchangePlan struct {
	contract Contract
	old, new MeterStock
}

// exchangePlan checks an order against the store as it is now: the contract open, its meter
// the old one named, the new meter of the same utility and kind, active, in the store or issued
// and on no contract. runExchange calls it again inside the transaction, since an approved
// request runs later than it was made.
func (s *Service) exchangePlan(ctx context.Context, o exchangeOrder) (exchangePlan, error) {
	bad := func(field, format string, args ...any) (exchangePlan, error) {
		return exchangePlan{}, core.Errorf(core.CodeInvalid, ReasonInvalidExchange, format, args...).OnField(field)
	}
	switch {
	case o.OldReading < 0:
		return bad("old_reading", "the old meter's reading must not be negative")
	case o.RemainingCredit < 0:
		return bad("remaining_credit", "the remaining credit must not be negative")
	case o.ContractID <= 0:
		return bad("contract_id", "contract %d is not a contract's id", o.ContractID)
	}
	if _, err := core.ParseMeterNumber(o.NewMeterNumber); err != nil {
		return exchangePlan{}, core.AsError(err).OnField("new_meter_number")
	}
	c, err := s.store.Contract(ctx, o.ContractID)
	if isNotFound(err) {
		return bad("contract_id", "contract %d does not exist", o.ContractID)
	}
	if err != nil {
		return exchangePlan{}, err
	}
	if c.Status != ContractOpen {
		return exchangePlan{}, core.Errorf(core.CodeConflict, ReasonContractClosed, "contract %d is closed: its meter cannot be exchanged", c.ID).OnField("contract_id")
	}
	if o.OldMeterNumber != "" && o.OldMeterNumber != c.MeterNumber {
		return bad("old_meter_number", "contract %d's meter is %s, not %s", c.ID, c.MeterNumber, o.OldMeterNumber)
	}
	old, err := s.store.MeterStock(ctx, c.MeterNumber)
	if err != nil {
		return exchangePlan{}, err
	}
	nw, err := s.store.MeterStock(ctx, o.NewMeterNumber)
	if isNotFound(err) {
		return exchangePlan{}, core.Errorf(core.CodeNotFound, core.ReasonMeterNotFound, "meter %s is not registered", o.NewMeterNumber).OnField("new_meter_number")
	}
	if err != nil {
		return exchangePlan{}, err
	}
	conflict := func(reason core.Reason, format string, args ...any) (exchangePlan, error) {
		return exchangePlan{}, core.Errorf(core.CodeConflict, reason, format, args...).OnField("new_meter_number")
	}
	switch {
	case nw.MeterID == old.MeterID:
		return bad("new_meter_number", "meter %s is contract %d's meter already", nw.Number, c.ID)
	case nw.UtilityID != old.UtilityID:
		return exchangePlan{}, core.Errorf(core.CodeForbidden, ReasonOutOfScope, "meter %s belongs to another utility than contract %d's", nw.Number, c.ID).OnField("new_meter_number")
	case nw.Kind != old.Kind:
		return bad("new_meter_number", "meter %s measures %s, contract %d's meter %s", nw.Number, nw.Kind, c.ID, old.Kind)
	case nw.ContractID != 0:
		return conflict(ReasonMeterOnContract, "meter %s is on open contract %d", nw.Number, nw.ContractID)
	case nw.State != StockInStore && nw.State != StockIssued:
		return conflict(ReasonMeterNotInStore, "meter %s is %s: an exchange installs a meter in the store or issued to a technician", nw.Number, nw.State)
	case nw.Status != core.MeterActive:
		return conflict(core.ReasonMeterNotVendable, "meter %s is %s: an exchange installs an active meter", nw.Number, nw.Status)
	}
	return exchangePlan{contract: c, old: old, new: nw}, nil
}

// runExchange does an exchange, in the caller's transaction: the credit token first (the new
// meter locked, its TID taken), then the moves.
func (s *Service) runExchange(ctx context.Context, o exchangeOrder) (ExchangeResult, Change, error) {
	p, err := s.exchangePlan(ctx, o)
	if err != nil {
		return ExchangeResult{}, Change{}, err
	}
	x := MeterExchange{ContractID: p.contract.ID, OldMeterID: p.old.MeterID, OldMeterNumber: p.old.Number,
		NewMeterID: p.new.MeterID, NewMeterNumber: p.new.Number, NewFrom: p.new.State, OldReading: o.OldReading,
		RemainingCredit: o.RemainingCredit, Reason: o.Reason, Actor: o.MakerName, At: s.now().UTC().Truncate(time.Microsecond)}
	var shown *ShownToken
	if o.RemainingCredit > 0 {
		if s.issuer == nil {
			return ExchangeResult{}, Change{}, errNoIssuer()
		}
		eng := &core.Engineer{Meters: s.store, Store: s.store, Issuer: s.issuer, Clock: s.now, Random: rand.Reader}
		t, err := eng.TransferCredit(ctx, core.CreditTransfer{MeterID: p.new.MeterID, UtilityID: p.new.UtilityID, Energy: o.RemainingCredit,
			Actor: o.Maker, Reason: fmt.Sprintf("credit carried from meter %s (exchanged on contract %d at reading %s): %s",
				p.old.Number, p.contract.ID, o.OldReading, o.Reason)})
		if err != nil {
			return ExchangeResult{}, Change{}, err
		}
		x.TokenID, x.CarriedCredit = t.ID, core.Energy(t.Value)
		rec := engineeringRecord(t)
		rec.Purpose, rec.Energy = PurposeCreditTransfer, x.CarriedCredit
		shown = &ShownToken{MeterTokenView: rec.View(), Digits: t.Token.Display()}
	}
	if err := s.store.ExchangeMeter(ctx, &x); err != nil {
		return ExchangeResult{}, Change{}, err
	}
	after := p.contract
	after.MeterID, after.MeterNumber = x.NewMeterID, x.NewMeterNumber
	view := struct {
		Contract Contract      `json:"contract"`
		Exchange MeterExchange `json:"exchange"`
	}{after, x}
	return ExchangeResult{Exchange: x, Token: shown}, Change{Target: contractTarget(p.contract.ID), Before: p.contract, After: view,
		Detail: fmt.Sprintf("meter %s exchanged for %s; arrears of %d moved; reason: %s", x.OldMeterNumber, x.NewMeterNumber, x.Arrears, core.MaskTokens(o.Reason))}, nil
}

// ContractMeterHistory returns which meter was on a contract when, oldest first.
func (s *Service) ContractMeterHistory(ctx context.Context, a Actor, contractID int64) ([]ContractMeter, error) {
	return read(ctx, s, a, PermCustomersRead, ActionMeterExchangeRead, func(ctx context.Context) ([]ContractMeter, error) {
		if _, err := s.contract(ctx, a, contractID); err != nil {
			return nil, err
		}
		return s.store.ContractMeters(ctx, contractID)
	})
}

// MeterExchanges returns the exchanges of a contract, oldest first.
func (s *Service) MeterExchanges(ctx context.Context, a Actor, contractID int64) ([]MeterExchange, error) {
	return read(ctx, s, a, PermCustomersRead, ActionMeterExchangeRead, func(ctx context.Context) ([]MeterExchange, error) {
		if _, err := s.contract(ctx, a, contractID); err != nil {
			return nil, err
		}
		return s.store.MeterExchanges(ctx, contractID)
	})
}

// checkActionReason trims the reason an operator gives for an action and refuses an empty or
// overlong one (invalid_reason).
func checkActionReason(reason string) (string, error) {
	r := strings.TrimSpace(reason)
	switch {
	case r == "":
		return "", core.Errorf(core.CodeInvalid, ReasonInvalidReason, "a reason is required").OnField("reason")
	case len(r) > MaxReasonLength:
		return "", core.Errorf(core.CodeInvalid, ReasonInvalidReason, "the reason is longer than %d characters", MaxReasonLength).OnField("reason")
	}
	return r, nil
}

// The reasons of meter exchanges.
const (
	ReasonInvalidExchange core.Reason = "invalid_exchange"
)

var exchangeReasons = map[core.Reason]core.Code{
	ReasonInvalidExchange: core.CodeInvalid,
}

func init() { reasonLists = append(reasonLists, exchangeReasons) }
