package ops

import (
	"errors"
	"mime"
	"net/http"
	"strconv"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// defaultStockPage is the page of the storage's lists when ?limit= is left out.
const defaultStockPage = 100

// listStock is GET /ops/v1/stock?state=&batch_id=&utility_id=&after=&limit=: meters in storage,
// a page by meter ID.
func (s *Server) listStock(x *exchange) error {
	var q backoffice.StockQuery
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"after", &q.AfterID}, {"utility_id", &q.UtilityID}, {"batch_id", &q.BatchID}} {
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
	q.Limit, q.State = int(limit), backoffice.StockState(x.r.URL.Query().Get("state"))
	list, err := s.cfg.Stock.StockMeters(x.r.Context(), x.actor, q)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, newPage(list, q.Limit, func(m backoffice.MeterStock) int64 { return m.MeterID }))
}

// showStock is GET /ops/v1/stock/{number}: a meter's place in storage.
func (s *Server) showStock(x *exchange) error {
	m, err := s.cfg.Stock.MeterStockOf(x.r.Context(), x.actor, x.r.PathValue("number"))
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, m)
}

// listMovements is GET /ops/v1/stock/{number}/movements: the meter's moves, oldest first.
func (s *Server) listMovements(x *exchange) error {
	list, err := s.cfg.Stock.MeterMovements(x.r.Context(), x.actor, x.r.PathValue("number"))
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, page[backoffice.Movement]{Items: nonNil(list)})
}

// moveMeter is POST /ops/v1/stock/{number}/movements: {to, reason, technician}. The answer is
// the meter where it is now.
func (s *Server) moveMeter(x *exchange) error {
	m := backoffice.StockMove{MeterNumber: x.r.PathValue("number")}
	var to string
	if err := x.decode(s, "a stock move",
		httpkit.Required("to", &to, "a stock state"),
		httpkit.Required("reason", &m.Reason, "a string saying why"),
		httpkit.Optional("technician", &m.Technician, "a string (required to issue a meter)"),
	); err != nil {
		return err
	}
	m.To = backoffice.StockState(to)
	out, err := s.cfg.Stock.MoveMeter(x.r.Context(), x.actor, m)
	if err != nil {
		return err
	}
	return x.json(http.StatusCreated, out)
}

// listBatches is GET /ops/v1/meter-batches?utility_id=&after=&limit=.
func (s *Server) listBatches(x *exchange) error {
	var q backoffice.BatchQuery
	after, err := intParam(x, "after", 0, 0, maxInt)
	if err != nil {
		return err
	}
	utility, err := intParam(x, "utility_id", 0, 0, maxInt)
	if err != nil {
		return err
	}
	limit, err := intParam(x, "limit", defaultStockPage, 1, backoffice.MaxListPage)
	if err != nil {
		return err
	}
	q.AfterID, q.UtilityID, q.Limit = after, utility, int(limit)
	list, err := s.cfg.Stock.MeterBatches(x.r.Context(), x.actor, q)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, newPage(list, q.Limit, func(b backoffice.Batch) int64 { return b.ID }))
}

// importBatch is POST /ops/v1/meter-batches?reference=&manufacturer=&note=&utility_id=&dry_run=:
// a manufacturer's CSV (text/csv) received as a batch. Every row is checked first: a bad row is
// a 400 naming the rows and columns, and nothing is written. A dry run answers 200 with the
// counts and writes nothing; a real one 201 with the batch.
func (s *Server) importBatch(x *exchange) error {
	if mt, _, err := mime.ParseMediaType(x.r.Header.Get("Content-Type")); err != nil || mt != "text/csv" {
		return &httpkit.StatusError{Status: http.StatusUnsupportedMediaType,
			Err: core.Errorf(core.CodeInvalid, httpkit.ReasonUnsupportedMediaType, "the body must be text/csv")}
	}
	v := x.r.URL.Query()
	utility, err := intParam(x, "utility_id", 0, 0, maxInt)
	if err != nil {
		return err
	}
	dry := false
	if d := v.Get("dry_run"); d != "" {
		if dry, err = strconv.ParseBool(d); err != nil {
			return badParam("dry_run", "dry_run must be true or false")
		}
	}
	info := backoffice.BatchInfo{UtilityID: utility, Reference: v.Get("reference"), Manufacturer: v.Get("manufacturer"), Note: v.Get("note")}
	body := http.MaxBytesReader(x.w, x.r.Body, backoffice.MaxImportBytes+1)
	res, err := s.cfg.Stock.ImportMeters(x.r.Context(), x.actor, info, body, dry, nil)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &httpkit.StatusError{Status: http.StatusRequestEntityTooLarge,
			Err: core.Errorf(core.CodeInvalid, httpkit.ReasonBodyTooLarge, "the file is larger than %d MiB: split it into batches", backoffice.MaxImportBytes>>20)}
	}
	if err != nil {
		return err
	}
	if dry {
		return x.json(http.StatusOK, res)
	}
	return created(x, "/ops/v1/meter-batches", res.Batch.ID, res)
}
