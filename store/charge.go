package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

var _ backoffice.ChargeStore = (*DB)(nil)

// Rows of charge_types and customer_charges.
type (
	chargeTypeRow struct {
		bun.BaseModel `bun:"table:charge_types,alias:ct"`

		ID        int64  `bun:"id,pk,autoincrement"`
		UtilityID int64  `bun:"utility_id"`
		Code      string `bun:"code"`
		Name      string `bun:"name"`
		Kind      string `bun:"kind"`
		Amount    int64  `bun:"amount"`
		Active    bool   `bun:"active"`
		Version   int64  `bun:"version"`
	}
	customerChargeRow struct {
		bun.BaseModel `bun:"table:customer_charges,alias:cc"`

		ID            int64     `bun:"id,pk,autoincrement"`
		UtilityID     int64     `bun:"utility_id"`
		CustomerID    int64     `bun:"customer_id"`
		ContractID    int64     `bun:"contract_id"`
		MeterID       int64     `bun:"meter_id"`
		ChargeTypeID  int64     `bun:"charge_type_id"`
		Code          string    `bun:"code"`
		Name          string    `bun:"name"`
		Kind          string    `bun:"kind"`
		Amount        int64     `bun:"amount"`
		Remaining     int64     `bun:"remaining"`
		Method        string    `bun:"method"`
		Share         string    `bun:"share"`
		Status        string    `bun:"status"`
		Reason        string    `bun:"reason"`
		ChargedBy     string    `bun:"charged_by"`
		ChargedAt     time.Time `bun:"charged_at"`
		ReceiptNumber string    `bun:"receipt_number"`
		CollectedBy   string    `bun:"collected_by"`
		CollectedAt   time.Time `bun:"collected_at,nullzero"`
		Collected     int64     `bun:"collected"`
	}
)

func fromChargeType(t *backoffice.ChargeType) chargeTypeRow {
	return chargeTypeRow{ID: t.ID, UtilityID: t.UtilityID, Code: t.Code, Name: t.Name, Kind: t.Kind, Amount: int64(t.Amount), Active: t.Active, Version: t.Version}
}

func toChargeType(r chargeTypeRow) backoffice.ChargeType {
	return backoffice.ChargeType{ID: r.ID, UtilityID: r.UtilityID, Code: r.Code, Name: r.Name, Kind: r.Kind, Amount: core.Money(r.Amount), Active: r.Active, Version: r.Version}
}

func toCustomerCharge(r customerChargeRow) (backoffice.CustomerCharge, error) {
	share, err := decimal.NewFromString(r.Share)
	if err != nil {
		return backoffice.CustomerCharge{}, corrupt("customer charge", r.ID, err)
	}
	c := backoffice.CustomerCharge{ID: r.ID, UtilityID: r.UtilityID, CustomerID: r.CustomerID, ContractID: r.ContractID, MeterID: r.MeterID,
		ChargeTypeID: r.ChargeTypeID, Code: r.Code, Name: r.Name, Kind: r.Kind, Amount: core.Money(r.Amount), Remaining: core.Money(r.Remaining),
		Method: backoffice.ChargeMethod(r.Method), Share: share, Status: backoffice.ChargeStatus(r.Status), Reason: r.Reason,
		ChargedBy: r.ChargedBy, ChargedAt: r.ChargedAt.UTC(), ReceiptNumber: r.ReceiptNumber, CollectedBy: r.CollectedBy, Collected: core.Money(r.Collected)}
	if !r.CollectedAt.IsZero() {
		t := r.CollectedAt.UTC()
		c.CollectedAt = &t
	}
	return c, nil
}

// CreateChargeType stores a catalogue entry (see backoffice.ChargeStore).
func (db *DB) CreateChargeType(ctx context.Context, t *backoffice.ChargeType) error {
	t.Version = 1
	r := fromChargeType(t)
	if _, err := db.idb(ctx).NewInsert().Model(&r).Returning("id").Exec(ctx); err != nil {
		t.Version = 0
		return dbError(err)
	}
	t.ID = r.ID
	return nil
}

// SaveChargeType updates a catalogue entry at its version.
func (db *DB) SaveChargeType(ctx context.Context, t *backoffice.ChargeType) error {
	r := fromChargeType(t)
	return saveVersioned(ctx, db.idb(ctx), &r, "charge type", r.ID, &r.Version, func() { t.Version = r.Version })
}

// ChargeType returns a catalogue entry, or core.ErrNotFound.
func (db *DB) ChargeType(ctx context.Context, id int64) (backoffice.ChargeType, error) {
	var r chargeTypeRow
	if err := db.idb(ctx).NewSelect().Model(&r).Where("id = ?", id).Scan(ctx); err != nil {
		return backoffice.ChargeType{}, dbError(err)
	}
	return toChargeType(r), nil
}

// ChargeTypes returns a utility's catalogue, by code.
func (db *DB) ChargeTypes(ctx context.Context, utilityID int64, all bool) ([]backoffice.ChargeType, error) {
	var rows []chargeTypeRow
	q := db.idb(ctx).NewSelect().Model(&rows).Where("utility_id = ?", utilityID).Order("code")
	if !all {
		q = q.Where("active")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.ChargeType, len(rows))
	for i, r := range rows {
		out[i] = toChargeType(r)
	}
	return out, nil
}

// AddCustomerCharge stores a charge and books it (see backoffice.ChargeStore).
func (db *DB) AddCustomerCharge(ctx context.Context, c *backoffice.CustomerCharge) error {
	return dbError(db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		r := customerChargeRow{UtilityID: c.UtilityID, CustomerID: c.CustomerID, ContractID: c.ContractID, MeterID: c.MeterID,
			ChargeTypeID: c.ChargeTypeID, Code: c.Code, Name: c.Name, Kind: c.Kind, Amount: int64(c.Amount), Remaining: int64(c.Amount),
			Method: string(c.Method), Share: c.Share.String(), Status: string(backoffice.ChargeOutstanding), Reason: c.Reason,
			ChargedBy: c.ChargedBy, ChargedAt: c.ChargedAt.UTC()}
		if _, err := tx.NewInsert().Model(&r).Returning("id").Exec(ctx); err != nil {
			return err
		}
		c.ID, c.Remaining, c.Status = r.ID, c.Amount, backoffice.ChargeOutstanding
		memo := fmt.Sprintf("charge %d %s: %s", r.ID, c.Code, c.Reason)
		return db.insertEntries(ctx, tx.Tx, nil, []core.LedgerEntry{
			{Account: core.ChargeAccount(r.ID), Amount: -c.Amount, Memo: memo},
			{Account: core.UtilityAccount(c.UtilityID, "charges"), Amount: c.Amount, Memo: memo},
		}, c.ChargedAt)
	}))
}

// CollectCharge takes what remains of an outstanding charge at the counter (see
// backoffice.ChargeStore), with a guarded update: of two cashiers collecting one charge at
// once, one is refused as paid already.
func (db *DB) CollectCharge(ctx context.Context, id int64, by string, at time.Time) (backoffice.CustomerCharge, error) {
	var out backoffice.CustomerCharge
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var r customerChargeRow
		err := tx.NewRaw(`UPDATE customer_charges SET collected = remaining, remaining = 0, status = ?, receipt_number = ?,
			collected_by = ?, collected_at = ? WHERE id = ? AND status = ? AND remaining > 0 RETURNING *`,
			string(backoffice.ChargePaid), fmt.Sprintf("CH-%06d", id), by, at.UTC(), id, string(backoffice.ChargeOutstanding)).Scan(ctx, &r)
		if errors.Is(err, sql.ErrNoRows) {
			exists, err := tx.NewSelect().Model((*customerChargeRow)(nil)).Where("id = ?", id).Exists(ctx)
			if err == nil && exists {
				return core.Errorf(core.CodeConflict, backoffice.ReasonChargePaid, "charge %d is paid already", id)
			}
			if err == nil {
				return core.ErrNotFound
			}
			return err
		}
		if err != nil {
			return err
		}
		if out, err = toCustomerCharge(r); err != nil {
			return err
		}
		if err := tx.NewSelect().Model((*utilityRow)(nil)).Column("currency").Where("id = ?", r.UtilityID).Scan(ctx, &out.Currency); err != nil {
			return err
		}
		memo := fmt.Sprintf("charge %d %s collected, receipt %s", r.ID, r.Code, r.ReceiptNumber)
		return db.insertEntries(ctx, tx.Tx, nil, []core.LedgerEntry{
			{Account: core.ChargeAccount(r.ID), Amount: core.Money(r.Collected), Memo: memo},
			{Account: core.UtilityAccount(r.UtilityID, "cash"), Amount: -core.Money(r.Collected), Memo: memo},
		}, at)
	})
	if err != nil {
		return backoffice.CustomerCharge{}, dbError(err)
	}
	return out, nil
}

// CustomerCharge returns a charge, or core.ErrNotFound.
func (db *DB) CustomerCharge(ctx context.Context, id int64) (backoffice.CustomerCharge, error) {
	var r customerChargeRow
	if err := db.idb(ctx).NewSelect().Model(&r).Where("id = ?", id).Scan(ctx); err != nil {
		return backoffice.CustomerCharge{}, dbError(err)
	}
	return toCustomerCharge(r)
}

// ContractCharges returns a contract's charges, by ID.
func (db *DB) ContractCharges(ctx context.Context, contractID int64) ([]backoffice.CustomerCharge, error) {
	var rows []customerChargeRow
	if err := db.idb(ctx).NewSelect().Model(&rows).Where("contract_id = ?", contractID).Order("id").Scan(ctx); err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.CustomerCharge, len(rows))
	for i, r := range rows {
		c, err := toCustomerCharge(r)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// chargesDue sets the locked meters' counters' Charges: the outstanding deducted charges of each
// meter's open contract, oldest first.
func (db *DB) chargesDue(ctx context.Context, tx *sql.Tx, ids []int64, meters map[int64]core.MeterState) error {
	args := make([]any, 0, len(ids)+2)
	args = append(args, string(backoffice.ChargeDeducted), string(backoffice.ChargeOutstanding))
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := db.queryN(ctx, tx, len(ids), "SELECT id, meter_id, contract_id, remaining, share FROM customer_charges "+
		"WHERE method = ? AND status = ? AND meter_id IN "+placeholderRows(1, len(ids))+" ORDER BY id", args...)
	if err != nil {
		return dbError(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, meterID, contractID, remaining int64
		var share string
		if err := rows.Scan(&id, &meterID, &contractID, &remaining, &share); err != nil {
			return dbError(err)
		}
		m, ok := meters[meterID]
		if !ok || m.Meter.ContractID != contractID || remaining <= 0 {
			continue // a charge of a closed contract is not the meter's new customer's
		}
		d, err := decimal.NewFromString(share)
		if err != nil {
			return corrupt("customer charge", id, err)
		}
		m.Counters.Charges = append(m.Counters.Charges, core.ChargeDue{ID: id, Remaining: core.Money(remaining), Share: d})
		meters[meterID] = m
	}
	return dbError(rows.Err())
}

// writeChargesDue writes what remains of the charges a batch's vends deducted from; a charge
// with nothing left is paid.
func (db *DB) writeChargesDue(ctx context.Context, tx *sql.Tx, counters map[int64]core.MeterCounters) error {
	for _, c := range counters {
		for _, ch := range c.Charges {
			status := string(backoffice.ChargeOutstanding)
			if ch.Remaining <= 0 {
				status = string(backoffice.ChargePaid)
			}
			res, err := db.execP(ctx, tx, "UPDATE customer_charges SET remaining = ?, status = ? WHERE id = ?", int64(ch.Remaining), status, ch.ID)
			if err != nil {
				return dbError(err)
			}
			if err := oneRow(res, "customer charge"); err != nil {
				return err
			}
		}
	}
	return nil
}

// restoreCharges gives a reversed vend's fees back to the charges they paid (the vend's entries
// that credited a charge account).
func (db *DB) restoreCharges(ctx context.Context, tx bun.Tx, booked []core.LedgerEntry) error {
	for _, e := range booked {
		rest, ok := strings.CutPrefix(e.Account, "charge:")
		if !ok || e.Amount <= 0 {
			continue
		}
		id, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			return corrupt("ledger account", 0, fmt.Errorf("%q: %w", e.Account, err))
		}
		if _, err := tx.NewUpdate().Model((*customerChargeRow)(nil)).Set("remaining = remaining + ?", int64(e.Amount)).
			Set("status = ?", string(backoffice.ChargeOutstanding)).Where("id = ?", id).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}
