package ops

import (
	"net/http"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// openContract is POST /ops/v1/contracts: {customer_id, meter_number, tariff_id, site_id,
// opening_arrears}. The meter, in store or issued, is installed on the contract.
func (s *Server) openContract(x *exchange) error {
	var (
		n       backoffice.NewContract
		arrears int64
	)
	if err := x.decode(s, "a new contract",
		httpkit.Required("customer_id", &n.CustomerID, "an integer"),
		httpkit.Required("meter_number", &n.MeterNumber, "a string"),
		httpkit.Required("tariff_id", &n.TariffID, "an integer"),
		httpkit.Optional("site_id", &n.SiteID, "an integer (0: none)"),
		httpkit.Optional("opening_arrears", &arrears, "an integer amount in minor units"),
	); err != nil {
		return err
	}
	n.OpeningArrears = moneyOf(arrears)
	c, err := s.cfg.Contracts.OpenContract(x.r.Context(), x.actor, n)
	if err != nil {
		return err
	}
	return created(x, "/ops/v1/contracts", c.ID, c)
}

// closeContract is POST /ops/v1/contracts/{id}/close: {closing_reading, arrears_outcome
// (settled or carried)}. The meter is removed from the contract.
func (s *Server) closeContract(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	var (
		reading int64
		outcome string
	)
	if err := x.decode(s, "a contract's closing",
		httpkit.Required("closing_reading", &reading, "an integer in tenths of the unit"),
		httpkit.Optional("arrears_outcome", &outcome, "settled or carried"),
	); err != nil {
		return err
	}
	c, err := s.cfg.Contracts.CloseContract(x.r.Context(), x.actor, id, core.Energy(reading), backoffice.ArrearsOutcome(outcome))
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, c)
}

// listContracts is GET /ops/v1/contracts?customer_id=&meter_number=&status=&utility_id=&after=&limit=.
func (s *Server) listContracts(x *exchange) error {
	var q backoffice.ContractQuery
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"after", &q.AfterID}, {"utility_id", &q.UtilityID}, {"customer_id", &q.CustomerID}} {
		v, err := intParam(x, p.name, 0, 0, maxInt)
		if err != nil {
			return err
		}
		*p.dst = v
	}
	limit, err := intParam(x, "limit", defaultStockPage, 1, backoffice.MaxListPage)
	if err != nil {
		return err
	}
	v := x.r.URL.Query()
	q.Limit, q.MeterNumber, q.Status = int(limit), v.Get("meter_number"), backoffice.ContractStatus(v.Get("status"))
	list, err := s.cfg.Contracts.Contracts(x.r.Context(), x.actor, q)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, newPage(list, q.Limit, func(c backoffice.Contract) int64 { return c.ID }))
}
