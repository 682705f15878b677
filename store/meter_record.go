package store

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// meterRecordRow is a meter with the utility of its supply group, as operators list it.
type meterRecordRow struct {
	meterRow  `bun:",extend"`
	UtilityID int64 `bun:"utility_id,scanonly"`
}

func toMeterRecord(r meterRecordRow) (backoffice.MeterRecord, error) {
	m, err := toCoreMeter(r.meterRow)
	if err != nil {
		return backoffice.MeterRecord{}, err
	}
	return backoffice.MeterRecord{Meter: m, UtilityID: r.UtilityID, Arrears: core.Money(r.Arrears), Version: r.RecordVersion}, nil
}

// selectMeterRecords is the query of meters with their utility.
func (db *DB) selectMeterRecords(ctx context.Context, dest any) *bun.SelectQuery {
	return db.idb(ctx).NewSelect().Model(dest).ColumnExpr("m.*").ColumnExpr("sg.utility_id AS utility_id").
		Join("JOIN supply_groups AS sg ON sg.id = m.supply_group_id")
}

// MeterRecord returns a meter with its utility, arrears and record version, or core.ErrNotFound.
func (db *DB) MeterRecord(ctx context.Context, id int64) (backoffice.MeterRecord, error) {
	var r meterRecordRow
	if err := db.selectMeterRecords(ctx, &r).Where("m.id = ?", id).Scan(ctx); err != nil {
		return backoffice.MeterRecord{}, dbError(err)
	}
	return toMeterRecord(r)
}

// MeterRecordByNumber returns a meter by number as MeterRecord does.
func (db *DB) MeterRecordByNumber(ctx context.Context, number string) (backoffice.MeterRecord, error) {
	var r meterRecordRow
	if err := db.selectMeterRecords(ctx, &r).Where("m.number = ?", number).Scan(ctx); err != nil {
		return backoffice.MeterRecord{}, dbError(err)
	}
	return toMeterRecord(r)
}

// MeterRecords returns the meters q selects, by ID.
func (db *DB) MeterRecords(ctx context.Context, q backoffice.MeterQuery) ([]backoffice.MeterRecord, error) {
	var rows []meterRecordRow
	sel := db.selectMeterRecords(ctx, &rows).Where("m.id > ?", q.AfterID).Order("m.id").Limit(int64(max(q.Limit, 1)))
	for _, c := range []struct {
		set  bool
		expr string
		arg  any
	}{
		{q.UtilityID != 0, "sg.utility_id = ?", q.UtilityID},
		{q.CustomerID != 0, "m.customer_id = ?", q.CustomerID},
		{q.Status != "", "m.status = ?", string(q.Status)},
		{q.Number != "", "m.number LIKE ? ESCAPE '\\'", likeEscape(q.Number) + "%"},
	} {
		if c.set {
			sel = sel.Where(c.expr, c.arg)
		}
	}
	if err := sel.Scan(ctx); err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.MeterRecord, len(rows))
	for i, r := range rows {
		m, err := toMeterRecord(r)
		if err != nil {
			return nil, err
		}
		out[i] = m
	}
	return out, nil
}

// SaveMeter moves a meter to another customer or tariff at the record version it was read: the
// customer must exist, the tariff be the meter's utility's and of its kind. Nothing else of the
// meter is written (its key, status and counters are the vend path's and the key commands').
func (db *DB) SaveMeter(ctx context.Context, m *backoffice.MeterRecord) error {
	return dbError(db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var g supplyGroupRow
		if err := tx.NewSelect().Model(&g).Where("id = ?", m.SupplyGroupID).Scan(ctx); err != nil {
			return err
		}
		if err := checkMeterTariff(ctx, tx, &m.Meter, g); err != nil {
			return err
		}
		exists, err := tx.NewSelect().Model((*customerRow)(nil)).Where("id = ?", m.CustomerID).Exists(ctx)
		if err != nil {
			return err
		}
		if !exists {
			return core.Errorf(core.CodeInvalid, core.ReasonNotFound, "meter %s: customer %d does not exist", m.Number, m.CustomerID)
		}
		r := meterRow{ID: m.ID, CustomerID: m.CustomerID, TariffID: m.TariffID, RecordVersion: m.Version}
		if err := saveColumns(ctx, tx, &r, "meter", m.ID, &r.RecordVersion, "customer_id", "tariff_id"); err != nil {
			return err
		}
		m.Version = r.RecordVersion
		return nil
	}))
}
