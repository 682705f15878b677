package ops

import (
	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/backoffice"
)

// requestRefund is POST /ops/v1/refunds: {contract_id, amount (minor units), method (cash,
// wallet or agent), agent_id (agent only), reason, clear_credit}. Under the approval policy: 200
// with the refund when it ran, 202 with the request when it waits for a second operator.
func (s *Server) requestRefund(x *exchange) error {
	var (
		r      backoffice.RefundRequest
		amount int64
		method string
	)
	if err := x.decode(s, "a refund",
		httpkit.Required("contract_id", &r.ContractID, "an integer"),
		httpkit.Required("amount", &amount, "an integer amount in minor units"),
		httpkit.Required("method", &method, "cash, wallet or agent"),
		httpkit.Optional("agent_id", &r.AgentID, "an integer (method agent)"),
		httpkit.Required("reason", &r.Reason, "a string saying why"),
		httpkit.Optional("clear_credit", &r.ClearCredit, "a boolean: issue the meter's clear credit token"),
	); err != nil {
		return err
	}
	r.Amount, r.Method = moneyOf(amount), backoffice.RefundMethod(method)
	res, err := s.cfg.Refunds.RequestRefund(x.r.Context(), x.actor, r)
	return gated(x, res, err)
}
