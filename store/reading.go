package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

var _ backoffice.ReadingStore = (*DB)(nil)

// meterReadingRow is a row of meter_readings.
type meterReadingRow struct {
	bun.BaseModel `bun:"table:meter_readings,alias:mr"`

	ID         int64     `bun:"id,pk,autoincrement"`
	MeterID    int64     `bun:"meter_id"`
	Reading    int64     `bun:"reading"`
	ReadAt     time.Time `bun:"read_at"`
	Source     string    `bun:"source"`
	RecordedBy string    `bun:"recorded_by"`
	CreatedAt  time.Time `bun:"created_at"`

	MeterNumber string `bun:"meter_number,scanonly"`
}

// readingChunk is how many readings one INSERT writes.
const readingChunk = 1000

// addReadings inserts readings and sets their IDs.
func addReadings(ctx context.Context, tx bun.IDB, rs []*backoffice.MeterReading) error {
	for i := 0; i < len(rs); i += readingChunk {
		part := rs[i:min(i+readingChunk, len(rs))]
		rows := make([]meterReadingRow, len(part))
		for j, r := range part {
			rows[j] = meterReadingRow{MeterID: r.MeterID, Reading: int64(r.Reading), ReadAt: r.ReadAt.UTC(), Source: string(r.Source),
				RecordedBy: r.RecordedBy, CreatedAt: r.CreatedAt.UTC()}
		}
		if _, err := tx.NewInsert().Model(&rows).Returning("id").Exec(ctx); err != nil {
			return err
		}
		for j := range part {
			part[j].ID = rows[j].ID
		}
	}
	return nil
}

// AddReadings stores readings in one transaction (the caller's, when it has one).
func (db *DB) AddReadings(ctx context.Context, rs []*backoffice.MeterReading) error {
	return dbError(db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error { return addReadings(ctx, tx, rs) }))
}

// MeterReadings returns a meter's readings in [from, to], oldest first.
func (db *DB) MeterReadings(ctx context.Context, meterID int64, from, to time.Time) ([]backoffice.MeterReading, error) {
	var rows []meterReadingRow
	err := db.idb(ctx).NewSelect().Model(&rows).ColumnExpr("mr.*").ColumnExpr("m.number AS meter_number").
		Join("JOIN meters AS m ON m.id = mr.meter_id").Where("mr.meter_id = ? AND mr.read_at >= ? AND mr.read_at <= ?", meterID, from.UTC(), to.UTC()).
		Order("mr.read_at", "mr.id").Scan(ctx)
	if err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.MeterReading, len(rows))
	for i, r := range rows {
		out[i] = backoffice.MeterReading{ID: r.ID, MeterID: r.MeterID, MeterNumber: r.MeterNumber, Reading: core.Energy(r.Reading),
			ReadAt: r.ReadAt.UTC(), Source: backoffice.ReadingSource(r.Source), RecordedBy: r.RecordedBy, CreatedAt: r.CreatedAt.UTC()}
	}
	return out, nil
}

// consumptionRow is one meter's readings and credit over a period.
type consumptionRow struct {
	MeterID     int64     `bun:"meter_id"`
	MeterNumber string    `bun:"meter_number"`
	Opening     int64     `bun:"opening"`
	OpeningAt   time.Time `bun:"opening_at"`
	Closing     int64     `bun:"closing"`
	ClosingAt   time.Time `bun:"closing_at"`
	Sold        int64     `bun:"sold"`
	Carried     int64     `bun:"carried"`
	Purchases   int64     `bun:"purchases"`
}

// consumptionSQL reads each meter's opening reading (the last at or before the start, else the
// first in the period), closing reading (the last in the period), the energy its completed vends
// sold in the period (free basic energy included), the credit carried to it (class 0 engineering
// tokens: exchanges) and its purchases. Its arguments are named in consumptionArgs.
const consumptionSQL = `SELECT m.id AS meter_id, m.number AS meter_number,
	COALESCE((SELECT r.reading FROM meter_readings AS r WHERE r.meter_id = m.id AND r.read_at <= ?0 ORDER BY r.read_at DESC, r.id DESC LIMIT 1),
		(SELECT r.reading FROM meter_readings AS r WHERE r.meter_id = m.id AND r.read_at > ?0 AND r.read_at <= ?1 ORDER BY r.read_at, r.id LIMIT 1)) AS opening,
	COALESCE((SELECT r.read_at FROM meter_readings AS r WHERE r.meter_id = m.id AND r.read_at <= ?0 ORDER BY r.read_at DESC, r.id DESC LIMIT 1),
		(SELECT r.read_at FROM meter_readings AS r WHERE r.meter_id = m.id AND r.read_at > ?0 AND r.read_at <= ?1 ORDER BY r.read_at, r.id LIMIT 1)) AS opening_at,
	(SELECT r.reading FROM meter_readings AS r WHERE r.meter_id = m.id AND r.read_at > ?0 AND r.read_at <= ?1 ORDER BY r.read_at DESC, r.id DESC LIMIT 1) AS closing,
	(SELECT r.read_at FROM meter_readings AS r WHERE r.meter_id = m.id AND r.read_at > ?0 AND r.read_at <= ?1 ORDER BY r.read_at DESC, r.id DESC LIMIT 1) AS closing_at,
	CAST(COALESCE((SELECT SUM(v.energy + v.free_energy) FROM vends AS v WHERE v.meter_id = m.id AND v.status = 'completed'
		AND v.created_at > ?0 AND v.created_at <= ?1), 0) AS BIGINT) AS sold,
	CAST(COALESCE((SELECT SUM(e.value) FROM engineering_tokens AS e WHERE e.meter_id = m.id AND e.class = 0
		AND e.created_at > ?0 AND e.created_at <= ?1), 0) AS BIGINT) AS carried,
	(SELECT COUNT(*) FROM vends AS v WHERE v.meter_id = m.id AND v.status = 'completed' AND v.created_at > ?0 AND v.created_at <= ?1) AS purchases
	FROM meters AS m JOIN supply_groups AS sg ON sg.id = m.supply_group_id
	WHERE sg.utility_id = ?2 AND (?3 = 0 OR m.id = ?3)
	AND EXISTS (SELECT 1 FROM meter_readings AS r WHERE r.meter_id = m.id AND r.read_at > ?0 AND r.read_at <= ?1)
	ORDER BY m.id`

// Consumptions returns each selected meter's consumption and credit in (q.From, q.To], by meter.
func (db *DB) Consumptions(ctx context.Context, q backoffice.ConsumptionQuery) ([]backoffice.Consumption, error) {
	var rows []consumptionRow
	if err := db.idb(ctx).NewRaw(consumptionSQL, q.From.UTC(), q.To.UTC(), q.UtilityID, q.MeterID).Scan(ctx, &rows); err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.Consumption, len(rows))
	for i, r := range rows {
		out[i] = backoffice.Consumption{MeterID: r.MeterID, MeterNumber: r.MeterNumber, Opening: core.Energy(r.Opening), OpeningAt: r.OpeningAt.UTC(),
			Closing: core.Energy(r.Closing), ClosingAt: r.ClosingAt.UTC(), Consumed: core.Energy(r.Closing - r.Opening),
			Credited: core.Energy(r.Sold + r.Carried), Purchases: int(r.Purchases)}
	}
	return out, nil
}
