package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

var _ backoffice.MeterStatusStore = (*DB)(nil)

// meterStatusChangeRow is a row of meter_status_changes.
type meterStatusChangeRow struct {
	bun.BaseModel `bun:"table:meter_status_changes,alias:ms"`

	ID         int64     `bun:"id,pk,autoincrement"`
	MeterID    int64     `bun:"meter_id"`
	FromStatus string    `bun:"from_status"`
	ToStatus   string    `bun:"to_status"`
	Reason     string    `bun:"reason"`
	Actor      string    `bun:"actor"`
	At         time.Time `bun:"at"`

	MeterNumber string `bun:"meter_number,scanonly"`
}

// ChangeMeterStatus moves a meter from ch.From to ch.To with its reason and records the change
// (see backoffice.MeterStatusStore).
func (db *DB) ChangeMeterStatus(ctx context.Context, ch *backoffice.MeterStatusChange) error {
	if err := core.CheckMeterStatusChange(ch.MeterNumber, ch.From, ch.To); err != nil {
		return err
	}
	return dbError(db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*meterRow)(nil)).Set("status = ?", string(ch.To)).Set("status_reason = ?", ch.Reason).
			Set("version = version + 1").Where("id = ? AND status = ?", ch.MeterID, string(ch.From)).Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			if err != nil {
				return err
			}
			return core.Errorf(core.CodeConflict, backoffice.ReasonStaleVersion, "meter %s's status was changed by someone else since it was read (it was %s); read it again", ch.MeterNumber, ch.From)
		}
		r := meterStatusChangeRow{MeterID: ch.MeterID, FromStatus: string(ch.From), ToStatus: string(ch.To), Reason: ch.Reason, Actor: ch.Actor, At: ch.At.UTC()}
		if _, err := tx.NewInsert().Model(&r).Returning("id").Exec(ctx); err != nil {
			return err
		}
		ch.ID = r.ID
		return nil
	}))
}

// MeterStatusChanges returns a meter's status changes, oldest first.
func (db *DB) MeterStatusChanges(ctx context.Context, meterID int64) ([]backoffice.MeterStatusChange, error) {
	var rows []meterStatusChangeRow
	err := db.idb(ctx).NewSelect().Model(&rows).ColumnExpr("ms.*").ColumnExpr("m.number AS meter_number").
		Join("JOIN meters AS m ON m.id = ms.meter_id").Where("ms.meter_id = ?", meterID).Order("ms.id").Scan(ctx)
	if err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.MeterStatusChange, len(rows))
	for i, r := range rows {
		out[i] = backoffice.MeterStatusChange{ID: r.ID, MeterID: r.MeterID, MeterNumber: r.MeterNumber, From: core.MeterStatus(r.FromStatus),
			To: core.MeterStatus(r.ToStatus), Reason: r.Reason, Actor: r.Actor, At: r.At.UTC()}
	}
	return out, nil
}
