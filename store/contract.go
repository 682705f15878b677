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

var _ backoffice.ContractStore = (*DB)(nil)

// contractRow is a row of contracts; the meter's number and the customer's name are read with it.
type contractRow struct {
	bun.BaseModel `bun:"table:contracts,alias:c"`

	ID             int64     `bun:"id,pk,autoincrement"`
	CustomerID     int64     `bun:"customer_id"`
	MeterID        int64     `bun:"meter_id"`
	TariffID       int64     `bun:"tariff_id"`
	SiteID         int64     `bun:"site_id"`
	Status         string    `bun:"status"`
	OpenedAt       time.Time `bun:"opened_at"`
	OpenedBy       string    `bun:"opened_by"`
	OpeningArrears int64     `bun:"opening_arrears"`
	ClosedAt       time.Time `bun:"closed_at,nullzero"`
	ClosedBy       string    `bun:"closed_by"`
	ClosingReading int64     `bun:"closing_reading"`
	ClosingArrears int64     `bun:"closing_arrears"`
	ArrearsOutcome string    `bun:"arrears_outcome"`
	Version        int64     `bun:"version"`

	MeterNumber  string `bun:"meter_number,scanonly"`
	CustomerName string `bun:"customer_name,scanonly"`
}

func fromContract(c *backoffice.Contract) contractRow {
	r := contractRow{ID: c.ID, CustomerID: c.CustomerID, MeterID: c.MeterID, TariffID: c.TariffID, SiteID: c.SiteID,
		Status: string(c.Status), OpenedAt: c.OpenedAt.UTC(), OpenedBy: c.OpenedBy, OpeningArrears: int64(c.OpeningArrears),
		ClosedBy: c.ClosedBy, ClosingReading: int64(c.ClosingReading), ClosingArrears: int64(c.ClosingArrears),
		ArrearsOutcome: string(c.ArrearsOutcome), Version: c.Version}
	if c.ClosedAt != nil {
		r.ClosedAt = c.ClosedAt.UTC()
	}
	return r
}

func toContract(r contractRow) backoffice.Contract {
	c := backoffice.Contract{ID: r.ID, CustomerID: r.CustomerID, Customer: r.CustomerName, MeterID: r.MeterID, MeterNumber: r.MeterNumber,
		TariffID: r.TariffID, SiteID: r.SiteID, Status: backoffice.ContractStatus(r.Status), OpenedAt: r.OpenedAt.UTC(),
		OpenedBy: r.OpenedBy, OpeningArrears: core.Money(r.OpeningArrears), ClosedBy: r.ClosedBy,
		ClosingReading: core.Energy(r.ClosingReading), ClosingArrears: core.Money(r.ClosingArrears),
		ArrearsOutcome: backoffice.ArrearsOutcome(r.ArrearsOutcome), Version: r.Version}
	if !r.ClosedAt.IsZero() {
		t := r.ClosedAt.UTC()
		c.ClosedAt = &t
	}
	return c
}

// OpenContract stores an open contract and installs its meter (see backoffice.ContractStore).
func (db *DB) OpenContract(ctx context.Context, c *backoffice.Contract, from backoffice.StockState) error {
	return dbError(db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := db.checkContractParties(ctx, tx, c); err != nil {
			return err
		}
		c.Version = 1
		r := fromContract(c)
		if _, err := tx.NewInsert().Model(&r).Returning("id").Exec(ctx); err != nil {
			return err
		}
		c.ID = r.ID
		mv := backoffice.Movement{MeterID: c.MeterID, MeterNumber: c.MeterNumber, From: from, To: backoffice.StockInstalled,
			At: c.OpenedAt, Actor: c.OpenedBy, Reason: fmt.Sprintf("contract %d opened", c.ID), ContractID: c.ID}
		return moveMeter(ctx, tx, &mv, func(q *bun.UpdateQuery) *bun.UpdateQuery {
			// A new customer starts the month afresh; the TID counter stays the meter's.
			return q.Set("customer_id = ?", c.CustomerID).Set("tariff_id = ?", c.TariffID).Set("contract_id = ?", c.ID).
				Set("arrears = ?", int64(c.OpeningArrears)).Set("month = ''").Set("month_energy = 0").Set("month_fixed_paid = 0").
				Where("contract_id IS NULL")
		})
	}))
}

// checkContractParties checks that the customer exists and that the tariff is of the meter's
// utility and kind.
func (db *DB) checkContractParties(ctx context.Context, tx bun.Tx, c *backoffice.Contract) error {
	exists, err := tx.NewSelect().Model((*customerRow)(nil)).Where("id = ?", c.CustomerID).Exists(ctx)
	if err != nil {
		return err
	}
	if !exists {
		return core.Errorf(core.CodeInvalid, backoffice.ReasonInvalidContract, "customer %d does not exist", c.CustomerID).OnField("customer_id")
	}
	var m meterRow
	if err := tx.NewSelect().Model(&m).Relation("SupplyGroup").Where("m.id = ?", c.MeterID).Scan(ctx); err != nil {
		return err
	}
	var tr tariffRow
	if err := tx.NewSelect().Model(&tr).Where("id = ?", c.TariffID).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return core.Errorf(core.CodeInvalid, core.ReasonUnknownTariff, "tariff %d does not exist", c.TariffID).OnField("tariff_id")
		}
		return err
	}
	if tr.UtilityID != m.SupplyGroup.UtilityID {
		return core.Errorf(core.CodeInvalid, core.ReasonMeterOtherUtility, "tariff %d belongs to another utility than meter %s", c.TariffID, m.Number).OnField("tariff_id")
	}
	t, err := toCoreTariff(tr)
	if err != nil {
		return err
	}
	if err := (core.Meter{Number: m.Number, Kind: core.MeterKind(m.Kind)}).CheckTariff(t); err != nil {
		return core.AsError(err).OnField("tariff_id")
	}
	return nil
}

// CloseContract closes an open contract at its version and frees its meter (see
// backoffice.ContractStore).
func (db *DB) CloseContract(ctx context.Context, c *backoffice.Contract) error {
	return dbError(db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var arrears int64
		if err := tx.NewRaw("SELECT arrears FROM meters WHERE id = ? AND contract_id = ?"+db.dialect.forUpdate(), c.MeterID, c.ID).
			Scan(ctx, &arrears); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return core.Errorf(core.CodeConflict, backoffice.ReasonStaleVersion, "contract %d no longer holds meter %s; read it again", c.ID, c.MeterNumber)
			}
			return err
		}
		c.ClosingArrears = core.Money(arrears)
		r := fromContract(c)
		if err := saveVersioned(ctx, tx, &r, "contract", r.ID, &r.Version, func() { c.Version = r.Version }); err != nil {
			return err
		}
		mv := backoffice.Movement{MeterID: c.MeterID, MeterNumber: c.MeterNumber, From: backoffice.StockInstalled, To: backoffice.StockRemoved,
			At: *c.ClosedAt, Actor: c.ClosedBy, ContractID: c.ID,
			Reason: fmt.Sprintf("contract %d closed at reading %s, arrears of %d %s", c.ID, c.ClosingReading, arrears, c.ArrearsOutcome)}
		return moveMeter(ctx, tx, &mv, func(q *bun.UpdateQuery) *bun.UpdateQuery {
			return q.Set("contract_id = NULL").Set("arrears = 0").Where("contract_id = ?", c.ID)
		})
	}))
}

// contractQuery selects contracts with their meter's number and customer's name.
func contractQuery(idb bun.IDB, rows any) *bun.SelectQuery {
	return idb.NewSelect().Model(rows).ColumnExpr("c.*").ColumnExpr("m.number AS meter_number").ColumnExpr("cu.name AS customer_name").
		Join("JOIN meters AS m ON m.id = c.meter_id").Join("JOIN customers AS cu ON cu.id = c.customer_id")
}

// Contract returns a contract, or core.ErrNotFound.
func (db *DB) Contract(ctx context.Context, id int64) (backoffice.Contract, error) {
	var r contractRow
	if err := contractQuery(db.idb(ctx), &r).Where("c.id = ?", id).Scan(ctx); err != nil {
		return backoffice.Contract{}, dbError(err)
	}
	return toContract(r), nil
}

// Contracts returns a page of contracts, by ID.
func (db *DB) Contracts(ctx context.Context, q backoffice.ContractQuery) ([]backoffice.Contract, error) {
	var rows []contractRow
	sel := contractQuery(db.idb(ctx), &rows).Where("c.id > ?", q.AfterID)
	if q.UtilityID != 0 {
		sel = sel.Join("JOIN supply_groups AS sg ON sg.id = m.supply_group_id").Where("sg.utility_id = ?", q.UtilityID)
	}
	if q.CustomerID != 0 {
		sel = sel.Where("c.customer_id = ?", q.CustomerID)
	}
	if q.MeterNumber != "" {
		sel = sel.Where("m.number = ?", q.MeterNumber)
	}
	if q.Status != "" {
		sel = sel.Where("c.status = ?", string(q.Status))
	}
	if err := sel.Order("c.id").Limit(int64(q.Limit)).Scan(ctx); err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.Contract, len(rows))
	for i, r := range rows {
		out[i] = toContract(r)
	}
	return out, nil
}

// registerInstalled opens the contract of a meter registered straight onto its customer
// (CreateMeter): the way meters were registered before meter storage, which keeps them selling.
func registerInstalled(ctx context.Context, tx bun.Tx, r *meterRow, at time.Time) error {
	c := contractRow{CustomerID: r.CustomerID, MeterID: r.ID, TariffID: r.TariffID, Status: string(backoffice.ContractOpen),
		OpenedAt: at, OpenedBy: "registration", OpeningArrears: r.Arrears, Version: 1}
	if _, err := tx.NewInsert().Model(&c).Returning("id").Exec(ctx); err != nil {
		return err
	}
	r.ContractID = c.ID
	if _, err := tx.NewUpdate().Model((*meterRow)(nil)).Set("contract_id = ?", c.ID).Where("id = ?", r.ID).Exec(ctx); err != nil {
		return err
	}
	mv := movementRow{MeterID: r.ID, ToState: string(backoffice.StockInstalled), At: at, Actor: "registration",
		Reason: "registered onto its customer", ContractID: c.ID}
	_, err := tx.NewInsert().Model(&mv).Returning("NULL").Exec(ctx)
	return err
}
