package backoffice

import (
	"context"
	"strings"
	"time"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

// Refunds (not reversals): money paid back to a customer for credit that was not used — a meter
// removed with credit on it, a duplicate payment. Every refund is asked for by one operator
// (refunds.request) and, under the approval policy, run by a second (refunds.approve): it pays
// the customer by a method (cash at the counter, their wallet, or through an agent, whose float
// is credited), posts its balanced ledger entries against the utility's refunds account, and,
// when the credit is still on an installed meter, issues the clear credit token in the same
// approved action.

// RefundMethod is how a refund reaches the customer.
type RefundMethod string

// Refund methods.
const (
	RefundCash   RefundMethod = "cash"   // paid out at the counter: utility:<u>:cash
	RefundWallet RefundMethod = "wallet" // credited to the customer's wallet: customer:<id>:wallet
	RefundAgent  RefundMethod = "agent"  // paid by an agent, whose float is credited: agent:<id>
)

// Refund is a refund paid: the ledger entries say where the money went.
type Refund struct {
	ID          int64        `json:"id"`
	UtilityID   int64        `json:"utility_id"`
	CustomerID  int64        `json:"customer_id"`
	ContractID  int64        `json:"contract_id"`
	MeterNumber string       `json:"meter_number"`
	Amount      core.Money   `json:"amount"`
	Method      RefundMethod `json:"method"`
	AgentID     int64        `json:"agent_id,omitempty"`
	Reason      string       `json:"reason"`
	RequestedBy string       `json:"requested_by"`
	At          time.Time    `json:"at"`
	// Token is the clear credit token issued with the refund, masked; nil for none.
	Token *MeterTokenView `json:"token,omitempty"`
}

// RefundStore keeps refunds.
type RefundStore interface {
	// PayRefund stores r, sets its ID and posts its entries, in one transaction (the caller's
	// when there is one): utility:<u>:refunds debited r.Amount and, by method, utility:<u>:cash,
	// core.CustomerWalletAccount or the agent's account credited (the agent's balance moved with
	// it; an agent not of the utility is not_found).
	PayRefund(ctx context.Context, r *Refund) error
}

// RefundRequest asks to refund a customer for credit not used, on one of their contracts.
// ClearCredit asks for the clear credit token of the contract's meter (open) with the refund.
type RefundRequest struct {
	ContractID  int64
	Amount      core.Money
	Method      RefundMethod
	AgentID     int64 // for RefundAgent
	Reason      string
	ClearCredit bool
}

// ActionRefund is paying a refund.
const ActionRefund Action = "customer.refund"

// The reasons of refunds.
const (
	ReasonInvalidRefund core.Reason = "invalid_refund"
)

var refundReasons = map[core.Reason]core.Code{ReasonInvalidRefund: core.CodeInvalid}

func init() { reasonLists = append(reasonLists, refundReasons) }

// refundOrder is a refund as requested and checked: the gate's payload.
type refundOrder struct {
	ContractID  int64        `json:"contract_id"`
	CustomerID  int64        `json:"customer_id"`
	UtilityID   int64        `json:"utility_id"`
	MeterNumber string       `json:"meter_number"`
	Amount      core.Money   `json:"amount"`
	Method      RefundMethod `json:"method"`
	AgentID     int64        `json:"agent_id,omitempty"`
	Reason      string       `json:"reason"`
	ClearCredit bool         `json:"clear_credit"`
	Maker       string       `json:"maker"`
}

// refundGate: every refund waits for a second operator, who needs refunds.approve; a utility may
// set a threshold under which small ones run at once.
var refundGate = newGate(ActionRefund, PermRefundsApprove, ApprovalPolicy{Required: true}, (*Service).payRefund)

// RequestRefund asks for a refund (refunds.request) and submits it to the approval policy,
// weighing its amount. The contract must be of the operator's utility, an agent paying it too,
// and a clear credit token needs the contract open (its meter installed) and a token issuer.
func (s *Service) RequestRefund(ctx context.Context, a Actor, r RefundRequest) (Result[Refund], error) {
	target := contractTarget(r.ContractID)
	if err := s.allow(ctx, a, PermRefundsRequest, ActionRefund, target); err != nil {
		return Result[Refund]{}, err
	}
	bad := func(field, format string, args ...any) (Result[Refund], error) {
		return Result[Refund]{}, core.Errorf(core.CodeInvalid, ReasonInvalidRefund, format, args...).OnField(field)
	}
	reason := strings.TrimSpace(r.Reason)
	switch {
	case r.Amount <= 0 || r.Amount > maxAdjustment:
		return bad("amount", "a refund is a positive amount of at most %d minor units", maxAdjustment)
	case r.Method != RefundCash && r.Method != RefundWallet && r.Method != RefundAgent:
		return bad("method", "a refund is paid by %s, %s or %s, not %q", RefundCash, RefundWallet, RefundAgent, r.Method)
	case r.Method == RefundAgent && r.AgentID <= 0:
		return bad("agent_id", "a refund through an agent names the agent")
	case r.Method != RefundAgent && r.AgentID != 0:
		return bad("agent_id", "only a refund through an agent names an agent")
	case reason == "" || len([]rune(reason)) > 200:
		return bad("reason", "a refund needs a reason of 1 to 200 characters")
	}
	c, m, err := s.contractInScope(ctx, a, PermRefundsRequest, ActionRefund, r.ContractID)
	if err != nil {
		return Result[Refund]{}, err
	}
	if r.Method == RefundAgent {
		ag, err := s.store.Agent(ctx, r.AgentID)
		if isNotFound(err) || err == nil && ag.UtilityID != m.UtilityID {
			return bad("agent_id", "agent %d is not an agent of the contract's utility", r.AgentID)
		}
		if err != nil {
			return Result[Refund]{}, storeError(err)
		}
	}
	if r.ClearCredit {
		switch {
		case c.Status != ContractOpen:
			return bad("clear_credit", "contract %d is closed: its meter is not installed to take a clear credit token", c.ID)
		case s.issuer == nil:
			return Result[Refund]{}, errNoIssuer()
		}
	}
	o := refundOrder{ContractID: c.ID, CustomerID: c.CustomerID, UtilityID: m.UtilityID, MeterNumber: c.MeterNumber, Amount: r.Amount,
		Method: r.Method, AgentID: r.AgentID, Reason: reason, ClearCredit: r.ClearCredit, Maker: actorName(a)}
	summary := "refund " + itoa(int64(r.Amount)) + " by " + string(r.Method) + " to " + c.Customer + " (contract " + itoa(c.ID) + ")"
	if r.ClearCredit {
		summary += " and clear the credit of meter " + c.MeterNumber
	}
	return refundGate.submit(ctx, s, a, submission{target: target, utilityID: m.UtilityID, amount: r.Amount,
		summary: summary + ": " + core.MaskTokens(reason)}, o)
}

// payRefund pays an approved refund and issues its clear credit token, in the caller's
// transaction: a token that cannot be issued rolls the payment back.
func (s *Service) payRefund(ctx context.Context, o refundOrder) (Refund, Change, error) {
	r := Refund{UtilityID: o.UtilityID, CustomerID: o.CustomerID, ContractID: o.ContractID, MeterNumber: o.MeterNumber, Amount: o.Amount,
		Method: o.Method, AgentID: o.AgentID, Reason: o.Reason, RequestedBy: o.Maker, At: s.now().UTC().Truncate(time.Microsecond)}
	if err := s.store.PayRefund(ctx, &r); err != nil {
		if isNotFound(err) && o.Method == RefundAgent {
			return Refund{}, Change{}, core.Errorf(core.CodeInvalid, ReasonInvalidRefund, "agent %d is not an agent of the contract's utility", o.AgentID).OnField("agent_id")
		}
		return Refund{}, Change{}, err
	}
	detail := "reason: " + core.MaskTokens(o.Reason)
	if o.ClearCredit {
		t, _, err := s.issueEngineering(ctx, engineeringOrder{MeterNumber: o.MeterNumber, Kind: sts.KindClearCredit.String(),
			Reason: "refund " + itoa(r.ID) + ": " + o.Reason, Maker: o.Maker})
		if err != nil {
			return Refund{}, Change{}, err
		}
		v := t.MeterTokenView
		r.Token = &v
		detail += "; clear credit token " + string(v.Source) + ":" + itoa(v.RecordID)
	}
	return r, Change{Target: contractTarget(o.ContractID), After: r, Detail: detail}, nil
}
