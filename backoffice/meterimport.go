package backoffice

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

// Meters are received in batches: a manufacturer's CSV, one meter a row, with a header row naming
// the columns (in any order; case and surrounding spaces do not matter). The columns are named
// after `vendgate admin meter create`'s flags; the supply group is found by its code and key
// revision in the batch's utility, which gives the key its DKGA:
//
//	number     the meter number (11 digits, or 13 with IIN 0000)
//	kind       electricity, water or gas
//	sgc        the supply group code, 6 digits
//	krn        the key revision number, 1 to 15
//	ti         the tariff index, 0 to 99
//	kt         the key type, 1 to 3
//	ea         the encryption algorithm, 07 or 11
//	base-date  the token identifier base year: 1993, 2014 or 2035
//	ken        the key expiry number, 0 to 255 (255: none)
var importColumns = []string{"number", "kind", "sgc", "krn", "ti", "kt", "ea", "base-date", "ken"}

// Bounds of one import: a batch is written all or nothing, in one transaction.
const (
	MaxImportRows  = 200_000
	MaxImportBytes = 64 << 20
	// MaxRowErrors bounds the bad rows an import names; it counts the rest.
	MaxRowErrors = 20
)

// ImportRow is one meter of a manufacturer's CSV, its fields parsed.
type ImportRow struct {
	Row      int // the row of the file, the header being row 1
	Number   string
	Kind     core.MeterKind
	SGC      sts.SGC
	KRN      uint8
	TI       uint8
	KT       sts.KeyType
	EA       sts.EA
	BaseDate sts.BaseDate
	KEN      sts.KEN
}

// RowError names a bad row of an import and its bad column.
type RowError struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Problem string `json:"problem"`
}

func (e RowError) String() string {
	if e.Column == "" {
		return fmt.Sprintf("row %d: %s", e.Row, e.Problem)
	}
	return fmt.Sprintf("row %d, column %s: %s", e.Row, e.Column, e.Problem)
}

// rowErrors gathers the bad rows of an import.
type rowErrors struct {
	first []RowError
	total int
}

func (r *rowErrors) add(row int, column, format string, args ...any) {
	r.total++
	if len(r.first) < MaxRowErrors {
		r.first = append(r.first, RowError{Row: row, Column: column, Problem: fmt.Sprintf(format, args...)})
	}
}

// err returns nil for no bad rows, else an invalid error naming them.
func (r *rowErrors) err() error {
	if r.total == 0 {
		return nil
	}
	parts := make([]string, len(r.first))
	for i, e := range r.first {
		parts[i] = e.String()
	}
	msg := strings.Join(parts, "; ")
	if more := r.total - len(r.first); more > 0 {
		msg += fmt.Sprintf("; and %d more", more)
	}
	noun := "rows are"
	if r.total == 1 {
		noun = "row is"
	}
	return core.Errorf(core.CodeInvalid, ReasonInvalidMeterRow, "%d %s bad, nothing was imported: %s", r.total, noun, msg).OnField("file")
}

// DecodeMeterCSV reads a manufacturer's CSV (importColumns) and checks every field of every row;
// the error names each bad row and column (the first MaxRowErrors of them).
func DecodeMeterCSV(r io.Reader) ([]ImportRow, error) {
	lr := &io.LimitedReader{R: r, N: MaxImportBytes + 1}
	cr := csv.NewReader(lr)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, core.Errorf(core.CodeInvalid, ReasonInvalidMeterRow, "the file is empty: it needs a header row (%s)", strings.Join(importColumns, ",")).OnField("file")
	}
	if err != nil {
		return nil, csvError(err)
	}
	cols, err := headerColumns(header)
	if err != nil {
		return nil, err
	}
	var (
		rows []ImportRow
		bad  rowErrors
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if lr.N <= 0 {
			return nil, core.Errorf(core.CodeInvalid, ReasonInvalidMeterRow, "the file is larger than %d MiB: split it into batches", MaxImportBytes>>20).OnField("file")
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
				line, _ := cr.FieldPos(0)
				bad.add(line, "", "%d columns, the header has %d", len(rec), len(header))
				continue
			}
			return nil, csvError(err)
		}
		if len(rows)+bad.total >= MaxImportRows {
			return nil, core.Errorf(core.CodeInvalid, ReasonInvalidMeterRow, "the file has more than %d rows: split it into batches", MaxImportRows).OnField("file")
		}
		line, _ := cr.FieldPos(0)
		if row, ok := parseRow(line, rec, cols, &bad); ok {
			rows = append(rows, row)
		}
	}
	if lr.N <= 0 {
		return nil, core.Errorf(core.CodeInvalid, ReasonInvalidMeterRow, "the file is larger than %d MiB: split it into batches", MaxImportBytes>>20).OnField("file")
	}
	if err := bad.err(); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, core.Errorf(core.CodeInvalid, ReasonInvalidMeterRow, "the file has a header but no meters").OnField("file")
	}
	return rows, nil
}

// csvError reports a file that is not CSV at all (a stray quote), with where.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return core.Errorf(core.CodeInvalid, ReasonInvalidMeterRow, "row %d, column %d: %v", pe.Line, pe.Column, pe.Err).OnField("file")
	}
	return core.Errorf(core.CodeInvalid, ReasonInvalidMeterRow, "reading the file: %v", err).OnField("file")
}

// headerColumns maps each of importColumns to its index in the header.
func headerColumns(header []string) (map[string]int, error) {
	cols := make(map[string]int, len(importColumns))
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := cols[name]; dup {
			return nil, core.Errorf(core.CodeInvalid, ReasonInvalidMeterRow, "row 1: column %s appears twice", shown(name)).OnField("file")
		}
		cols[name] = i
	}
	for name := range cols {
		if !knownColumn(name) {
			return nil, core.Errorf(core.CodeInvalid, ReasonInvalidMeterRow, "row 1: unknown column %s (the columns are %s)", shown(name), strings.Join(importColumns, ",")).OnField("file")
		}
	}
	for _, name := range importColumns {
		if _, ok := cols[name]; !ok {
			return nil, core.Errorf(core.CodeInvalid, ReasonInvalidMeterRow, "row 1: column %s is missing (the columns are %s)", name, strings.Join(importColumns, ",")).OnField("file")
		}
	}
	return cols, nil
}

func knownColumn(name string) bool {
	for _, c := range importColumns {
		if c == name {
			return true
		}
	}
	return false
}

// parseRow parses one record, adding each bad field to bad.
func parseRow(line int, rec []string, cols map[string]int, bad *rowErrors) (ImportRow, bool) {
	before := bad.total
	field := func(name string) string { return strings.TrimSpace(rec[cols[name]]) }
	small := func(name string, lo, hi int) int {
		v, err := strconv.Atoi(field(name))
		if err != nil || v < lo || v > hi {
			bad.add(line, name, "%s is not %d to %d", shown(field(name)), lo, hi)
		}
		return v
	}
	row := ImportRow{Row: line, Number: field("number")}
	if _, err := core.ParseMeterNumber(row.Number); err != nil {
		bad.add(line, "number", "%s", core.AsError(err).Message)
	}
	kind, err := core.ParseMeterKind(field("kind"))
	if err != nil {
		bad.add(line, "kind", "%s is not electricity, water or gas", shown(field("kind")))
	}
	row.Kind = kind
	if row.SGC, err = sts.ParseSGC(field("sgc")); err != nil {
		bad.add(line, "sgc", "%s is not 6 digits", shown(field("sgc")))
	}
	row.KRN = uint8(small("krn", 1, 15))
	row.TI = uint8(small("ti", 0, 99))
	row.KT = sts.KeyType(small("kt", 1, 3))
	if row.EA, err = sts.ParseEA(field("ea")); err != nil || row.EA == sts.EA09 {
		bad.add(line, "ea", "%s is not 07 or 11", shown(field("ea")))
	}
	if row.BaseDate, err = sts.ParseBaseDate(field("base-date")); err != nil {
		bad.add(line, "base-date", "%s is not 1993, 2014 or 2035", shown(field("base-date")))
	}
	row.KEN = sts.KEN(small("ken", 0, 255))
	return row, bad.total == before
}

// shown quotes a value from the file for a message, cut to 20 characters.
func shown(v string) string {
	if r := []rune(v); len(r) > 20 {
		return strconv.Quote(string(r[:20])) + "..."
	}
	return strconv.Quote(v)
}

// BatchInfo describes a delivery of meters.
type BatchInfo struct {
	UtilityID    int64
	Reference    string // the manufacturer's batch or delivery number: one import per reference and utility
	Manufacturer string
	Note         string
}

// Batch is a delivery of meters as stored.
type Batch struct {
	ID           int64     `json:"id"`
	UtilityID    int64     `json:"utility_id"`
	Reference    string    `json:"reference"`
	Manufacturer string    `json:"manufacturer"`
	Note         string    `json:"note,omitempty"`
	Meters       int       `json:"meters"`
	ReceivedAt   time.Time `json:"received_at"`
	ReceivedBy   string    `json:"received_by"`
}

// ImportResult is what an import did, or would do for a dry run.
type ImportResult struct {
	Batch  Batch                  `json:"batch"` // ID 0 for a dry run
	DryRun bool                   `json:"dry_run"`
	ByKind map[core.MeterKind]int `json:"by_kind"`
}

// ImportStore is what an import needs of the store.
type ImportStore interface {
	// UtilitySupplyGroups returns a utility's supply groups (none for an unknown utility).
	UtilitySupplyGroups(ctx context.Context, utilityID int64) ([]core.SupplyGroup, error)
	// RegisteredMeterNumbers returns which of numbers are registered meters.
	RegisteredMeterNumbers(ctx context.Context, numbers []string) ([]string, error)
	// ReceiveBatch stores b and its meters, in the store (stock state in_store, no customer, no
	// tariff), each with the movement that received it, and sets b.ID; progress is told how many
	// meters are written as the work goes on. A reference the utility used before is a duplicate.
	ReceiveBatch(ctx context.Context, b *Batch, meters []core.Meter, progress func(done int)) error
	// MeterBatches returns a page of batches, by ID.
	MeterBatches(ctx context.Context, q BatchQuery) ([]Batch, error)
}

// BatchQuery selects batches of meters, by ID.
type BatchQuery struct {
	AfterID   int64
	Limit     int   // 1 to MaxListPage
	UtilityID int64 // 0 for any
}

// MeterBatches lists the batches meters were received in, within the actor's utility.
func (s *Service) MeterBatches(ctx context.Context, a Actor, q BatchQuery) ([]Batch, error) {
	return read(ctx, s, a, PermMetersRead, ActionMeterImport, func(ctx context.Context) ([]Batch, error) {
		if err := checkLimit(&q.Limit); err != nil {
			return nil, err
		}
		if a.UtilityID() != 0 {
			if q.UtilityID != 0 && q.UtilityID != a.UtilityID() {
				return nil, core.Errorf(core.CodeForbidden, ReasonOutOfScope, "utility %d is another utility's", q.UtilityID).OnField("utility_id")
			}
			q.UtilityID = a.UtilityID()
		}
		return s.store.MeterBatches(ctx, q)
	})
}

// importChunk is how many rows a registered-number check reads, and how often progress is told.
const importChunk = 1000

// ImportMeters receives a batch of meters from a manufacturer's CSV (DecodeMeterCSV) into the
// store. Every row is checked, against the file and the store, before anything is written; a bad
// row is named with its column and nothing is written. A dry run checks everything and writes
// nothing (not even an audit entry); a real run writes the batch all or nothing, in one
// transaction, with one audit entry for the batch (its counts), not one per meter. progress, when
// set, is told the rows checked (dry run) or written, out of the total.
func (s *Service) ImportMeters(ctx context.Context, a Actor, batch BatchInfo, r io.Reader, dryRun bool, progress func(done, total int)) (ImportResult, error) {
	if progress == nil {
		progress = func(int, int) {}
	}
	// The file is read and decoded before the transaction (which, on SQLite, holds the one write
	// lock), and only once the actor is known to hold the permission.
	if err := s.allow(ctx, a, PermMetersManage, ActionMeterImport, ""); err != nil {
		return ImportResult{}, err
	}
	b, err := checkBatch(a, batch)
	if err != nil {
		return ImportResult{}, err
	}
	rows, err := DecodeMeterCSV(r)
	if err != nil {
		return ImportResult{}, err
	}
	run := func(ctx context.Context) (ImportResult, Change, error) {
		meters, err := s.checkImport(ctx, b.UtilityID, rows, func(done int) {
			if dryRun {
				progress(done, len(rows))
			}
		})
		if err != nil {
			return ImportResult{}, Change{}, err
		}
		res := ImportResult{DryRun: dryRun, ByKind: map[core.MeterKind]int{}}
		for _, m := range meters {
			res.ByKind[m.Kind]++
		}
		b.Meters, b.ReceivedAt, b.ReceivedBy = len(meters), s.now().UTC().Truncate(time.Microsecond), a.Name()
		if !dryRun {
			if err := s.store.ReceiveBatch(ctx, &b, meters, func(done int) { progress(done, len(meters)) }); err != nil {
				if isDuplicate(err) {
					return ImportResult{}, Change{}, core.Errorf(core.CodeDuplicate, ReasonDuplicateBatch,
						"batch %s of utility %d was imported before, or a meter of it was registered meanwhile", shown(b.Reference), b.UtilityID).OnField("reference")
				}
				return ImportResult{}, Change{}, err
			}
		}
		res.Batch = b
		return res, Change{Target: batchTarget(b.ID), After: res, Detail: fmt.Sprintf("received %d meters", b.Meters)}, nil
	}
	if dryRun {
		return read(ctx, s, a, PermMetersManage, ActionMeterImport, func(ctx context.Context) (ImportResult, error) {
			res, _, err := run(ctx)
			return res, err
		})
	}
	return act(ctx, s, a, PermMetersManage, ActionMeterImport, run)
}

// checkBatch checks what describes a batch.
func checkBatch(a Actor, in BatchInfo) (Batch, error) {
	b := Batch{UtilityID: in.UtilityID, Reference: strings.TrimSpace(in.Reference),
		Manufacturer: strings.TrimSpace(in.Manufacturer), Note: strings.TrimSpace(in.Note)}
	bad := func(field, format string, args ...any) (Batch, error) {
		return Batch{}, core.Errorf(core.CodeInvalid, ReasonInvalidBatch, format, args...).OnField(field)
	}
	switch {
	case b.UtilityID <= 0:
		return bad("utility_id", "the batch's utility is required")
	case !a.InUtility(b.UtilityID):
		return Batch{}, core.Errorf(core.CodeForbidden, ReasonOutOfScope, "utility %d is another utility's", b.UtilityID).OnField("utility_id")
	case b.Reference == "" || len(b.Reference) > 100:
		return bad("reference", "the batch reference is required, at most 100 characters")
	case b.Manufacturer == "" || len(b.Manufacturer) > 100:
		return bad("manufacturer", "the manufacturer is required, at most 100 characters")
	case len(b.Note) > MaxReasonLength:
		return bad("note", "the note is longer than %d characters", MaxReasonLength)
	}
	return b, nil
}

// checkImport checks the rows against each other and the store (the supply group of each key,
// numbers already registered) and returns the meters to receive.
func (s *Service) checkImport(ctx context.Context, utilityID int64, rows []ImportRow, progress func(done int)) ([]core.Meter, error) {
	groups, err := s.store.UtilitySupplyGroups(ctx, utilityID)
	if err != nil {
		return nil, err
	}
	if len(groups) == 0 {
		return nil, core.Errorf(core.CodeInvalid, ReasonInvalidBatch, "utility %d does not exist or has no supply group", utilityID).OnField("utility_id")
	}
	type groupKey struct {
		sgc sts.SGC
		krn uint8
	}
	byKey := map[groupKey][]core.SupplyGroup{}
	for _, g := range groups {
		k := groupKey{g.SGC, g.KRN}
		byKey[k] = append(byKey[k], g)
	}
	var bad rowErrors
	meters := make([]core.Meter, 0, len(rows))
	rowOf := make(map[string]int, len(rows))
	for _, row := range rows {
		if first, dup := rowOf[row.Number]; dup {
			bad.add(row.Row, "number", "meter %s is on row %d too", row.Number, first)
			continue
		}
		rowOf[row.Number] = row.Row
		gs := byKey[groupKey{row.SGC, row.KRN}]
		switch {
		case len(gs) == 0:
			bad.add(row.Row, "sgc", "no supply group of utility %d has SGC %s with KRN %d", utilityID, row.SGC, row.KRN)
			continue
		case len(gs) > 1:
			bad.add(row.Row, "sgc", "SGC %s with KRN %d names %d supply groups of utility %d (one per DKGA): register the meter alone", row.SGC, row.KRN, len(gs), utilityID)
			continue
		}
		m := core.Meter{Number: row.Number, Kind: row.Kind, Status: core.MeterActive, SupplyGroupID: gs[0].ID,
			Key: core.MeterKey{SGC: row.SGC, KRN: row.KRN, KT: row.KT, TI: row.TI, DKGA: gs[0].DKGA, EA: row.EA, BaseDate: row.BaseDate, KEN: row.KEN}}
		if err := m.CheckNew(0); err != nil {
			column := ""
			if core.AsError(err).Reason == core.ReasonInvalidMeterNumber {
				column = "number"
			}
			bad.add(row.Row, column, "%s", core.AsError(err).Message)
			continue
		}
		meters = append(meters, m)
	}
	for i := 0; i < len(meters); i += importChunk {
		chunk := meters[i:min(i+importChunk, len(meters))]
		numbers := make([]string, len(chunk))
		for j, m := range chunk {
			numbers[j] = m.Number
		}
		taken, err := s.store.RegisteredMeterNumbers(ctx, numbers)
		if err != nil {
			return nil, err
		}
		for _, n := range taken {
			bad.add(rowOf[n], "number", "meter %s is registered already", n)
		}
		progress(i + len(chunk))
	}
	if err := bad.err(); err != nil {
		return nil, err
	}
	return meters, nil
}

func batchTarget(id int64) string { return "meter_batch:" + itoa(id) }
