package backoffice

import (
	"context"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/core"
)

// AgentContractStatus is where an agent contract stands: active until a new one supersedes it or it
// is cancelled.
type AgentContractStatus string

// Agent contract statuses.
const (
	AgentContractActive     AgentContractStatus = "active"
	AgentContractSuperseded AgentContractStatus = "superseded" // a later contract changed the terms
	AgentContractCancelled  AgentContractStatus = "cancelled"
)

// AgentContract is one signing of an agent's contract and its terms; an agent's contracts, oldest
// first, are the history of its terms. Signing applies its commission rate and credit limit to
// the agent. It holds no secret: it is its own view.
type AgentContract struct {
	ID             int64               `json:"id"`
	AgentID        int64               `json:"agent_id"`
	UtilityID      int64               `json:"utility_id"`
	Status         AgentContractStatus `json:"status"`
	StartDate      string              `json:"start_date"` // 2006-01-02
	CommissionRate decimal.Decimal     `json:"commission_rate"`
	CreditLimit    core.Money          `json:"credit_limit"`
	HallID         int64               `json:"hall_id,omitempty"` // the vending hall it serves, or
	Area           string              `json:"area,omitempty"`    // the area it serves
	DocumentRef    string              `json:"document_ref"`
	SignedAt       time.Time           `json:"signed_at"`
	SignedBy       string              `json:"signed_by"`
	EndedAt        time.Time           `json:"ended_at,omitzero"`
	EndReason      string              `json:"end_reason,omitempty"`
	EndedBy        string              `json:"ended_by,omitempty"`
}

// AgentContractStore keeps agents' contracts. Every method joins the caller's transaction.
type AgentContractStore interface {
	// SignAgentContract stores c as the agent's active contract (setting its ID), marks the one
	// active before it superseded at c.SignedAt, and sets the agent's contract state to active.
	SignAgentContract(ctx context.Context, c *AgentContract) error
	// CancelAgentContract cancels the agent's active contract (not_found when it has none) and
	// sets its contract state to cancelled, so that its vends are refused; it returns the contract
	// after.
	CancelAgentContract(ctx context.Context, agentID int64, reason, by string, at time.Time) (AgentContract, error)
	// AgentContracts returns an agent's contracts, oldest first.
	AgentContracts(ctx context.Context, agentID int64) ([]AgentContract, error)
}

// Agent contract actions.
const (
	ActionAgentContractSign   Action = "agent.contract_sign"
	ActionAgentContractCancel Action = "agent.contract_cancel"
	ActionAgentContractRead   Action = "agent.contract_read"
)

// ReasonInvalidAgentContract: an agent contract's field is missing or out of bounds.
const ReasonInvalidAgentContract core.Reason = "invalid_agent_contract"

var agentContractReasons = map[core.Reason]core.Code{ReasonInvalidAgentContract: core.CodeInvalid}

func init() { reasonLists = append(reasonLists, agentContractReasons) }

// NewAgentContract is what an operator signs.
type NewAgentContract struct {
	AgentID        int64
	StartDate      string // 2006-01-02
	CommissionRate decimal.Decimal
	CreditLimit    core.Money
	HallID         int64
	Area           string
	DocumentRef    string
}

// contractSigning is a signing's payload: the contract, and the agent's terms the maker saw, so
// that an approval never overwrites terms changed meanwhile.
type contractSigning struct {
	Contract AgentContract   `json:"contract"`
	FromRate decimal.Decimal `json:"from_rate"`
	FromCap  core.Money      `json:"from_credit_limit"`
}

// Signing sets the agent's credit limit and commission rate: the same permission and, by default,
// the same four eyes as changing them; the policy weighs the credit limit's increase.
var contractGate = newGate(ActionAgentContractSign, PermCreditLimit, ApprovalPolicy{Required: true}, (*Service).signContract)

func errContract(field, format string, args ...any) error {
	return core.Errorf(core.CodeInvalid, ReasonInvalidAgentContract, format, args...).OnField(field)
}

// SignAgentContract signs a contract for an agent: its start date, its terms (commission rate and
// credit limit, applied to the agent), the hall or the area it serves, and the signed document's
// reference. A contract signed while one is active supersedes it. An agent that has a contract
// sells only while one is active (CancelAgentContract).
func (s *Service) SignAgentContract(ctx context.Context, a Actor, n NewAgentContract) (Result[AgentContract], error) {
	ag, err := s.agentFor(ctx, a, PermCreditLimit, ActionAgentContractSign, n.AgentID)
	if err != nil {
		return Result[AgentContract]{}, err
	}
	n.Area, n.DocumentRef = strings.TrimSpace(n.Area), strings.TrimSpace(n.DocumentRef)
	if _, err := time.Parse(time.DateOnly, n.StartDate); err != nil {
		return Result[AgentContract]{}, errContract("start_date", "the start date is a date: 2006-01-02")
	}
	switch {
	case n.CommissionRate.IsNegative() || n.CommissionRate.GreaterThanOrEqual(decimal.NewFromInt(1)):
		return Result[AgentContract]{}, errContract("commission_rate", "a commission rate is at least 0 and below 1")
	case n.CreditLimit < 0 || n.CreditLimit > maxAdjustment:
		return Result[AgentContract]{}, errContract("credit_limit", "a credit limit is 0 to %s minor units", maxAdjustment)
	case n.HallID == 0 && n.Area == "":
		return Result[AgentContract]{}, errContract("hall_id", "a contract names the hall or the area the agent serves")
	case len([]rune(n.Area)) > 200:
		return Result[AgentContract]{}, errContract("area", "an area is at most 200 characters")
	case n.DocumentRef == "" || len([]rune(n.DocumentRef)) > 200:
		return Result[AgentContract]{}, errContract("document_ref", "a contract needs the signed document's reference, 1 to 200 characters")
	}
	if err := s.CheckHall(ctx, ag.UtilityID, n.HallID); err != nil {
		return Result[AgentContract]{}, err
	}
	c := AgentContract{AgentID: ag.ID, UtilityID: ag.UtilityID, Status: AgentContractActive, StartDate: n.StartDate,
		CommissionRate: n.CommissionRate, CreditLimit: n.CreditLimit, HallID: n.HallID, Area: n.Area, DocumentRef: n.DocumentRef, SignedBy: a.name}
	return contractGate.submit(ctx, s, a, submission{target: agentTarget(ag.ID), utilityID: ag.UtilityID, amount: max(n.CreditLimit-ag.CreditLimit, 0),
		summary: "sign a contract with agent " + itoa(ag.ID) + " (" + ag.Name + ") from " + n.StartDate + ": commission " + n.CommissionRate.String() +
			", credit limit " + ag.Currency.Format(n.CreditLimit) + ", document " + n.DocumentRef},
		contractSigning{Contract: c, FromRate: ag.CommissionRate, FromCap: ag.CreditLimit})
}

func (s *Service) signContract(ctx context.Context, p contractSigning) (AgentContract, Change, error) {
	c := p.Contract
	before, after, err := s.store.ChangeAgentTerms(ctx, c.AgentID, func(ag *core.Agent) error {
		if ag.CreditLimit != p.FromCap || !ag.CommissionRate.Equal(p.FromRate) {
			return core.Errorf(core.CodeConflict, ReasonTermsChanged, "agent %d's terms changed since the contract was submitted; submit it again", c.AgentID)
		}
		ag.CreditLimit, ag.CommissionRate = c.CreditLimit, c.CommissionRate
		return nil
	})
	if err != nil {
		return AgentContract{}, Change{}, err
	}
	c.SignedAt = s.now().UTC().Truncate(time.Microsecond)
	if err := s.store.SignAgentContract(ctx, &c); err != nil {
		return AgentContract{}, Change{}, err
	}
	return c, Change{Target: agentTarget(c.AgentID), Before: ViewAgent(before), After: struct {
		Agent    AgentView     `json:"agent"`
		Contract AgentContract `json:"contract"`
	}{ViewAgent(after), c}, Detail: "contract " + itoa(c.ID) + " signed, document " + c.DocumentRef}, nil
}

// CancelAgentContract cancels an agent's active contract with a reason: from then on its vends
// are refused (agent_no_contract) until a new contract is signed.
func (s *Service) CancelAgentContract(ctx context.Context, a Actor, agentID int64, reason string) (AgentContract, error) {
	if _, err := s.agentFor(ctx, a, PermAgentsManage, ActionAgentContractCancel, agentID); err != nil {
		return AgentContract{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len([]rune(reason)) > 200 {
		return AgentContract{}, errContract("reason", "a cancellation needs a reason of 1 to 200 characters")
	}
	return act(ctx, s, a, PermAgentsManage, ActionAgentContractCancel, func(ctx context.Context) (AgentContract, Change, error) {
		c, err := s.store.CancelAgentContract(ctx, agentID, reason, a.name, s.now().UTC().Truncate(time.Microsecond))
		if isNotFound(err) {
			return c, Change{}, errContract("agent_id", "agent %d has no active contract", agentID)
		}
		if err != nil {
			return c, Change{}, err
		}
		before := c
		before.Status, before.EndedAt, before.EndReason, before.EndedBy = AgentContractActive, time.Time{}, "", ""
		return c, Change{Target: agentTarget(agentID), Before: before, After: c, Detail: reason}, nil
	})
}

// AgentContracts returns an agent's contracts, oldest first: the history of its terms.
func (s *Service) AgentContracts(ctx context.Context, a Actor, agentID int64) ([]AgentContract, error) {
	if _, err := s.agentFor(ctx, a, PermAgentsRead, ActionAgentContractRead, agentID); err != nil {
		return nil, err
	}
	return read(ctx, s, a, PermAgentsRead, ActionAgentContractRead, func(ctx context.Context) ([]AgentContract, error) {
		return s.store.AgentContracts(ctx, agentID)
	})
}

// AgentContract returns one of an agent's contracts.
func (s *Service) AgentContract(ctx context.Context, a Actor, agentID, contractID int64) (AgentContract, error) {
	all, err := s.AgentContracts(ctx, a, agentID)
	if err != nil {
		return AgentContract{}, err
	}
	for _, c := range all {
		if c.ID == contractID {
			return c, nil
		}
	}
	return AgentContract{}, core.Errorf(core.CodeNotFound, core.ReasonNotFound, "agent %d has no contract %d", agentID, contractID).OnField("contract_id")
}
