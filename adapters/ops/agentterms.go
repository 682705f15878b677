package ops

import (
	"net/http"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/backoffice"
)

// An agent's terms: its signed contracts and its sales limits.

// signAgentContract is POST /ops/v1/agents/{id}/contracts: {start_date (2006-01-02),
// commission_rate ("0.025"), credit_limit (minor units), hall_id, area, document_ref}. Under the
// approval policy: 200 done, 202 waiting.
func (s *Server) signAgentContract(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	var (
		n     = backoffice.NewAgentContract{AgentID: id}
		rate  string
		limit int64
	)
	if err := x.decode(s, "an agent contract",
		httpkit.Required("start_date", &n.StartDate, "a date (2026-12-01)"),
		httpkit.Required("commission_rate", &rate, `a decimal string ("0.025")`),
		httpkit.Required("credit_limit", &limit, "an integer amount in minor units"),
		httpkit.Optional("hall_id", &n.HallID, "an integer (0: none)"),
		httpkit.Optional("area", &n.Area, "a string"),
		httpkit.Optional("document_ref", &n.DocumentRef, "a string naming the signed document"),
	); err != nil {
		return err
	}
	d, err := decimal.NewFromString(rate)
	if err != nil {
		return badField("commission_rate", `commission_rate must be a decimal string ("0.025")`)
	}
	n.CommissionRate, n.CreditLimit = d, moneyOf(limit)
	r, err := s.cfg.AgentTerms.SignAgentContract(x.r.Context(), x.actor, n)
	return gated(x, r, err)
}

// cancelAgentContract is POST /ops/v1/agents/{id}/contract/cancel: {reason}: the agent's
// contract in force is cancelled.
func (s *Server) cancelAgentContract(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	var reason string
	if err := x.decode(s, "a contract's cancellation", httpkit.Required("reason", &reason, "a string saying why")); err != nil {
		return err
	}
	c, err := s.cfg.AgentTerms.CancelAgentContract(x.r.Context(), x.actor, id, reason)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, c)
}

// agentContracts is GET /ops/v1/agents/{id}/contracts: oldest first, the history of its terms.
func (s *Server) agentContracts(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	list, err := s.cfg.AgentTerms.AgentContracts(x.r.Context(), x.actor, id)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, page[backoffice.AgentContract]{Items: nonNil(list)})
}

// setSalesLimits is PUT /ops/v1/agents/{id}/sales-limits: {daily_limit, monthly_limit} (minor
// units, 0: none).
func (s *Server) setSalesLimits(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	var daily, monthly int64
	if err := x.decode(s, "sales limits",
		httpkit.Required("daily_limit", &daily, "an integer amount in minor units (0: none)"),
		httpkit.Required("monthly_limit", &monthly, "an integer amount in minor units (0: none)"),
	); err != nil {
		return err
	}
	v, err := s.cfg.AgentTerms.SetSalesLimits(x.r.Context(), x.actor, id, moneyOf(daily), moneyOf(monthly))
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, v)
}

// salesLimits is GET /ops/v1/agents/{id}/sales-limits: the limits and what the agent sold.
func (s *Server) salesLimits(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	v, err := s.cfg.AgentTerms.SalesLimits(x.r.Context(), x.actor, id)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, v)
}
