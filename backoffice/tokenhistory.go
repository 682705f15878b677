package backoffice

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

// Token management: every token a meter was given, whatever gave it (a vend on any channel by
// any agent, with its key change and free basic tokens, or an operator's engineering token), and
// the reprints of each.

// TokenSource says which record a token belongs to.
type TokenSource string

// Token sources.
const (
	SourceVend        TokenSource = "vend"        // a vend's token: credit, free basic or key change
	SourceEngineering TokenSource = "engineering" // an engineering or test token (engineering.go)
)

// MeterTokenRef names one token: a vend's by the vend's ID and the token's place on it (1, 2 ...), an
// engineering token by its ID (Seq 1).
type MeterTokenRef struct {
	Source TokenSource
	ID     int64
	Seq    int
}

// String returns the reference as the audit trail names it: "vend:12/3", "engineering:5".
func (r MeterTokenRef) String() string {
	if r.Source == SourceEngineering {
		return fmt.Sprintf("engineering:%d", r.ID)
	}
	return fmt.Sprintf("%s:%d/%d", r.Source, r.ID, r.Seq)
}

// check refuses a reference that names no token.
func (r MeterTokenRef) check() (MeterTokenRef, error) {
	if r.Source == SourceEngineering && r.Seq == 0 {
		r.Seq = 1
	}
	switch {
	case r.Source != SourceVend && r.Source != SourceEngineering:
		return r, core.Errorf(core.CodeInvalid, ReasonInvalidMeterTokenRef, "a token is a vend's or an engineering token's, not %q", r.Source).OnField("source")
	case r.ID <= 0:
		return r, core.Errorf(core.CodeInvalid, ReasonInvalidMeterTokenRef, "a token names its record's id").OnField("id")
	case r.Seq <= 0 || r.Source == SourceEngineering && r.Seq != 1:
		return r, core.Errorf(core.CodeInvalid, ReasonInvalidMeterTokenRef, "a vend's token names its place on the vend, from 1; an engineering token's is 1").OnField("seq")
	}
	return r, nil
}

// PurposeEngineering is the purpose of an engineering or test token in a meter's history, beside
// a vend's (core.PurposeCredit, core.PurposeFreeBasic, core.PurposeKeyChange).
const PurposeEngineering core.TokenPurpose = "engineering"

// MeterTokenRecord is one token a meter was given, as the store keeps it: with its digits, which only
// ReprintToken shows.
type MeterTokenRecord struct {
	Ref         MeterTokenRef
	MeterID     int64
	MeterNumber string
	UtilityID   int64
	Purpose     core.TokenPurpose
	Kind        sts.Kind
	Token       sts.Token
	TID         sts.TID     // 0 for key change and test tokens
	Energy      core.Energy // a credit or free basic token's, in tenths of the meter's unit
	Value       uint64      // an engineering token's (core.EngineeringRequest.Value)
	// Paid and Currency are the vend's payment, on its credit token only.
	Paid     core.Money
	Currency string
	// Channel, AgentID, Reference and Status are the vend's; "" and 0 for an engineering token.
	Channel   string
	AgentID   int64
	Reference string
	Status    string
	// RequestedBy and Reason are an engineering token's: who asked and why.
	RequestedBy string
	Reason      string
	At          time.Time
	Reprints    int64
}

// MeterTokenStore reads the tokens meters were given and counts their reprints.
type MeterTokenStore interface {
	// TokenHistory returns a meter's tokens, newest first (by time, then record and place, each
	// descending), from offset on, at most limit.
	TokenHistory(ctx context.Context, meterID int64, offset, limit int) ([]MeterTokenRecord, error)
	// MeterTokenRecord returns one token, or a not_found error.
	MeterTokenRecord(ctx context.Context, ref MeterTokenRef) (MeterTokenRecord, error)
	// CountReprint adds one to a token's reprint counter, recording when and by whom, and returns
	// the new count.
	CountReprint(ctx context.Context, ref MeterTokenRef, at time.Time, by string) (int64, error)
}

// Token management actions.
const (
	ActionMeterTokenHistory Action = "meter.token_history"
	ActionMeterTokenReprint Action = "meter.token_reprint"
)

// MeterTokenView is a token as lists, the API and the audit trail show it: the digits masked but for
// the last four (core.MaskTokens), the rest as recorded.
type MeterTokenView struct {
	Source      TokenSource `json:"source"`
	RecordID    int64       `json:"record_id"`
	Seq         int         `json:"seq"`
	MeterNumber string      `json:"meter_number"`
	Purpose     string      `json:"purpose"`
	Kind        string      `json:"kind"`
	Token       string      `json:"token"` // masked: "****-****-****-****-7890"
	TID         uint32      `json:"tid"`
	Energy      int64       `json:"energy,omitempty"`
	Value       uint64      `json:"value"`
	Paid        int64       `json:"paid,omitempty"`
	Currency    string      `json:"currency,omitempty"`
	Channel     string      `json:"channel,omitempty"`
	AgentID     int64       `json:"agent_id,omitempty"`
	Reference   string      `json:"reference,omitempty"`
	Status      string      `json:"status,omitempty"`
	RequestedBy string      `json:"requested_by,omitempty"`
	Reason      string      `json:"reason,omitempty"`
	At          time.Time   `json:"at"`
	Reprints    int64       `json:"reprints"`
}

// View returns the token's view, its digits masked.
func (r MeterTokenRecord) View() MeterTokenView {
	return MeterTokenView{
		Source: r.Ref.Source, RecordID: r.Ref.ID, Seq: r.Ref.Seq, MeterNumber: r.MeterNumber, Purpose: string(r.Purpose),
		Kind: r.Kind.String(), Token: core.MaskTokens(r.Token.Display()), TID: uint32(r.TID), Energy: int64(r.Energy),
		Value: r.Value, Paid: int64(r.Paid), Currency: r.Currency, Channel: r.Channel, AgentID: r.AgentID,
		Reference: r.Reference, Status: r.Status, RequestedBy: r.RequestedBy, Reason: core.MaskTokens(r.Reason),
		At: r.At.UTC(), Reprints: r.Reprints,
	}
}

// MaxMeterTokenPage bounds the tokens one page of a history holds.
const MaxMeterTokenPage = 500

// MeterTokenPage selects a page of a meter's history, newest first: Offset tokens skipped, at most
// Limit (1 to MaxMeterTokenPage; 0 is MaxMeterTokenPage).
type MeterTokenPage struct {
	Offset int
	Limit  int
}

func (p MeterTokenPage) checked() (MeterTokenPage, error) {
	switch {
	case p.Offset < 0:
		return p, core.Errorf(core.CodeInvalid, ReasonInvalidMeterTokenPage, "the page offset must not be negative").OnField("offset")
	case p.Limit < 0 || p.Limit > MaxMeterTokenPage:
		return p, core.Errorf(core.CodeInvalid, ReasonInvalidMeterTokenPage, "a page holds 1 to %d tokens", MaxMeterTokenPage).OnField("limit")
	case p.Limit == 0:
		p.Limit = MaxMeterTokenPage
	}
	return p, nil
}

// MeterTokenHistory returns every token a meter was given, newest first, across every channel,
// agent and operator: each with its kind, TID, amount, who gave it and how often it was
// reprinted, its digits masked (ReprintToken shows them).
func (s *Service) MeterTokenHistory(ctx context.Context, a Actor, meterNumber string, page MeterTokenPage) ([]MeterTokenView, error) {
	return read(ctx, s, a, PermMetersRead, ActionMeterTokenHistory, func(ctx context.Context) ([]MeterTokenView, error) {
		page, err := page.checked()
		if err != nil {
			return nil, err
		}
		view, err := s.meterInScope(ctx, a, PermMetersRead, ActionMeterTokenHistory, meterNumber)
		if err != nil {
			return nil, err
		}
		recs, err := s.store.TokenHistory(ctx, view.Meter.ID, page.Offset, page.Limit)
		if err != nil {
			return nil, err
		}
		out := make([]MeterTokenView, len(recs))
		for i, r := range recs {
			out[i] = r.View()
		}
		return out, nil
	})
}

// meterInScope finds a registered meter of the actor's utility: a meter of another utility is a
// refusal, audited (inScope).
func (s *Service) meterInScope(ctx context.Context, a Actor, perm Permission, action Action, number string) (core.MeterView, error) {
	if err := core.CheckMeterNumber(number); err != nil {
		return core.MeterView{}, fieldOf(err, "meter_number")
	}
	view, err := s.store.MeterByNumber(ctx, number)
	if isNotFound(err) {
		return view, core.Errorf(core.CodeNotFound, core.ReasonMeterNotFound, "meter %s is not registered", number).OnField("meter_number")
	}
	if err != nil {
		return view, err
	}
	if err := s.inScope(ctx, a, perm, action, "meter:"+itoa(view.Meter.ID), view.Utility.ID); err != nil {
		return view, err
	}
	return view, nil
}

// fieldOf names the field of a core error that names none.
func fieldOf(err error, field string) error {
	var e *core.Error
	if errors.As(err, &e) && e.Field == "" {
		return e.OnField(field)
	}
	return err
}

// ShownToken is a token with its digits: as issued to the operator who asked for it
// (IssueEngineeringToken), or reprinted (ReprintToken), with how often it has been reprinted.
type ShownToken struct {
	MeterTokenView
	// Digits is the token in the 4-4-4-4-4 form printed on receipts; no list and no audit entry
	// carries it.
	Digits string `json:"digits"`
}

// ReprintToken shows a token's digits again, for a customer or a technician who lost them: a
// vend's token needs vends.read, an engineering token meters.read. Each reprint is counted on the
// token and audited (without the digits).
func (s *Service) ReprintToken(ctx context.Context, a Actor, ref MeterTokenRef) (ShownToken, error) {
	perm := PermVendsRead
	if ref.Source == SourceEngineering {
		perm = PermMetersRead
	}
	return act(ctx, s, a, perm, ActionMeterTokenReprint, func(ctx context.Context) (ShownToken, Change, error) {
		ref, err := ref.check()
		if err != nil {
			return ShownToken{}, Change{}, err
		}
		rec, err := s.store.MeterTokenRecord(ctx, ref)
		if isNotFound(err) {
			return ShownToken{}, Change{}, core.Errorf(core.CodeNotFound, ReasonMeterTokenNotFound, "token %s does not exist", ref).OnField("id")
		}
		if err != nil {
			return ShownToken{}, Change{}, err
		}
		if err := s.inScope(ctx, a, perm, ActionMeterTokenReprint, ref.String(), rec.UtilityID); err != nil {
			return ShownToken{}, Change{}, err
		}
		before := rec.View()
		if rec.Reprints, err = s.store.CountReprint(ctx, ref, s.now().UTC().Truncate(time.Microsecond), a.Name()); err != nil {
			return ShownToken{}, Change{}, err
		}
		after := rec.View()
		return ShownToken{MeterTokenView: after, Digits: rec.Token.Display()}, Change{Target: ref.String(), Before: before, After: after, Detail: fmt.Sprintf("reprint %d", rec.Reprints)}, nil
	})
}
