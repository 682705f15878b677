package backoffice

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

// Engineering and test tokens for a registered meter, issued by the product for an operator
// (core.Engineer): set power limit, clear credit, clear tamper, set tariff rate, set phase
// unbalance limit, set water factor (water meters), class 1 test tokens.

// EngineeringStore is what engineering tokens need from storage: the meter, core's engineering
// transaction, and the tokens' history and reprints.
type EngineeringStore interface {
	core.MeterReader
	core.EngineeringStore
	MeterTokenStore
}

// WithTokenIssuer sets the token issuer (core.SoftIssuer, or a hardware security module) that
// encodes engineering tokens under each meter's decoder key. A service without one refuses to
// issue them.
func WithTokenIssuer(issuer core.TokenIssuer) Option { return func(s *Service) { s.issuer = issuer } }

// The reasons of engineering tokens and token management.
const (
	ReasonUnknownTokenKind      core.Reason = "unknown_token_kind"       // the kind is not an engineering or test token
	ReasonInvalidReason         core.Reason = "invalid_reason"           // a reason is missing or too long: the action records why it is done
	ReasonInvalidMeterTokenRef  core.Reason = "invalid_meter_token_ref"  // a reprint names no token
	ReasonMeterTokenNotFound    core.Reason = "meter_token_not_found"    // a reprint names a token that does not exist
	ReasonInvalidMeterTokenPage core.Reason = "invalid_meter_token_page" // a history's page is out of range
	ReasonNoTokenIssuer         core.Reason = "no_token_issuer"          // the service was built without a token issuer
)

var engineeringReasons = map[core.Reason]core.Code{
	ReasonUnknownTokenKind:      core.CodeInvalid,
	ReasonInvalidReason:         core.CodeInvalid,
	ReasonInvalidMeterTokenRef:  core.CodeInvalid,
	ReasonMeterTokenNotFound:    core.CodeNotFound,
	ReasonInvalidMeterTokenPage: core.CodeInvalid,
	ReasonNoTokenIssuer:         core.CodeInternal,
}

func init() { reasonLists = append(reasonLists, engineeringReasons) }

// ActionEngineeringToken is the audit trail's name for issuing an engineering or test token.
const ActionEngineeringToken Action = "meter.engineering_token"

// MaxTokenReason bounds the reason given for an engineering token, in bytes.
const MaxTokenReason = 500

// EngineeringRequest asks for an engineering or test token for a meter. Kind is one of
// EngineeringKindNames; Value is what the token sets (core.EngineeringRequest explains each
// kind's); Reason, required, says why.
type EngineeringRequest struct {
	MeterNumber string
	Kind        string
	Value       uint64
	Reason      string
}

// EngineeringKindNames lists the kinds an operator may ask for, in the standard's order.
func EngineeringKindNames() []string {
	var out []string
	for _, k := range core.EngineeringKinds() {
		out = append(out, k.String())
	}
	return out
}

// parseEngineeringKind returns the kind an operator named.
func parseEngineeringKind(name string) (sts.Kind, error) {
	for _, k := range core.EngineeringKinds() {
		if k.String() == name {
			return k, nil
		}
	}
	return sts.Kind{}, core.Errorf(core.CodeInvalid, ReasonUnknownTokenKind, "token kind %q is not one of %s",
		name, strings.Join(EngineeringKindNames(), ", ")).OnField("kind")
}

// ActionClearCredit is issuing a clear credit token: the engineering token the approval policy
// covers, since it takes the customer's credit off the meter.
const ActionClearCredit Action = "meter.clear_credit"

// clearCreditGate: by default every clear credit token waits for a second operator. Vendgate
// does not know how much credit is on the meter, so the request weighs no amount: its policy is
// "always" or "never".
var clearCreditGate = newGate(ActionClearCredit, PermMetersEngineering, ApprovalPolicy{Required: true}, (*Service).issueEngineering)

// IssueEngineeringToken issues an engineering or test token for a meter of the operator's
// utility and records it with the reason and who asked, audited without its digits. The result
// carries the digits for the operator who asked; the history masks them and ReprintToken shows
// them again. A clear credit token goes through the approval policy (ActionClearCredit): when
// it waits for a second operator, the result is the pending request, and once approved the
// token is in the meter's history for the maker to reprint.
func (s *Service) IssueEngineeringToken(ctx context.Context, a Actor, r EngineeringRequest) (Result[ShownToken], error) {
	if r.Kind != sts.KindClearCredit.String() {
		v, err := act(ctx, s, a, PermMetersEngineering, ActionEngineeringToken, func(ctx context.Context) (ShownToken, Change, error) {
			o, _, err := s.engineeringOrder(ctx, a, ActionEngineeringToken, r)
			if err != nil {
				return ShownToken{}, Change{}, err
			}
			return s.issueEngineering(ctx, o)
		})
		return Result[ShownToken]{Value: v}, err
	}
	if err := s.allow(ctx, a, PermMetersEngineering, ActionClearCredit, ""); err != nil {
		return Result[ShownToken]{}, err
	}
	o, view, err := s.engineeringOrder(ctx, a, ActionClearCredit, r)
	if err != nil {
		return Result[ShownToken]{}, storeError(err)
	}
	if s.issuer == nil {
		return Result[ShownToken]{}, errNoIssuer()
	}
	return clearCreditGate.submit(ctx, s, a, submission{target: "meter:" + itoa(view.Meter.ID), utilityID: view.Utility.ID,
		summary: fmt.Sprintf("clear credit register %d of meter %s: %s", o.Value, o.MeterNumber, core.MaskTokens(o.Reason))}, o)
}

// engineeringOrder is an engineering token as an operator asked for it, checked: what
// issueEngineering makes (and, under the approval policy, a request's stored payload).
type engineeringOrder struct {
	MeterNumber string `json:"meter_number"`
	Kind        string `json:"kind"`
	Value       uint64 `json:"value"`
	Reason      string `json:"reason"`
	Maker       string `json:"maker"` // who asked (actorName), as the token's record names them
}

// engineeringOrder checks a request and the meter it names, of the actor's utility.
func (s *Service) engineeringOrder(ctx context.Context, a Actor, action Action, r EngineeringRequest) (engineeringOrder, core.MeterView, error) {
	kind, reason, err := checkEngineeringRequest(r)
	if err != nil {
		return engineeringOrder{}, core.MeterView{}, err
	}
	view, err := s.meterInScope(ctx, a, PermMetersEngineering, action, r.MeterNumber)
	if err != nil {
		return engineeringOrder{}, view, err
	}
	if err := core.CheckEngineering(view.Meter, kind, r.Value); err != nil {
		return engineeringOrder{}, view, err
	}
	return engineeringOrder{MeterNumber: view.Meter.Number, Kind: kind.String(), Value: r.Value, Reason: reason, Maker: actorName(a)}, view, nil
}

// issueEngineering makes and records the token an order asks for, in the caller's transaction.
func (s *Service) issueEngineering(ctx context.Context, o engineeringOrder) (ShownToken, Change, error) {
	kind, err := parseEngineeringKind(o.Kind)
	if err != nil {
		return ShownToken{}, Change{}, err
	}
	if s.issuer == nil {
		return ShownToken{}, Change{}, errNoIssuer()
	}
	eng := &core.Engineer{Meters: s.store, Store: s.store, Issuer: s.issuer, Clock: s.now, Random: rand.Reader}
	t, err := eng.Issue(ctx, core.EngineeringRequest{MeterNumber: o.MeterNumber, Kind: kind, Value: o.Value,
		Reason: o.Reason, Actor: o.Maker})
	if err != nil {
		return ShownToken{}, Change{}, err
	}
	rec := engineeringRecord(t)
	v := rec.View()
	return ShownToken{MeterTokenView: v, Digits: t.Token.Display()},
		Change{Target: rec.Ref.String(), After: v, Detail: "reason: " + core.MaskTokens(o.Reason)}, nil
}

func errNoIssuer() error {
	return core.Errorf(core.CodeInternal, ReasonNoTokenIssuer, "the back office was started without a token issuer")
}

// checkEngineeringRequest checks what does not depend on the meter: the kind and the reason.
func checkEngineeringRequest(r EngineeringRequest) (sts.Kind, string, error) {
	kind, err := parseEngineeringKind(r.Kind)
	if err != nil {
		return kind, "", err
	}
	reason := strings.TrimSpace(r.Reason)
	switch {
	case reason == "":
		return kind, "", core.Errorf(core.CodeInvalid, ReasonInvalidReason, "an engineering token needs a reason").OnField("reason")
	case len(reason) > MaxTokenReason:
		return kind, "", core.Errorf(core.CodeInvalid, ReasonInvalidReason, "the reason is longer than %d characters", MaxTokenReason).OnField("reason")
	}
	return kind, reason, nil
}

// actorName is how a token's record names who asked: "operator:7 thandi".
func actorName(a Actor) string { return fmt.Sprintf("%s:%d %s", a.Kind(), a.ID(), a.Name()) }

// engineeringRecord is an issued engineering token as the history lists it.
func engineeringRecord(t *core.EngineeringToken) MeterTokenRecord {
	return MeterTokenRecord{
		Ref: MeterTokenRef{Source: SourceEngineering, ID: t.ID, Seq: 1}, MeterID: t.MeterID, MeterNumber: t.MeterNumber,
		UtilityID: t.UtilityID, Purpose: PurposeEngineering, Kind: t.Kind, Token: t.Token, TID: t.TID, Value: t.Value,
		RequestedBy: t.RequestedBy, Reason: t.Reason, At: t.CreatedAt,
	}
}
