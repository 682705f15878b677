package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

var _ backoffice.TamperStore = (*DB)(nil)

// Rows of tamper cases and of the disconnection and reconnection orders they give.
type (
	tamperCaseRow struct {
		bun.BaseModel `bun:"table:tamper_cases,alias:tc"`

		ID            int64     `bun:"id,pk,autoincrement"`
		MeterID       int64     `bun:"meter_id"`
		UtilityID     int64     `bun:"utility_id"`
		CustomerID    int64     `bun:"customer_id,nullzero"`
		Status        string    `bun:"status"`
		Source        string    `bun:"source"`
		Reason        string    `bun:"reason"`
		Penalty       int64     `bun:"penalty"`
		PenaltyCharge int64     `bun:"penalty_charge_id,nullzero"`
		ReportedBy    string    `bun:"reported_by"`
		ReportedAt    time.Time `bun:"reported_at"`
		ResolvedBy    string    `bun:"resolved_by"`
		ResolvedAt    time.Time `bun:"resolved_at,nullzero"`
		Resolution    string    `bun:"resolution"`
		ClearTokenID  int64     `bun:"clear_token_id,nullzero"`
		Version       int64     `bun:"version"`

		MeterNumber string `bun:"meter_number,scanonly"`
	}
	meterOrderRow struct {
		bun.BaseModel `bun:"table:meter_orders,alias:mo"`

		ID           int64     `bun:"id,pk,autoincrement"`
		MeterID      int64     `bun:"meter_id"`
		TamperCaseID int64     `bun:"tamper_case_id,nullzero"`
		Kind         string    `bun:"kind"`
		Status       string    `bun:"status"`
		Note         string    `bun:"note"`
		CreatedBy    string    `bun:"created_by"`
		CreatedAt    time.Time `bun:"created_at"`
		DoneBy       string    `bun:"done_by"`
		DoneAt       time.Time `bun:"done_at,nullzero"`

		MeterNumber string `bun:"meter_number,scanonly"`
	}
)

func fromTamperCase(c *backoffice.TamperCase) tamperCaseRow {
	r := tamperCaseRow{ID: c.ID, MeterID: c.MeterID, UtilityID: c.UtilityID, CustomerID: c.CustomerID, Status: string(c.Status),
		Source: string(c.Source), Reason: c.Reason, Penalty: int64(c.Penalty), PenaltyCharge: c.PenaltyChargeID, ReportedBy: c.ReportedBy, ReportedAt: c.ReportedAt.UTC(),
		ResolvedBy: c.ResolvedBy, Resolution: c.Resolution, ClearTokenID: c.ClearTokenID, Version: c.Version}
	if c.ResolvedAt != nil {
		r.ResolvedAt = c.ResolvedAt.UTC()
	}
	return r
}

func toTamperCase(r tamperCaseRow) backoffice.TamperCase {
	c := backoffice.TamperCase{ID: r.ID, MeterID: r.MeterID, MeterNumber: r.MeterNumber, UtilityID: r.UtilityID, CustomerID: r.CustomerID,
		Status: backoffice.TamperStatus(r.Status), Source: backoffice.TamperSource(r.Source), Reason: r.Reason, Penalty: core.Money(r.Penalty), PenaltyChargeID: r.PenaltyCharge,
		ReportedBy: r.ReportedBy, ReportedAt: r.ReportedAt.UTC(), ResolvedBy: r.ResolvedBy, Resolution: r.Resolution,
		ClearTokenID: r.ClearTokenID, Version: r.Version}
	if !r.ResolvedAt.IsZero() {
		t := r.ResolvedAt.UTC()
		c.ResolvedAt = &t
	}
	return c
}

func toMeterOrder(r meterOrderRow) backoffice.MeterOrder {
	o := backoffice.MeterOrder{ID: r.ID, MeterID: r.MeterID, MeterNumber: r.MeterNumber, TamperCaseID: r.TamperCaseID,
		Kind: backoffice.OrderKind(r.Kind), Status: backoffice.OrderStatus(r.Status), Note: r.Note, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt.UTC(), DoneBy: r.DoneBy}
	if !r.DoneAt.IsZero() {
		t := r.DoneAt.UTC()
		o.DoneAt = &t
	}
	return o
}

// OpenTamperCase stores an open case; the meter's row is locked first, so that of two reports
// at once the second finds the first's case (core.ErrDuplicate).
func (db *DB) OpenTamperCase(ctx context.Context, c *backoffice.TamperCase) error {
	return dbError(db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var id int64
		if err := tx.NewRaw("SELECT id FROM meters WHERE id = ?"+db.dialect.forUpdate(), c.MeterID).Scan(ctx, &id); err != nil {
			return err
		}
		open, err := tx.NewSelect().Model((*tamperCaseRow)(nil)).Where("meter_id = ? AND status = ?", c.MeterID, string(backoffice.TamperOpen)).Exists(ctx)
		if err != nil {
			return err
		}
		if open {
			return core.ErrDuplicate
		}
		c.Version = 1
		r := fromTamperCase(c)
		if _, err := tx.NewInsert().Model(&r).Returning("id").Exec(ctx); err != nil {
			return err
		}
		c.ID = r.ID
		return nil
	}))
}

// SaveTamperCase saves a case at its version.
func (db *DB) SaveTamperCase(ctx context.Context, c *backoffice.TamperCase) error {
	return dbError(db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		r := fromTamperCase(c)
		return saveVersioned(ctx, tx, &r, "tamper case", r.ID, &r.Version, func() { c.Version = r.Version })
	}))
}

func tamperQuery(idb bun.IDB, rows any) *bun.SelectQuery {
	return idb.NewSelect().Model(rows).ColumnExpr("tc.*").ColumnExpr("m.number AS meter_number").Join("JOIN meters AS m ON m.id = tc.meter_id")
}

// TamperCase returns a case, or core.ErrNotFound.
func (db *DB) TamperCase(ctx context.Context, id int64) (backoffice.TamperCase, error) {
	var r tamperCaseRow
	if err := tamperQuery(db.idb(ctx), &r).Where("tc.id = ?", id).Scan(ctx); err != nil {
		return backoffice.TamperCase{}, dbError(err)
	}
	return toTamperCase(r), nil
}

// TamperCases returns a page of cases, by ID.
func (db *DB) TamperCases(ctx context.Context, q backoffice.TamperQuery) ([]backoffice.TamperCase, error) {
	var rows []tamperCaseRow
	sel := tamperQuery(db.idb(ctx), &rows).Where("tc.id > ?", q.AfterID)
	if q.UtilityID != 0 {
		sel = sel.Where("tc.utility_id = ?", q.UtilityID)
	}
	if q.MeterID != 0 {
		sel = sel.Where("tc.meter_id = ?", q.MeterID)
	}
	if q.Status != "" {
		sel = sel.Where("tc.status = ?", string(q.Status))
	}
	if err := sel.Order("tc.id").Limit(int64(q.Limit)).Scan(ctx); err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.TamperCase, len(rows))
	for i, r := range rows {
		out[i] = toTamperCase(r)
	}
	return out, nil
}

// AddMeterOrder stores an open order.
func (db *DB) AddMeterOrder(ctx context.Context, o *backoffice.MeterOrder) error {
	r := meterOrderRow{MeterID: o.MeterID, TamperCaseID: o.TamperCaseID, Kind: string(o.Kind), Status: string(o.Status), Note: o.Note,
		CreatedBy: o.CreatedBy, CreatedAt: o.CreatedAt.UTC()}
	if _, err := db.idb(ctx).NewInsert().Model(&r).Returning("id").Exec(ctx); err != nil {
		return dbError(err)
	}
	o.ID = r.ID
	return nil
}

// CompleteMeterOrder marks an open order done; one done meanwhile is a conflict.
func (db *DB) CompleteMeterOrder(ctx context.Context, o *backoffice.MeterOrder) error {
	var doneAt time.Time
	if o.DoneAt != nil {
		doneAt = o.DoneAt.UTC()
	}
	res, err := db.idb(ctx).NewUpdate().Model((*meterOrderRow)(nil)).Set("status = ?", string(backoffice.OrderDone)).
		Set("done_by = ?", o.DoneBy).Set("done_at = ?", doneAt).Set("note = ?", o.Note).
		Where("id = ? AND status = ?", o.ID, string(backoffice.OrderOpen)).Exec(ctx)
	if err != nil {
		return dbError(err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err != nil {
			return dbError(err)
		}
		return core.Errorf(core.CodeConflict, backoffice.ReasonOrderDone, "order %d was done by someone else meanwhile", o.ID)
	}
	return nil
}

func orderQuery(idb bun.IDB, rows any) *bun.SelectQuery {
	return idb.NewSelect().Model(rows).ColumnExpr("mo.*").ColumnExpr("m.number AS meter_number").Join("JOIN meters AS m ON m.id = mo.meter_id")
}

// MeterOrder returns an order, or core.ErrNotFound.
func (db *DB) MeterOrder(ctx context.Context, id int64) (backoffice.MeterOrder, error) {
	var r meterOrderRow
	if err := orderQuery(db.idb(ctx), &r).Where("mo.id = ?", id).Scan(ctx); err != nil {
		return backoffice.MeterOrder{}, dbError(err)
	}
	return toMeterOrder(r), nil
}

// MeterOrders returns a page of orders, by ID.
func (db *DB) MeterOrders(ctx context.Context, q backoffice.OrderQuery) ([]backoffice.MeterOrder, error) {
	var rows []meterOrderRow
	sel := orderQuery(db.idb(ctx), &rows).Where("mo.id > ?", q.AfterID)
	if q.UtilityID != 0 {
		sel = sel.Join("JOIN supply_groups AS sg ON sg.id = m.supply_group_id").Where("sg.utility_id = ?", q.UtilityID)
	}
	if q.MeterID != 0 {
		sel = sel.Where("mo.meter_id = ?", q.MeterID)
	}
	if q.TamperCaseID != 0 {
		sel = sel.Where("mo.tamper_case_id = ?", q.TamperCaseID)
	}
	if q.Status != "" {
		sel = sel.Where("mo.status = ?", string(q.Status))
	}
	if err := sel.Order("mo.id").Limit(int64(q.Limit)).Scan(ctx); err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.MeterOrder, len(rows))
	for i, r := range rows {
		out[i] = toMeterOrder(r)
	}
	return out, nil
}
