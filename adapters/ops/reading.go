package ops

import (
	"errors"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// Meter readings: recorded one by one or imported from a CSV, and what they tell (consumption,
// its exceptions, the meters suspected of tampering).

// recordReading is POST /ops/v1/readings: {meter_number, reading (tenths of the unit), read_at
// (RFC 3339)}.
func (s *Server) recordReading(x *exchange) error {
	var (
		n       backoffice.NewReading
		reading int64
		at      string
	)
	if err := x.decode(s, "a meter reading",
		httpkit.Required("meter_number", &n.MeterNumber, "a string"),
		httpkit.Required("reading", &reading, "an integer in tenths of the unit"),
		httpkit.Required("read_at", &at, "an RFC 3339 time (2026-12-03T09:00:00Z)"),
	); err != nil {
		return err
	}
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return badField("read_at", "read_at must be an RFC 3339 time (2026-12-03T09:00:00Z)")
	}
	n.Reading, n.ReadAt = core.Energy(reading), t
	r, err := s.cfg.Readings.RecordReading(x.r.Context(), x.actor, n)
	if err != nil {
		return err
	}
	return x.json(http.StatusCreated, r)
}

// importReadings is POST /ops/v1/readings/import?dry_run=: a readings CSV (text/csv), all or
// nothing: a bad row is a 400 naming the rows and columns. A dry run answers 200 and writes
// nothing; a real one 201.
func (s *Server) importReadings(x *exchange) error {
	if mt, _, err := mime.ParseMediaType(x.r.Header.Get("Content-Type")); err != nil || mt != "text/csv" {
		return &httpkit.StatusError{Status: http.StatusUnsupportedMediaType,
			Err: core.Errorf(core.CodeInvalid, httpkit.ReasonUnsupportedMediaType, "the body must be text/csv")}
	}
	dry, err := boolParam(x, "dry_run")
	if err != nil {
		return err
	}
	body := http.MaxBytesReader(x.w, x.r.Body, backoffice.MaxImportBytes+1)
	res, err := s.cfg.Readings.ImportReadings(x.r.Context(), x.actor, body, dry)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &httpkit.StatusError{Status: http.StatusRequestEntityTooLarge,
			Err: core.Errorf(core.CodeInvalid, httpkit.ReasonBodyTooLarge, "the file is larger than %d MiB: split it", backoffice.MaxImportBytes>>20)}
	}
	if err != nil {
		return err
	}
	if dry {
		return x.json(http.StatusOK, res)
	}
	return x.json(http.StatusCreated, res)
}

// boolParam parses an optional boolean query parameter (false when left out).
func boolParam(x *exchange, name string) (bool, error) {
	v := x.r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, badParam(name, "%s must be true or false", name)
	}
	return b, nil
}

// period reads ?from= and ?to= (RFC 3339); the back office checks the period.
func period(x *exchange) (from, to time.Time, err error) {
	if from, err = timeParam(x, "from"); err != nil {
		return
	}
	to, err = timeParam(x, "to")
	return
}

// meterReadings is GET /ops/v1/meters/{number}/readings?from=&to=: oldest first.
func (s *Server) meterReadings(x *exchange) error {
	from, to, err := period(x)
	if err != nil {
		return err
	}
	list, err := s.cfg.Readings.MeterReadingsOf(x.r.Context(), x.actor, x.r.PathValue("number"), from, to)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, page[backoffice.MeterReading]{Items: nonNil(list)})
}

// meterConsumption is GET /ops/v1/meters/{number}/consumption?from=&to=.
func (s *Server) meterConsumption(x *exchange) error {
	from, to, err := period(x)
	if err != nil {
		return err
	}
	c, err := s.cfg.Readings.MeterConsumption(x.r.Context(), x.actor, x.r.PathValue("number"), from, to)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, c)
}

// consumptionExceptions is GET /ops/v1/consumption-exceptions?utility_id=&from=&to=.
func (s *Server) consumptionExceptions(x *exchange) error {
	utility, err := utilityParam(x)
	if err != nil {
		return err
	}
	from, to, err := period(x)
	if err != nil {
		return err
	}
	e, err := s.cfg.Readings.Exceptions(x.r.Context(), x.actor, utility, from, to)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, e)
}

// defaultSuspectRatio is ?ratio_percent= of GET /ops/v1/tamper-suspects when left out.
const defaultSuspectRatio = 150

// tamperSuspects is GET /ops/v1/tamper-suspects?utility_id=&from=&to=&ratio_percent=: meters
// that used more than ratio_percent per cent of the credit they received.
func (s *Server) tamperSuspects(x *exchange) error {
	utility, err := utilityParam(x)
	if err != nil {
		return err
	}
	from, to, err := period(x)
	if err != nil {
		return err
	}
	ratio, err := intParam(x, "ratio_percent", defaultSuspectRatio, 100, 100_000)
	if err != nil {
		return err
	}
	list, err := s.cfg.Readings.TamperSuspects(x.r.Context(), x.actor, utility, from, to, ratio)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, page[backoffice.Consumption]{Items: nonNil(list)})
}
