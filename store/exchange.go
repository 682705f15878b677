package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

var _ backoffice.ExchangeStore = (*DB)(nil)

// Rows of meter exchanges and of the periods of contracts (which meter was on a contract when).
type (
	meterExchangeRow struct {
		bun.BaseModel `bun:"table:meter_exchanges,alias:mx"`

		ID              int64     `bun:"id,pk,autoincrement"`
		ContractID      int64     `bun:"contract_id"`
		OldMeterID      int64     `bun:"old_meter_id"`
		NewMeterID      int64     `bun:"new_meter_id"`
		OldReading      int64     `bun:"old_reading"`
		RemainingCredit int64     `bun:"remaining_credit"`
		CarriedCredit   int64     `bun:"carried_credit"`
		Arrears         int64     `bun:"arrears"`
		TokenID         int64     `bun:"token_id,nullzero"`
		Reason          string    `bun:"reason"`
		Actor           string    `bun:"actor"`
		At              time.Time `bun:"at"`

		OldMeterNumber string `bun:"old_meter_number,scanonly"`
		NewMeterNumber string `bun:"new_meter_number,scanonly"`
	}
	contractMeterRow struct {
		bun.BaseModel `bun:"table:contract_meters,alias:cm"`

		ID         int64     `bun:"id,pk,autoincrement"`
		ContractID int64     `bun:"contract_id"`
		MeterID    int64     `bun:"meter_id"`
		FromAt     time.Time `bun:"from_at"`
		ToAt       time.Time `bun:"to_at,nullzero"`

		MeterNumber string `bun:"meter_number,scanonly"`
	}
)

// startContractMeter opens the period of a meter on a contract.
func startContractMeter(ctx context.Context, tx bun.IDB, contractID, meterID int64, at time.Time) error {
	r := contractMeterRow{ContractID: contractID, MeterID: meterID, FromAt: at.UTC()}
	_, err := tx.NewInsert().Model(&r).Returning("NULL").Exec(ctx)
	return err
}

// endContractMeter closes the open period of a contract.
func endContractMeter(ctx context.Context, tx bun.IDB, contractID int64, at time.Time) error {
	_, err := tx.NewUpdate().Model((*contractMeterRow)(nil)).Set("to_at = ?", at.UTC()).
		Where("contract_id = ? AND to_at IS NULL", contractID).Exec(ctx)
	return err
}

// ExchangeMeter exchanges a contract's meter (see backoffice.ExchangeStore): the old meter's
// arrears and month's counters move to the new one, in one transaction.
func (db *DB) ExchangeMeter(ctx context.Context, x *backoffice.MeterExchange) error {
	return dbError(db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var c countersRow
		err := tx.NewRaw("SELECT arrears, month, month_energy, month_fixed_paid FROM meters WHERE id = ? AND contract_id = ?"+db.dialect.forUpdate(),
			x.OldMeterID, x.ContractID).Scan(ctx, &c.Arrears, &c.Month, &c.MonthEnergy, &c.MonthFixedPaid)
		if errors.Is(err, sql.ErrNoRows) {
			return core.Errorf(core.CodeConflict, backoffice.ReasonStaleVersion, "contract %d no longer holds meter %s; read it again", x.ContractID, x.OldMeterNumber)
		}
		if err != nil {
			return err
		}
		var customerID, tariffID int64
		if err := tx.NewRaw("SELECT customer_id, tariff_id FROM contracts WHERE id = ?", x.ContractID).Scan(ctx, &customerID, &tariffID); err != nil {
			return err
		}
		x.Arrears = core.Money(c.Arrears)
		out := backoffice.Movement{MeterID: x.OldMeterID, MeterNumber: x.OldMeterNumber, From: backoffice.StockInstalled, To: backoffice.StockRemoved,
			At: x.At, Actor: x.Actor, ContractID: x.ContractID,
			Reason: fmt.Sprintf("exchanged for meter %s on contract %d at reading %s: %s", x.NewMeterNumber, x.ContractID, x.OldReading, x.Reason)}
		if err := moveMeter(ctx, tx, &out, func(q *bun.UpdateQuery) *bun.UpdateQuery {
			return q.Set("contract_id = NULL").Set("arrears = 0").Set("month = ''").Set("month_energy = 0").Set("month_fixed_paid = 0").
				Where("contract_id = ?", x.ContractID)
		}); err != nil {
			return err
		}
		in := backoffice.Movement{MeterID: x.NewMeterID, MeterNumber: x.NewMeterNumber, From: x.NewFrom, To: backoffice.StockInstalled,
			At: x.At, Actor: x.Actor, ContractID: x.ContractID,
			Reason: fmt.Sprintf("installed on contract %d in place of meter %s: %s", x.ContractID, x.OldMeterNumber, x.Reason)}
		if err := moveMeter(ctx, tx, &in, func(q *bun.UpdateQuery) *bun.UpdateQuery {
			// The month's counters move with the contract, so nothing is charged or given twice.
			return q.Set("customer_id = ?", customerID).Set("tariff_id = ?", tariffID).Set("contract_id = ?", x.ContractID).
				Set("arrears = ?", c.Arrears).Set("month = ?", c.Month).Set("month_energy = ?", c.MonthEnergy).
				Set("month_fixed_paid = ?", c.MonthFixedPaid).Where("contract_id IS NULL")
		}); err != nil {
			return err
		}
		res, err := tx.NewUpdate().Model((*contractRow)(nil)).Set("meter_id = ?", x.NewMeterID).Set("version = version + 1").
			Where("id = ? AND status = ? AND meter_id = ?", x.ContractID, string(backoffice.ContractOpen), x.OldMeterID).Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			if err != nil {
				return err
			}
			return core.Errorf(core.CodeConflict, backoffice.ReasonStaleVersion, "contract %d was changed meanwhile; read it again", x.ContractID)
		}
		if err := endContractMeter(ctx, tx, x.ContractID, x.At); err != nil {
			return err
		}
		if err := startContractMeter(ctx, tx, x.ContractID, x.NewMeterID, x.At); err != nil {
			return err
		}
		rd := backoffice.MeterReading{MeterID: x.OldMeterID, MeterNumber: x.OldMeterNumber, Reading: x.OldReading, ReadAt: x.At,
			Source: backoffice.ReadingExchange, RecordedBy: x.Actor, CreatedAt: x.At}
		if err := addReadings(ctx, tx, []*backoffice.MeterReading{&rd}); err != nil {
			return err
		}
		r := meterExchangeRow{ContractID: x.ContractID, OldMeterID: x.OldMeterID, NewMeterID: x.NewMeterID, OldReading: int64(x.OldReading),
			RemainingCredit: int64(x.RemainingCredit), CarriedCredit: int64(x.CarriedCredit), Arrears: c.Arrears, TokenID: x.TokenID,
			Reason: x.Reason, Actor: x.Actor, At: x.At.UTC()}
		if _, err := tx.NewInsert().Model(&r).Returning("id").Exec(ctx); err != nil {
			return err
		}
		x.ID = r.ID
		return nil
	}))
}

// ContractMeters returns a contract's periods, oldest first.
func (db *DB) ContractMeters(ctx context.Context, contractID int64) ([]backoffice.ContractMeter, error) {
	var rows []contractMeterRow
	err := db.idb(ctx).NewSelect().Model(&rows).ColumnExpr("cm.*").ColumnExpr("m.number AS meter_number").
		Join("JOIN meters AS m ON m.id = cm.meter_id").Where("cm.contract_id = ?", contractID).Order("cm.id").Scan(ctx)
	if err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.ContractMeter, len(rows))
	for i, r := range rows {
		out[i] = backoffice.ContractMeter{ContractID: r.ContractID, MeterID: r.MeterID, MeterNumber: r.MeterNumber, From: r.FromAt.UTC()}
		if !r.ToAt.IsZero() {
			t := r.ToAt.UTC()
			out[i].To = &t
		}
	}
	return out, nil
}

// MeterExchanges returns a contract's exchanges, oldest first.
func (db *DB) MeterExchanges(ctx context.Context, contractID int64) ([]backoffice.MeterExchange, error) {
	var rows []meterExchangeRow
	err := db.idb(ctx).NewSelect().Model(&rows).ColumnExpr("mx.*").ColumnExpr("mo.number AS old_meter_number").ColumnExpr("mn.number AS new_meter_number").
		Join("JOIN meters AS mo ON mo.id = mx.old_meter_id").Join("JOIN meters AS mn ON mn.id = mx.new_meter_id").
		Where("mx.contract_id = ?", contractID).Order("mx.id").Scan(ctx)
	if err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.MeterExchange, len(rows))
	for i, r := range rows {
		out[i] = backoffice.MeterExchange{ID: r.ID, ContractID: r.ContractID, OldMeterID: r.OldMeterID, OldMeterNumber: r.OldMeterNumber,
			NewMeterID: r.NewMeterID, NewMeterNumber: r.NewMeterNumber, OldReading: core.Energy(r.OldReading),
			RemainingCredit: core.Energy(r.RemainingCredit), CarriedCredit: core.Energy(r.CarriedCredit), Arrears: core.Money(r.Arrears),
			TokenID: r.TokenID, Reason: r.Reason, Actor: r.Actor, At: r.At.UTC()}
	}
	return out, nil
}
