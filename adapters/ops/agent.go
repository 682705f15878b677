package ops

import (
	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/core"
)

// moneyOf is an amount of minor units a body gave.
func moneyOf(v int64) core.Money { return core.Money(v) }

// adjustFloat is POST /ops/v1/agents/{id}/float-adjustments: {amount (minor units, negative to
// debit), reason}. 200 with the agent when it ran, 202 with the request when it waits.
func (s *Server) adjustFloat(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	var (
		amount int64
		reason string
	)
	if err := x.decode(s, "a float adjustment",
		httpkit.Required("amount", &amount, "an integer amount in minor units (negative to debit)"),
		httpkit.Required("reason", &reason, "a string saying why"),
	); err != nil {
		return err
	}
	r, err := s.cfg.Agents.AdjustFloat(x.r.Context(), x.actor, id, moneyOf(amount), reason)
	return gated(x, r, err)
}

// setCreditLimit is PUT /ops/v1/agents/{id}/credit-limit: {credit_limit (minor units)}.
func (s *Server) setCreditLimit(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	var limit int64
	if err := x.decode(s, "a credit limit", httpkit.Required("credit_limit", &limit, "an integer amount in minor units")); err != nil {
		return err
	}
	r, err := s.cfg.Agents.SetCreditLimit(x.r.Context(), x.actor, id, moneyOf(limit))
	return gated(x, r, err)
}

// setCommissionRate is PUT /ops/v1/agents/{id}/commission-rate: {commission_rate ("0.025")}.
func (s *Server) setCommissionRate(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	var rate string
	if err := x.decode(s, "a commission rate", httpkit.Required("commission_rate", &rate, `a decimal string ("0.025")`)); err != nil {
		return err
	}
	d, err := decimal.NewFromString(rate)
	if err != nil {
		return badField("commission_rate", `commission_rate must be a decimal string ("0.025")`)
	}
	r, err := s.cfg.Agents.SetCommissionRate(x.r.Context(), x.actor, id, d)
	return gated(x, r, err)
}
