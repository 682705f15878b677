package backoffice

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/vendgate/vendgate/core"
)

// Meter readings are imported from a CSV, one reading a row, with a header row naming the
// columns (in any order; case and surrounding spaces do not matter):
//
//	meter_number  the meter number
//	reading       the register, in the kind's unit with at most one decimal: 1234.5
//	read_at       when it was read: RFC 3339 (2025-03-01T08:00:00Z), or 2025-03-01 08:00 or
//	              2025-03-01, in UTC
var readingColumns = []string{"meter_number", "reading", "read_at"}

// MaxReadingRows bounds one readings import: it is written all or nothing.
const MaxReadingRows = 100_000

// ReadingRow is one row of a readings CSV, its fields parsed.
type ReadingRow struct {
	Row         int // the row of the file, the header being row 1
	MeterNumber string
	Reading     core.Energy // tenths of the unit
	ReadAt      time.Time
}

// DecodeReadingCSV reads a readings CSV (readingColumns) and checks every field of every row;
// the error names each bad row and column (the first MaxRowErrors of them).
func DecodeReadingCSV(r io.Reader) ([]ReadingRow, error) {
	bad := func(format string, args ...any) error {
		return core.Errorf(core.CodeInvalid, ReasonInvalidReadingRow, format, args...).OnField("file")
	}
	lr := &io.LimitedReader{R: r, N: MaxImportBytes + 1}
	cr := csv.NewReader(lr)
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, bad("the file is empty: it needs a header row (%s)", strings.Join(readingColumns, ","))
	}
	if err != nil {
		return nil, csvErrorAs(ReasonInvalidReadingRow, err)
	}
	cols := make(map[string]int, len(readingColumns))
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := cols[name]; dup {
			return nil, bad("row 1: column %s appears twice", shown(name))
		}
		cols[name] = i
	}
	for _, name := range readingColumns {
		if _, ok := cols[name]; !ok {
			return nil, bad("row 1: column %s is missing (the columns are %s)", name, strings.Join(readingColumns, ","))
		}
	}
	if len(cols) != len(readingColumns) {
		return nil, bad("row 1: the columns are %s and no others", strings.Join(readingColumns, ","))
	}
	var (
		rows []ReadingRow
		errs rowErrors
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if lr.N <= 0 {
			return nil, bad("the file is larger than %d MiB", MaxImportBytes>>20)
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
				line, _ := cr.FieldPos(0)
				errs.add(line, "", "%d columns, the header has %d", len(rec), len(header))
				continue
			}
			return nil, csvErrorAs(ReasonInvalidReadingRow, err)
		}
		if len(rows)+errs.total >= MaxReadingRows {
			return nil, bad("the file has more than %d rows: split it", MaxReadingRows)
		}
		line, _ := cr.FieldPos(0)
		if row, ok := parseReadingRow(line, rec, cols, &errs); ok {
			rows = append(rows, row)
		}
	}
	if lr.N <= 0 {
		return nil, bad("the file is larger than %d MiB", MaxImportBytes>>20)
	}
	if err := errs.errAs(ReasonInvalidReadingRow); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, bad("the file has a header but no readings")
	}
	return rows, nil
}

// parseReadingRow parses one record, adding each bad field to bad.
func parseReadingRow(line int, rec []string, cols map[string]int, bad *rowErrors) (ReadingRow, bool) {
	before := bad.total
	field := func(name string) string { return strings.TrimSpace(rec[cols[name]]) }
	row := ReadingRow{Row: line, MeterNumber: field("meter_number")}
	if _, err := core.ParseMeterNumber(row.MeterNumber); err != nil {
		bad.add(line, "meter_number", "%s", core.AsError(err).Message)
	}
	var ok bool
	if row.Reading, ok = parseTenths(field("reading")); !ok {
		bad.add(line, "reading", "%s is not a reading with at most one decimal, 0 or more", shown(field("reading")))
	}
	if row.ReadAt, ok = parseReadAt(field("read_at")); !ok {
		bad.add(line, "read_at", "%s is not a time (2025-03-01T08:00:00Z, 2025-03-01 08:00 or 2025-03-01)", shown(field("read_at")))
	}
	return row, bad.total == before
}

// maxReading bounds a reading: a register of 10^12 units is beyond any meter's.
const maxReading = core.Energy(10_000_000_000_000)

// parseTenths parses "1234.5" or "1234" as tenths.
func parseTenths(s string) (core.Energy, bool) {
	whole, frac, dotted := strings.Cut(s, ".")
	if whole == "" || len(whole) > 13 || dotted && len(frac) != 1 {
		return 0, false
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, false
	}
	e := core.Energy(w * 10)
	if dotted {
		e += core.Energy(frac[0] - '0')
	}
	return e, e <= maxReading
}

// parseReadAt parses a reading's time, in UTC unless it names its zone.
func parseReadAt(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil && t.Year() >= 1970 && t.Year() < 10000 {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// ReadingsImported is what an import did (or, in a dry run, would do).
type ReadingsImported struct {
	Rows   int  `json:"rows"`
	DryRun bool `json:"dry_run"`
}

// ImportReadings imports a readings CSV for meters of the actor's utility, all or nothing: each
// bad row is named by row and column (a meter that is not registered or is another utility's
// too); a dry run checks everything and writes nothing.
func (s *Service) ImportReadings(ctx context.Context, a Actor, r io.Reader, dryRun bool) (ReadingsImported, error) {
	if err := s.allow(ctx, a, PermMetersReadings, ActionReadingImport, ""); err != nil {
		return ReadingsImported{}, err
	}
	rows, err := DecodeReadingCSV(r)
	if err != nil {
		return ReadingsImported{}, err
	}
	check := func(ctx context.Context) ([]*MeterReading, error) {
		now := s.now().UTC().Truncate(time.Microsecond)
		var (
			out  []*MeterReading
			errs rowErrors
			ids  = map[string]int64{}
		)
		for _, row := range rows {
			id, known := ids[row.MeterNumber]
			if !known {
				m, err := s.store.MeterStock(ctx, row.MeterNumber)
				switch {
				case isNotFound(err) || err == nil && !a.InUtility(m.UtilityID):
					errs.add(row.Row, "meter_number", "meter %s is not registered in the utility", row.MeterNumber)
					ids[row.MeterNumber] = 0
					continue
				case err != nil:
					return nil, err
				}
				id, ids[row.MeterNumber] = m.MeterID, m.MeterID
			}
			if id == 0 {
				errs.add(row.Row, "meter_number", "meter %s is not registered in the utility", row.MeterNumber)
				continue
			}
			if row.ReadAt.After(now.Add(time.Minute)) {
				errs.add(row.Row, "read_at", "%s is in the future", row.ReadAt.Format(time.RFC3339))
				continue
			}
			out = append(out, &MeterReading{MeterID: id, MeterNumber: row.MeterNumber, Reading: row.Reading,
				ReadAt: row.ReadAt.Truncate(time.Microsecond), Source: ReadingImport, RecordedBy: a.Name(), CreatedAt: now})
		}
		return out, errs.errAs(ReasonInvalidReadingRow)
	}
	if dryRun {
		out, err := check(ctx)
		return ReadingsImported{Rows: len(out), DryRun: true}, storeError(err)
	}
	return act(ctx, s, a, PermMetersReadings, ActionReadingImport, func(ctx context.Context) (ReadingsImported, Change, error) {
		out, err := check(ctx)
		if err != nil {
			return ReadingsImported{}, Change{}, err
		}
		if err := s.store.AddReadings(ctx, out); err != nil {
			return ReadingsImported{}, Change{}, err
		}
		res := ReadingsImported{Rows: len(out)}
		return res, Change{Target: "readings", After: res, Detail: itoa(int64(len(out))) + " readings imported"}, nil
	})
}
