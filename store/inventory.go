package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

var _ backoffice.InventoryStore = (*DB)(nil)

// Rows of meter storage: the batches meters are received in and every move between stock states.
type (
	meterBatchRow struct {
		bun.BaseModel `bun:"table:meter_batches,alias:mb"`

		ID           int64     `bun:"id,pk,autoincrement"`
		UtilityID    int64     `bun:"utility_id"`
		Reference    string    `bun:"reference"`
		Manufacturer string    `bun:"manufacturer"`
		Note         string    `bun:"note"`
		Meters       int64     `bun:"meters"`
		ReceivedAt   time.Time `bun:"received_at"`
		ReceivedBy   string    `bun:"received_by"`
	}
	movementRow struct {
		bun.BaseModel `bun:"table:meter_movements,alias:mm"`

		ID         int64     `bun:"id,pk,autoincrement"`
		MeterID    int64     `bun:"meter_id"`
		FromState  string    `bun:"from_state"`
		ToState    string    `bun:"to_state"`
		At         time.Time `bun:"at"`
		Actor      string    `bun:"actor"`
		Reason     string    `bun:"reason"`
		Technician string    `bun:"technician"`
		ContractID int64     `bun:"contract_id,nullzero"`
		BatchID    int64     `bun:"batch_id,nullzero"`
		// MeterNumber is read from the meter, never written.
		MeterNumber string `bun:"meter_number,scanonly"`
	}
	// meterStockRow is a meter's place in storage, read with its utility.
	meterStockRow struct {
		MeterID    int64  `bun:"meter_id"`
		Number     string `bun:"number"`
		Kind       string `bun:"kind"`
		Status     string `bun:"status"`
		StockState string `bun:"stock_state"`
		Technician string `bun:"technician"`
		BatchID    int64  `bun:"batch_id"`
		ContractID int64  `bun:"contract_id"`
		CustomerID int64  `bun:"customer_id"`
		UtilityID  int64  `bun:"utility_id"`
	}
)

func fromMovement(mv *backoffice.Movement) movementRow {
	return movementRow{ID: mv.ID, MeterID: mv.MeterID, FromState: string(mv.From), ToState: string(mv.To), At: mv.At.UTC(),
		Actor: mv.Actor, Reason: mv.Reason, Technician: mv.Technician, ContractID: mv.ContractID, BatchID: mv.BatchID}
}

func toMovement(r movementRow) backoffice.Movement {
	return backoffice.Movement{ID: r.ID, MeterID: r.MeterID, MeterNumber: r.MeterNumber, From: backoffice.StockState(r.FromState),
		To: backoffice.StockState(r.ToState), At: r.At.UTC(), Actor: r.Actor, Reason: r.Reason, Technician: r.Technician,
		ContractID: r.ContractID, BatchID: r.BatchID}
}

func toMeterStock(r meterStockRow) backoffice.MeterStock {
	return backoffice.MeterStock{MeterID: r.MeterID, Number: r.Number, Kind: core.MeterKind(r.Kind), UtilityID: r.UtilityID,
		Status: core.MeterStatus(r.Status), State: backoffice.StockState(r.StockState), Technician: r.Technician,
		BatchID: r.BatchID, ContractID: r.ContractID, CustomerID: r.CustomerID}
}

// meterStockColumns reads a meterStockRow from meters AS m joined to supply_groups AS sg.
const meterStockColumns = `SELECT m.id AS meter_id, m.number, m.kind, m.status, m.stock_state, m.technician,
	COALESCE(m.batch_id, 0) AS batch_id, COALESCE(m.contract_id, 0) AS contract_id, COALESCE(m.customer_id, 0) AS customer_id,
	sg.utility_id FROM meters AS m JOIN supply_groups AS sg ON sg.id = m.supply_group_id `

// MeterStock returns a meter's place in storage by number, or core.ErrNotFound.
func (db *DB) MeterStock(ctx context.Context, number string) (backoffice.MeterStock, error) {
	var r meterStockRow
	if err := db.idb(ctx).NewRaw(meterStockColumns+"WHERE m.number = ?", number).Scan(ctx, &r); err != nil {
		return backoffice.MeterStock{}, dbError(err)
	}
	return toMeterStock(r), nil
}

// StockMeters returns a page of meters in storage, by ID.
func (db *DB) StockMeters(ctx context.Context, q backoffice.StockQuery) ([]backoffice.MeterStock, error) {
	query, args := meterStockColumns+"WHERE m.id > ?", []any{q.AfterID}
	if q.UtilityID != 0 {
		query, args = query+" AND sg.utility_id = ?", append(args, q.UtilityID)
	}
	if q.State != "" {
		query, args = query+" AND m.stock_state = ?", append(args, string(q.State))
	}
	if q.BatchID != 0 {
		query, args = query+" AND m.batch_id = ?", append(args, q.BatchID)
	}
	var rows []meterStockRow
	if err := db.idb(ctx).NewRaw(query+" ORDER BY m.id LIMIT ?", append(args, q.Limit)...).Scan(ctx, &rows); err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.MeterStock, len(rows))
	for i, r := range rows {
		out[i] = toMeterStock(r)
	}
	return out, nil
}

// MoveMeter records a move and moves the meter, if it is still in mv.From; a meter that moved
// meanwhile is a stale-version conflict.
func (db *DB) MoveMeter(ctx context.Context, mv *backoffice.Movement) error {
	return dbError(db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return moveMeter(ctx, tx, mv, func(q *bun.UpdateQuery) *bun.UpdateQuery { return q })
	}))
}

// moveMeter moves a meter from mv.From to mv.To, with what set adds to the update, and records
// the movement; it sets mv.ID.
func moveMeter(ctx context.Context, tx bun.IDB, mv *backoffice.Movement, set func(*bun.UpdateQuery) *bun.UpdateQuery) error {
	q := tx.NewUpdate().Model((*meterRow)(nil)).Set("stock_state = ?", string(mv.To)).Set("technician = ?", mv.Technician).
		Set("version = version + 1").Where("id = ? AND stock_state = ?", mv.MeterID, string(mv.From))
	res, err := set(q).Exec(ctx)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err != nil {
			return err
		}
		return core.Errorf(core.CodeConflict, backoffice.ReasonStaleVersion, "meter %s was moved by someone else since it was read (it was %s); read it again", mv.MeterNumber, mv.From)
	}
	r := fromMovement(mv)
	if _, err := tx.NewInsert().Model(&r).Returning("id").Exec(ctx); err != nil {
		return err
	}
	mv.ID = r.ID
	return nil
}

// Movements returns a meter's moves, oldest first.
func (db *DB) Movements(ctx context.Context, meterID int64) ([]backoffice.Movement, error) {
	var rows []movementRow
	err := db.idb(ctx).NewSelect().Model(&rows).ColumnExpr("mm.*").ColumnExpr("m.number AS meter_number").
		Join("JOIN meters AS m ON m.id = mm.meter_id").Where("mm.meter_id = ?", meterID).Order("mm.id").Scan(ctx)
	if err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.Movement, len(rows))
	for i, r := range rows {
		out[i] = toMovement(r)
	}
	return out, nil
}

// UtilitySupplyGroups returns a utility's supply groups, by ID.
func (db *DB) UtilitySupplyGroups(ctx context.Context, utilityID int64) ([]core.SupplyGroup, error) {
	var rows []supplyGroupRow
	if err := db.idb(ctx).NewSelect().Model(&rows).Where("sg.utility_id = ?", utilityID).Order("sg.id").Scan(ctx); err != nil {
		return nil, dbError(err)
	}
	out := make([]core.SupplyGroup, len(rows))
	for i, r := range rows {
		sgc, err := sts.ParseSGC(r.SGC)
		if err != nil {
			return nil, corrupt("supply group", r.ID, err)
		}
		out[i] = core.SupplyGroup{ID: r.ID, UtilityID: r.UtilityID, SGC: sgc, KRN: uint8(r.KRN), DKGA: sts.DKGA(r.DKGA), Name: r.Name}
	}
	return out, nil
}

// RegisteredMeterNumbers returns which of numbers are registered meters.
func (db *DB) RegisteredMeterNumbers(ctx context.Context, numbers []string) ([]string, error) {
	var out []string
	if len(numbers) == 0 {
		return nil, nil
	}
	err := db.idb(ctx).NewSelect().Model((*meterRow)(nil)).Column("number").Where("number IN (?)", bun.List(numbers)).Scan(ctx, &out)
	return out, dbError(err)
}

// receiveChunk is how many meters one INSERT of a batch writes.
const receiveChunk = 2000

// ReceiveBatch stores a batch and its meters in the store (stock state in_store, no customer, no
// tariff, no contract), in one transaction (the caller's, when it has one), and a movement for
// each meter, written by one statement from the batch's meters.
func (db *DB) ReceiveBatch(ctx context.Context, b *backoffice.Batch, meters []core.Meter, progress func(done int)) error {
	return dbError(db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		br := meterBatchRow{UtilityID: b.UtilityID, Reference: b.Reference, Manufacturer: b.Manufacturer, Note: b.Note,
			Meters: int64(len(meters)), ReceivedAt: b.ReceivedAt.UTC(), ReceivedBy: b.ReceivedBy}
		if _, err := tx.NewInsert().Model(&br).Returning("id").Exec(ctx); err != nil {
			return err
		}
		rows := make([]meterRow, 0, receiveChunk)
		for i := 0; i < len(meters); i += receiveChunk {
			rows = rows[:0]
			for j := i; j < min(i+receiveChunk, len(meters)); j++ {
				m := meters[j]
				m.CustomerID, m.TariffID, m.ContractID = 0, 0, 0
				r := fromCoreMeter(&m, 0)
				r.StockState, r.BatchID = string(backoffice.StockInStore), br.ID
				rows = append(rows, r)
			}
			if _, err := tx.NewInsert().Model(&rows).Returning("NULL").Exec(ctx); err != nil {
				return err
			}
			if progress != nil {
				progress(i + len(rows))
			}
		}
		_, err := tx.NewRaw(`INSERT INTO meter_movements (meter_id, from_state, to_state, at, actor, reason, technician, batch_id)
			SELECT id, '', ?, ?, ?, ?, '', batch_id FROM meters WHERE batch_id = ? ORDER BY id`,
			string(backoffice.StockInStore), br.ReceivedAt, br.ReceivedBy, "received in batch "+br.Reference, br.ID).Exec(ctx)
		if err != nil {
			return err
		}
		b.ID = br.ID
		return nil
	}))
}

// MeterBatches returns a page of batches, by ID.
func (db *DB) MeterBatches(ctx context.Context, q backoffice.BatchQuery) ([]backoffice.Batch, error) {
	var rows []meterBatchRow
	sel := db.idb(ctx).NewSelect().Model(&rows).Where("mb.id > ?", q.AfterID)
	if q.UtilityID != 0 {
		sel = sel.Where("mb.utility_id = ?", q.UtilityID)
	}
	if err := sel.Order("mb.id").Limit(int64(q.Limit)).Scan(ctx); err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.Batch, len(rows))
	for i, r := range rows {
		out[i] = backoffice.Batch{ID: r.ID, UtilityID: r.UtilityID, Reference: r.Reference, Manufacturer: r.Manufacturer, Note: r.Note,
			Meters: int(r.Meters), ReceivedAt: r.ReceivedAt.UTC(), ReceivedBy: r.ReceivedBy}
	}
	return out, nil
}
