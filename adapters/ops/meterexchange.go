package ops

import (
	"net/http"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// Meter exchange: a contract's meter replaced by another, its remaining credit carried.

// exchangeJSON is what an exchange did: the exchange, and the new meter's credit token with its
// digits for the operator (left out when no credit was carried).
type exchangeJSON struct {
	Exchange backoffice.MeterExchange `json:"exchange"`
	Token    *backoffice.ShownToken   `json:"token,omitempty"`
}

// exchangeMeter is POST /ops/v1/meter-exchanges: {contract_id, old_meter_number,
// new_meter_number, old_reading, remaining_credit (tenths of the unit), reason}. Under the
// approval policy: 200 done, 202 waiting.
func (s *Server) exchangeMeter(x *exchange) error {
	var (
		e                  backoffice.Exchange
		reading, remaining int64
	)
	if err := x.decode(s, "a meter exchange",
		httpkit.Required("contract_id", &e.ContractID, "an integer"),
		httpkit.Optional("old_meter_number", &e.OldMeterNumber, "a string (the contract's meter)"),
		httpkit.Required("new_meter_number", &e.NewMeterNumber, "a string"),
		httpkit.Optional("old_reading", &reading, "an integer in tenths of the unit"),
		httpkit.Optional("remaining_credit", &remaining, "an integer in tenths of the unit to carry to the new meter"),
		httpkit.Required("reason", &e.Reason, "a string saying why"),
	); err != nil {
		return err
	}
	e.OldReading, e.RemainingCredit = core.Energy(reading), core.Energy(remaining)
	r, err := s.cfg.Exchanges.ExchangeMeter(x.r.Context(), x.actor, e)
	return gatedAs(x, r, err, func(v backoffice.ExchangeResult) any { return exchangeJSON{Exchange: v.Exchange, Token: v.Token} })
}

// contractMeters is GET /ops/v1/contracts/{id}/meters: the meters the contract has had.
func (s *Server) contractMeters(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	list, err := s.cfg.Exchanges.ContractMeterHistory(x.r.Context(), x.actor, id)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, page[backoffice.ContractMeter]{Items: nonNil(list)})
}

// contractExchanges is GET /ops/v1/contracts/{id}/exchanges: the contract's meter exchanges.
func (s *Server) contractExchanges(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	list, err := s.cfg.Exchanges.MeterExchanges(x.r.Context(), x.actor, id)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, page[backoffice.MeterExchange]{Items: nonNil(list)})
}
