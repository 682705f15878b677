package ops

import (
	"context"
	"net/http"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// A contract's debt: read, added to, adjusted and written off.

// debtJSON is the answer of GET /ops/v1/contracts/{id}/debt.
type debtJSON struct {
	ContractID int64      `json:"contract_id"`
	Debt       core.Money `json:"debt"`
}

// showDebt is GET /ops/v1/contracts/{id}/debt: what the contract holds of its customer's debt.
func (s *Server) showDebt(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	d, err := s.cfg.Debts.ContractDebtOf(x.r.Context(), x.actor, id)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, debtJSON{ContractID: id, Debt: d})
}

// debtChange reads a change of a contract's debt: the {id} and {amount (minor units), reason}.
func (s *Server) debtChange(x *exchange, what string) (int64, core.Money, string, error) {
	id, err := pathID(x)
	if err != nil {
		return 0, 0, "", err
	}
	var (
		amount int64
		reason string
	)
	if err := x.decode(s, what,
		httpkit.Required("amount", &amount, "an integer amount in minor units"),
		httpkit.Required("reason", &reason, "a string saying why"),
	); err != nil {
		return 0, 0, "", err
	}
	return id, moneyOf(amount), reason, nil
}

// moveDebt is the handler of POST /ops/v1/contracts/{id}/debt/additions and .../adjustments:
// {amount, reason}; the answer is the contract's debt after.
func (s *Server) moveDebt(what string, do func(context.Context, backoffice.Actor, int64, core.Money, string) (backoffice.ContractDebt, error)) func(*exchange) error {
	return func(x *exchange) error {
		id, amount, reason, err := s.debtChange(x, what)
		if err != nil {
			return err
		}
		d, err := do(x.r.Context(), x.actor, id, amount, reason)
		if err != nil {
			return err
		}
		return x.json(http.StatusOK, d)
	}
}

// writeOffDebt is POST /ops/v1/contracts/{id}/debt/write-offs: {amount, reason}, under the
// approval policy (200 done, 202 waiting).
func (s *Server) writeOffDebt(x *exchange) error {
	id, amount, reason, err := s.debtChange(x, "a debt write-off")
	if err != nil {
		return err
	}
	r, err := s.cfg.Debts.WriteOffDebt(x.r.Context(), x.actor, id, amount, reason)
	return gated(x, r, err)
}
