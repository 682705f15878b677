package ops

import (
	"net/http"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/backoffice"
)

// Tamper cases and the disconnection and reconnection orders they issue.

// penaltyJSON is a tamper case's penalty: an entry of the catalogue of charges.
type penaltyJSON struct {
	ChargeTypeID int64  `json:"charge_type_id"`
	Method       string `json:"method"`
	Share        string `json:"share"`
}

// reportTamper is POST /ops/v1/tamper-cases: {meter_number, source (staff or readings), reason,
// penalty {charge_type_id, method, share}}.
func (s *Server) reportTamper(x *exchange) error {
	var (
		n       backoffice.NewTamperCase
		source  string
		penalty *penaltyJSON
	)
	if err := x.decode(s, "a tamper case",
		httpkit.Required("meter_number", &n.MeterNumber, "a string"),
		httpkit.Optional("source", &source, "staff or readings (default staff)"),
		httpkit.Required("reason", &n.Reason, "a string saying what was found"),
		httpkit.Optional("penalty", &penalty, "{charge_type_id, method, share}"),
	); err != nil {
		return err
	}
	if source == "" {
		source = string(backoffice.TamperByStaff)
	}
	n.Source = backoffice.TamperSource(source)
	if penalty != nil {
		p := backoffice.TamperPenalty{ChargeTypeID: penalty.ChargeTypeID, Method: backoffice.ChargeMethod(penalty.Method)}
		if penalty.Share != "" {
			d, err := decimal.NewFromString(penalty.Share)
			if err != nil {
				return badField("penalty", `penalty.share must be a decimal string ("0.1")`)
			}
			p.Share = d
		}
		n.Penalty = &p
	}
	r, err := s.cfg.Tampering.ReportTamper(x.r.Context(), x.actor, n)
	if err != nil {
		return err
	}
	return created(x, "/ops/v1/tamper-cases", r.Case.ID, r)
}

// resolutionJSON is what resolving a case did; the token carries its digits for the operator.
type resolutionJSON struct {
	Case         backoffice.TamperCase        `json:"case"`
	Token        backoffice.ShownToken        `json:"token"`
	StatusChange backoffice.MeterStatusChange `json:"status_change"`
	Reconnection backoffice.MeterOrder        `json:"reconnection"`
}

// resolveTamper is POST /ops/v1/tamper-cases/{id}/resolve: {resolution}. The clear tamper
// token is issued, vending unblocked and a reconnection order issued.
func (s *Server) resolveTamper(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	var resolution string
	if err := x.decode(s, "a tamper case's resolution", httpkit.Required("resolution", &resolution, "a string saying how it was settled")); err != nil {
		return err
	}
	r, err := s.cfg.Tampering.ResolveTamper(x.r.Context(), x.actor, id, resolution)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, resolutionJSON{Case: r.Case, Token: r.Token, StatusChange: r.StatusChange, Reconnection: r.Reconnection})
}

// completeOrder is POST /ops/v1/meter-orders/{id}/complete: {note}.
func (s *Server) completeOrder(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	var note string
	if err := x.decodeOptional(s, "an order's completion", httpkit.Optional("note", &note, "a string")); err != nil {
		return err
	}
	o, err := s.cfg.Tampering.CompleteOrder(x.r.Context(), x.actor, id, note)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, o)
}

// listParams reads the ?utility_id=, ?meter_id=, ?after= and ?limit= of the tamper lists.
func listParams(x *exchange) (utility, meter, after int64, limit int, err error) {
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"utility_id", &utility}, {"meter_id", &meter}, {"after", &after}} {
		if *p.dst, err = intParam(x, p.name, 0, 0, maxInt); err != nil {
			return
		}
	}
	l, err := intParam(x, "limit", defaultStockPage, 1, backoffice.MaxListPage)
	return utility, meter, after, int(l), err
}

// listTamperCases is GET /ops/v1/tamper-cases?utility_id=&meter_id=&status=&after=&limit=.
func (s *Server) listTamperCases(x *exchange) error {
	var q backoffice.TamperQuery
	var err error
	if q.UtilityID, q.MeterID, q.AfterID, q.Limit, err = listParams(x); err != nil {
		return err
	}
	q.Status = backoffice.TamperStatus(x.r.URL.Query().Get("status"))
	list, err := s.cfg.Tampering.TamperCases(x.r.Context(), x.actor, q)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, newPage(list, q.Limit, func(c backoffice.TamperCase) int64 { return c.ID }))
}

// listMeterOrders is GET /ops/v1/meter-orders?utility_id=&meter_id=&tamper_case_id=&status=&after=&limit=.
func (s *Server) listMeterOrders(x *exchange) error {
	var q backoffice.OrderQuery
	var err error
	if q.UtilityID, q.MeterID, q.AfterID, q.Limit, err = listParams(x); err != nil {
		return err
	}
	if q.TamperCaseID, err = intParam(x, "tamper_case_id", 0, 0, maxInt); err != nil {
		return err
	}
	q.Status = backoffice.OrderStatus(x.r.URL.Query().Get("status"))
	list, err := s.cfg.Tampering.MeterOrders(x.r.Context(), x.actor, q)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, newPage(list, q.Limit, func(o backoffice.MeterOrder) int64 { return o.ID }))
}

// meterStatusHistory is GET /ops/v1/meters/{number}/status-history: the meter's status changes.
func (s *Server) meterStatusHistory(x *exchange) error {
	list, err := s.cfg.Tampering.MeterStatusHistory(x.r.Context(), x.actor, x.r.PathValue("number"))
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, page[backoffice.MeterStatusChange]{Items: nonNil(list)})
}
