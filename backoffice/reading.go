package backoffice

import (
	"context"
	"time"

	"github.com/vendgate/vendgate/core"
)

// Meter readings: a meter's register (in tenths of its kind's unit), read by hand, imported from
// a CSV (readingcsv.go) or taken at an exchange; the consumption of a period is the difference of
// its readings, and the exceptions a utility chases compare it with the energy its vends sold.

// ReadingSource says how a reading was taken.
type ReadingSource string

// Reading sources.
const (
	ReadingManual   ReadingSource = "manual"
	ReadingImport   ReadingSource = "import"
	ReadingExchange ReadingSource = "exchange" // the old meter's reading at a meter exchange
)

// MeterReading is one reading of a meter's register.
type MeterReading struct {
	ID          int64         `json:"id"`
	MeterID     int64         `json:"meter_id"`
	MeterNumber string        `json:"meter_number"`
	Reading     core.Energy   `json:"reading"` // tenths of the unit
	ReadAt      time.Time     `json:"read_at"`
	Source      ReadingSource `json:"source"`
	RecordedBy  string        `json:"recorded_by"`
	CreatedAt   time.Time     `json:"created_at"`
}

// NewReading is a reading an operator records.
type NewReading struct {
	MeterNumber string
	Reading     core.Energy // tenths of the unit
	ReadAt      time.Time
}

// Consumption is a meter's use over a period, from its readings, beside the credit it received:
// energy sold by vends (free basic energy included) and credit carried to it by exchanges.
type Consumption struct {
	MeterID     int64       `json:"meter_id"`
	MeterNumber string      `json:"meter_number"`
	Opening     core.Energy `json:"opening"` // the last reading at or before the period's start, else its first
	OpeningAt   time.Time   `json:"opening_at"`
	Closing     core.Energy `json:"closing"` // the last reading in the period
	ClosingAt   time.Time   `json:"closing_at"`
	Consumed    core.Energy `json:"consumed"` // Closing - Opening
	Credited    core.Energy `json:"credited"` // sold by vends and carried by exchanges in the period
	Purchases   int         `json:"purchases"`
}

// Measured reports whether the period's readings measure a use: two readings, the closing one
// later than the opening one.
func (c Consumption) Measured() bool { return c.ClosingAt.After(c.OpeningAt) }

// ConsumptionQuery selects the meters of a utility with a reading in (From, To].
type ConsumptionQuery struct {
	UtilityID int64
	MeterID   int64 // 0 for every meter
	From, To  time.Time
}

// ReadingStore keeps meter readings.
type ReadingStore interface {
	// AddReadings stores readings and sets their IDs, in one transaction.
	AddReadings(ctx context.Context, rs []*MeterReading) error
	// MeterReadings returns a meter's readings in [from, to], oldest first.
	MeterReadings(ctx context.Context, meterID int64, from, to time.Time) ([]MeterReading, error)
	// Consumptions returns, for each meter q selects with a reading in (From, To], its opening and
	// closing readings and the credit it received in (From, To], by meter ID.
	Consumptions(ctx context.Context, q ConsumptionQuery) ([]Consumption, error)
}

// Reading actions.
const (
	ActionReadingRecord Action = "meter.reading_record"
	ActionReadingImport Action = "meter.reading_import"
	ActionReadingRead   Action = "meter.reading_read"
)

// MaxReadingsPeriod bounds the period a consumption or exceptions list covers.
const MaxReadingsPeriod = 400 * 24 * time.Hour

// RecordReading records a reading of a meter of the actor's utility, by hand.
func (s *Service) RecordReading(ctx context.Context, a Actor, n NewReading) (MeterReading, error) {
	return act(ctx, s, a, PermMetersReadings, ActionReadingRecord, func(ctx context.Context) (MeterReading, Change, error) {
		m, err := s.meterStock(ctx, a, n.MeterNumber)
		if err != nil {
			return MeterReading{}, Change{}, err
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		if err := checkReading(n.Reading, n.ReadAt, now); err != nil {
			return MeterReading{}, Change{}, err
		}
		r := MeterReading{MeterID: m.MeterID, MeterNumber: m.Number, Reading: n.Reading, ReadAt: n.ReadAt.UTC().Truncate(time.Microsecond),
			Source: ReadingManual, RecordedBy: a.Name(), CreatedAt: now}
		if err := s.store.AddReadings(ctx, []*MeterReading{&r}); err != nil {
			return MeterReading{}, Change{}, err
		}
		return r, Change{Target: "reading:" + itoa(r.ID), After: r}, nil
	})
}

// checkReading refuses a negative reading and a missing or future time.
func checkReading(reading core.Energy, at, now time.Time) error {
	switch {
	case reading < 0:
		return core.Errorf(core.CodeInvalid, ReasonInvalidReading, "a reading must not be negative").OnField("reading")
	case at.IsZero():
		return core.Errorf(core.CodeInvalid, ReasonInvalidReading, "when the meter was read is required").OnField("read_at")
	case at.After(now.Add(time.Minute)):
		return core.Errorf(core.CodeInvalid, ReasonInvalidReading, "%s is in the future", at.UTC().Format(time.RFC3339)).OnField("read_at")
	}
	return nil
}

// MeterReadingsOf returns a meter's readings in [from, to], oldest first.
func (s *Service) MeterReadingsOf(ctx context.Context, a Actor, number string, from, to time.Time) ([]MeterReading, error) {
	return read(ctx, s, a, PermMetersRead, ActionReadingRead, func(ctx context.Context) ([]MeterReading, error) {
		if err := checkPeriod(from, to); err != nil {
			return nil, err
		}
		m, err := s.meterStock(ctx, a, number)
		if err != nil {
			return nil, err
		}
		return s.store.MeterReadings(ctx, m.MeterID, from, to)
	})
}

// MeterConsumption returns a meter's consumption in (from, to]; a meter whose readings do not
// measure the period (fewer than two) is not_found.
func (s *Service) MeterConsumption(ctx context.Context, a Actor, number string, from, to time.Time) (Consumption, error) {
	return read(ctx, s, a, PermMetersRead, ActionReadingRead, func(ctx context.Context) (Consumption, error) {
		if err := checkPeriod(from, to); err != nil {
			return Consumption{}, err
		}
		m, err := s.meterStock(ctx, a, number)
		if err != nil {
			return Consumption{}, err
		}
		cs, err := s.store.Consumptions(ctx, ConsumptionQuery{UtilityID: m.UtilityID, MeterID: m.MeterID, From: from, To: to})
		if err != nil {
			return Consumption{}, err
		}
		if len(cs) != 1 || !cs[0].Measured() {
			return Consumption{}, core.Errorf(core.CodeNotFound, ReasonNoConsumption, "meter %s has fewer than two readings for the period", m.Number)
		}
		return cs[0], nil
	})
}

// ConsumptionExceptions is what a utility chases in a period: meters whose readings show
// consumption but that received no credit (no purchases, no carried credit), and meters that
// were sold energy but whose readings show no consumption. Only meters whose readings measure
// the period are listed.
type ConsumptionExceptions struct {
	NoPurchases   []Consumption `json:"consumption_without_purchases"`
	NoConsumption []Consumption `json:"purchases_without_consumption"`
}

// Exceptions lists a utility's consumption exceptions in (from, to] (utilityID 0 is the actor's
// utility; an operator of all utilities names one).
func (s *Service) Exceptions(ctx context.Context, a Actor, utilityID int64, from, to time.Time) (ConsumptionExceptions, error) {
	return read(ctx, s, a, PermMetersRead, ActionReadingRead, func(ctx context.Context) (ConsumptionExceptions, error) {
		cs, err := s.consumptions(ctx, a, utilityID, from, to)
		if err != nil {
			return ConsumptionExceptions{}, err
		}
		var out ConsumptionExceptions
		for _, c := range cs {
			switch {
			case c.Consumed > 0 && c.Purchases == 0 && c.Credited == 0:
				out.NoPurchases = append(out.NoPurchases, c)
			case c.Consumed == 0 && c.Purchases > 0:
				out.NoConsumption = append(out.NoConsumption, c)
			}
		}
		return out, nil
	})
}

// consumptions returns the measured consumptions of a utility's meters in (from, to].
func (s *Service) consumptions(ctx context.Context, a Actor, utilityID int64, from, to time.Time) ([]Consumption, error) {
	if err := checkPeriod(from, to); err != nil {
		return nil, err
	}
	switch {
	case a.UtilityID() != 0 && utilityID != 0 && utilityID != a.UtilityID():
		return nil, core.Errorf(core.CodeForbidden, ReasonOutOfScope, "utility %d is another utility's", utilityID).OnField("utility_id")
	case a.UtilityID() != 0:
		utilityID = a.UtilityID()
	case utilityID <= 0:
		return nil, core.Errorf(core.CodeInvalid, ReasonInvalidReading, "name the utility").OnField("utility_id")
	}
	cs, err := s.store.Consumptions(ctx, ConsumptionQuery{UtilityID: utilityID, From: from, To: to})
	if err != nil {
		return nil, err
	}
	out := cs[:0]
	for _, c := range cs {
		if c.Measured() {
			out = append(out, c)
		}
	}
	return out, nil
}

// checkPeriod refuses a period that ends before it starts or is longer than MaxReadingsPeriod.
func checkPeriod(from, to time.Time) error {
	switch {
	case from.IsZero() || to.IsZero():
		return core.Errorf(core.CodeInvalid, ReasonInvalidReading, "a period has a start and an end").OnField("from")
	case !to.After(from):
		return core.Errorf(core.CodeInvalid, ReasonInvalidReading, "the period ends before it starts").OnField("to")
	case to.Sub(from) > MaxReadingsPeriod:
		return core.Errorf(core.CodeInvalid, ReasonInvalidReading, "a period is at most %d days", int(MaxReadingsPeriod/(24*time.Hour))).OnField("to")
	}
	return nil
}

// The reasons of meter readings.
const (
	ReasonInvalidReading    core.Reason = "invalid_reading"
	ReasonInvalidReadingRow core.Reason = "invalid_reading_row" // a row of a readings import; row and column named
	ReasonNoConsumption     core.Reason = "no_consumption"      // fewer than two readings for the period
)

var readingReasons = map[core.Reason]core.Code{
	ReasonInvalidReading:    core.CodeInvalid,
	ReasonInvalidReadingRow: core.CodeInvalid,
	ReasonNoConsumption:     core.CodeNotFound,
}

func init() { reasonLists = append(reasonLists, readingReasons) }
