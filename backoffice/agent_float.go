package backoffice

import (
	"context"
	"errors"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/core"
)

// AgentMoneyStore changes what an agent's float and terms hold. Every method joins the caller's
// transaction, and the float moves only with its ledger entries, so that an agent's balance is
// always the sum of its entries.
type AgentMoneyStore interface {
	// Agent returns an agent, or not_found.
	Agent(ctx context.Context, id int64) (core.Agent, error)
	// AdjustAgentFloat adds amount (negative: a debit) to the agent's balance with the balanced
	// entries agent:<id> +amount and utility:<u>:adjustment -amount, memo on both. A debit that
	// would take the balance below minus the credit limit is insufficient_funds and changes
	// nothing. It returns the agent after.
	AdjustAgentFloat(ctx context.Context, agentID int64, amount core.Money, memo string) (core.Agent, error)
	// ChangeAgentTerms reads the agent, locked until the caller's transaction ends, lets change set
	// its CreditLimit and CommissionRate (nothing else is written) and stores them; it returns the
	// agent before and after.
	ChangeAgentTerms(ctx context.Context, agentID int64, change func(a *core.Agent) error) (before, after core.Agent, err error)
}

// Agent money actions.
const (
	ActionFloatAdjust    Action = "agent.adjust_float"
	ActionCreditLimitSet Action = "agent.set_credit_limit"
	ActionCommissionSet  Action = "agent.set_commission_rate"
)

// The reasons of agents' money.
const (
	ReasonInvalidAdjustment core.Reason = "invalid_float_adjustment"
	ReasonInvalidTerms      core.Reason = "invalid_agent_terms"
	ReasonTermsChanged      core.Reason = "agent_terms_changed" // the limit or rate changed since the request was made
)

var agentMoneyReasons = map[core.Reason]core.Code{
	ReasonInvalidAdjustment: core.CodeInvalid,
	ReasonInvalidTerms:      core.CodeInvalid,
	ReasonTermsChanged:      core.CodeConflict,
}

func init() { reasonLists = append(reasonLists, agentMoneyReasons) }

// maxAdjustment bounds one float adjustment or credit limit (minor units), far above any real
// one and far below where sums could overflow.
const maxAdjustment core.Money = 1e15

// ViewAgent returns an agent's back-office view.
func ViewAgent(a core.Agent) AgentView {
	return AgentView{ID: a.ID, UtilityID: a.UtilityID, Name: a.Name, Kind: string(a.Kind), Balance: int64(a.Balance),
		CreditLimit: int64(a.CreditLimit), CommissionRate: a.CommissionRate.String(), Active: a.Active, Currency: a.Currency.Code}
}

// floatAdjustment is a float adjustment's payload.
type floatAdjustment struct {
	AgentID int64      `json:"agent_id"`
	Amount  core.Money `json:"amount"`
	Reason  string     `json:"reason"`
}

// creditLimitChange and commissionChange are their changes' payloads: From is the value the
// maker saw, so that a change made meanwhile refuses the approval instead of being overwritten.
type creditLimitChange struct {
	AgentID int64      `json:"agent_id"`
	From    core.Money `json:"from"`
	To      core.Money `json:"to"`
}

type commissionChange struct {
	AgentID int64           `json:"agent_id"`
	From    decimal.Decimal `json:"from"`
	To      decimal.Decimal `json:"to"`
}

// The gates of agents' money: by default every float adjustment, credit limit and commission
// rate change waits for a second operator.
var (
	floatGate      = newGate(ActionFloatAdjust, PermFloatAdjust, ApprovalPolicy{Required: true}, (*Service).adjustFloat)
	creditGate     = newGate(ActionCreditLimitSet, PermCreditLimit, ApprovalPolicy{Required: true}, (*Service).setCreditLimit)
	commissionGate = newGate(ActionCommissionSet, PermCreditLimit, ApprovalPolicy{Required: true}, (*Service).setCommissionRate)
)

// agentFor checks the actor's permission, reads the agent and checks the actor's scope.
func (s *Service) agentFor(ctx context.Context, a Actor, perm Permission, action Action, agentID int64) (core.Agent, error) {
	target := agentTarget(agentID)
	if err := s.allow(ctx, a, perm, action, target); err != nil {
		return core.Agent{}, err
	}
	ag, err := s.store.Agent(ctx, agentID)
	if isNotFound(err) {
		return ag, core.Errorf(core.CodeNotFound, core.ReasonAgentNotFound, "agent %d does not exist", agentID).OnField("agent_id")
	}
	if err != nil {
		return ag, storeError(err)
	}
	return ag, s.inScope(ctx, a, perm, action, target, ag.UtilityID)
}

// AdjustFloat credits (amount > 0) or debits (amount < 0) an agent's float, outside a sale: a
// correction, a settlement, a float taken back. The entries are the agent's account against the
// utility's adjustment account, the reason in their memo; a debit may not take the balance below
// minus the credit limit. The approval policy weighs the amount's size.
func (s *Service) AdjustFloat(ctx context.Context, a Actor, agentID int64, amount core.Money, reason string) (Result[AgentView], error) {
	ag, err := s.agentFor(ctx, a, PermFloatAdjust, ActionFloatAdjust, agentID)
	if err != nil {
		return Result[AgentView]{}, err
	}
	reason = strings.TrimSpace(reason)
	size := max(amount, -amount)
	switch {
	case amount == 0 || size > maxAdjustment:
		return Result[AgentView]{}, core.Errorf(core.CodeInvalid, ReasonInvalidAdjustment, "an adjustment is a non-zero amount of at most %s minor units either way", maxAdjustment).OnField("amount")
	case reason == "" || len([]rune(reason)) > 200:
		return Result[AgentView]{}, core.Errorf(core.CodeInvalid, ReasonInvalidAdjustment, "an adjustment needs a reason of 1 to 200 characters").OnField("reason")
	case amount < 0 && ag.Balance+amount < -ag.CreditLimit:
		return Result[AgentView]{}, errFloatShort(ag, amount)
	}
	return floatGate.submit(ctx, s, a, submission{target: agentTarget(agentID), utilityID: ag.UtilityID, amount: size,
		summary: "adjust the float of agent " + itoa(agentID) + " (" + ag.Name + ") by " + ag.Currency.Format(amount) + ": " + reason},
		floatAdjustment{AgentID: agentID, Amount: amount, Reason: reason})
}

func errFloatShort(ag core.Agent, amount core.Money) error {
	return core.Errorf(core.CodeInsufficientFunds, core.ReasonInsufficientFunds, "a debit of %s would take agent %d's balance of %s below its credit limit of %s",
		ag.Currency.Format(-amount), ag.ID, ag.Currency.Format(ag.Balance), ag.Currency.Format(ag.CreditLimit)).OnField("amount")
}

func (s *Service) adjustFloat(ctx context.Context, p floatAdjustment) (AgentView, Change, error) {
	after, err := s.store.AdjustAgentFloat(ctx, p.AgentID, p.Amount, "float adjustment: "+p.Reason)
	if errors.Is(err, core.ErrInsufficientFunds) {
		ag, rerr := s.store.Agent(ctx, p.AgentID)
		if rerr != nil {
			return AgentView{}, Change{}, rerr
		}
		return AgentView{}, Change{}, errFloatShort(ag, p.Amount)
	}
	if err != nil {
		return AgentView{}, Change{}, err
	}
	before := after
	before.Balance -= p.Amount
	return ViewAgent(after), Change{Target: agentTarget(p.AgentID), Before: ViewAgent(before), After: ViewAgent(after), Detail: p.Reason}, nil
}

// SetCreditLimit sets how far below zero an agent's float may go. The policy weighs the
// increase (a lower limit weighs 0). The change applies only if the limit is still the one the
// maker saw, so an approval never overwrites a change made meanwhile.
func (s *Service) SetCreditLimit(ctx context.Context, a Actor, agentID int64, limit core.Money) (Result[AgentView], error) {
	ag, err := s.agentFor(ctx, a, PermCreditLimit, ActionCreditLimitSet, agentID)
	if err != nil {
		return Result[AgentView]{}, err
	}
	switch {
	case limit < 0 || limit > maxAdjustment:
		return Result[AgentView]{}, core.Errorf(core.CodeInvalid, ReasonInvalidTerms, "a credit limit is 0 to %s minor units", maxAdjustment).OnField("credit_limit")
	case limit == ag.CreditLimit:
		return Result[AgentView]{}, core.Errorf(core.CodeInvalid, ReasonInvalidTerms, "agent %d's credit limit is %s already", agentID, ag.Currency.Format(limit)).OnField("credit_limit")
	}
	return creditGate.submit(ctx, s, a, submission{target: agentTarget(agentID), utilityID: ag.UtilityID, amount: max(limit-ag.CreditLimit, 0),
		summary: "set the credit limit of agent " + itoa(agentID) + " (" + ag.Name + ") from " + ag.Currency.Format(ag.CreditLimit) + " to " + ag.Currency.Format(limit)},
		creditLimitChange{AgentID: agentID, From: ag.CreditLimit, To: limit})
}

func (s *Service) setCreditLimit(ctx context.Context, p creditLimitChange) (AgentView, Change, error) {
	before, after, err := s.store.ChangeAgentTerms(ctx, p.AgentID, func(ag *core.Agent) error {
		if ag.CreditLimit != p.From {
			return core.Errorf(core.CodeConflict, ReasonTermsChanged, "agent %d's credit limit changed from %s to %s since the request was made; make a new one",
				p.AgentID, ag.Currency.Format(p.From), ag.Currency.Format(ag.CreditLimit))
		}
		ag.CreditLimit = p.To
		return nil
	})
	if err != nil {
		return AgentView{}, Change{}, err
	}
	return ViewAgent(after), Change{Target: agentTarget(p.AgentID), Before: ViewAgent(before), After: ViewAgent(after)}, nil
}

// SetCommissionRate sets an agent's commission rate, at least 0 and below 1. The policy has no
// amount to weigh: it asks a second operator for every change or for none. As with the credit
// limit, the change applies only if the rate is still the one the maker saw.
func (s *Service) SetCommissionRate(ctx context.Context, a Actor, agentID int64, rate decimal.Decimal) (Result[AgentView], error) {
	ag, err := s.agentFor(ctx, a, PermCreditLimit, ActionCommissionSet, agentID)
	if err != nil {
		return Result[AgentView]{}, err
	}
	switch {
	case rate.IsNegative() || rate.GreaterThanOrEqual(decimal.NewFromInt(1)):
		return Result[AgentView]{}, core.Errorf(core.CodeInvalid, ReasonInvalidTerms, "a commission rate is at least 0 and below 1").OnField("commission_rate")
	case rate.Equal(ag.CommissionRate):
		return Result[AgentView]{}, core.Errorf(core.CodeInvalid, ReasonInvalidTerms, "agent %d's commission rate is %s already", agentID, rate).OnField("commission_rate")
	}
	return commissionGate.submit(ctx, s, a, submission{target: agentTarget(agentID), utilityID: ag.UtilityID,
		summary: "set the commission rate of agent " + itoa(agentID) + " (" + ag.Name + ") from " + ag.CommissionRate.String() + " to " + rate.String()},
		commissionChange{AgentID: agentID, From: ag.CommissionRate, To: rate})
}

func (s *Service) setCommissionRate(ctx context.Context, p commissionChange) (AgentView, Change, error) {
	before, after, err := s.store.ChangeAgentTerms(ctx, p.AgentID, func(ag *core.Agent) error {
		if !ag.CommissionRate.Equal(p.From) {
			return core.Errorf(core.CodeConflict, ReasonTermsChanged, "agent %d's commission rate changed from %s to %s since the request was made; make a new one",
				p.AgentID, p.From, ag.CommissionRate)
		}
		ag.CommissionRate = p.To
		return nil
	})
	if err != nil {
		return AgentView{}, Change{}, err
	}
	return ViewAgent(after), Change{Target: agentTarget(p.AgentID), Before: ViewAgent(before), After: ViewAgent(after)}, nil
}
