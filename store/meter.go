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
	"github.com/vendgate/vendgate/sts"
)

var (
	_ core.MeterReader   = (*DB)(nil)
	_ core.MeterAtReader = (*DB)(nil)
)

// Rows of the meters table.
type (
	meterRow struct {
		bun.BaseModel `bun:"table:meters,alias:m"`

		ID            int64  `bun:"id,pk,autoincrement"`
		Number        string `bun:"number"`
		Kind          string `bun:"kind"`
		Status        string `bun:"status"`
		SupplyGroupID int64  `bun:"supply_group_id"`
		CustomerID    int64  `bun:"customer_id,nullzero"` // NULL for a meter in the store
		TariffID      int64  `bun:"tariff_id,nullzero"`
		// Meter storage (store/inventory.go): the stock state, the technician a meter is issued
		// to, its batch and the open contract it is installed on (NULL for none).
		StockState string `bun:"stock_state"`
		Technician string `bun:"technician"`
		BatchID    int64  `bun:"batch_id,nullzero"`
		ContractID int64  `bun:"contract_id,nullzero"`

		PAN      string `bun:"pan"`
		SGC      string `bun:"sgc"`
		KRN      int16  `bun:"krn"`
		KT       int16  `bun:"kt"`
		TI       int16  `bun:"ti"`
		DKGA     int16  `bun:"dkga"`
		EA       int16  `bun:"ea"`
		BaseDate int16  `bun:"base_date"`
		KEN      int16  `bun:"ken"`

		PendingPAN      *string `bun:"pending_pan"`
		PendingSGC      *string `bun:"pending_sgc"`
		PendingKRN      *int16  `bun:"pending_krn"`
		PendingKT       *int16  `bun:"pending_kt"`
		PendingTI       *int16  `bun:"pending_ti"`
		PendingDKGA     *int16  `bun:"pending_dkga"`
		PendingEA       *int16  `bun:"pending_ea"`
		PendingBaseDate *int16  `bun:"pending_base_date"`
		PendingKEN      *int16  `bun:"pending_ken"`
		PendingRollover bool    `bun:"pending_rollover"`

		countersRow
		// Version counts the vend path's changes; RecordVersion operators' edits.
		Version       int64 `bun:"version"`
		RecordVersion int64 `bun:"record_version"`

		Customer    *customerRow    `bun:"rel:belongs-to,join:customer_id=id"`
		Tariff      *tariffRow      `bun:"rel:belongs-to,join:tariff_id=id"`
		SupplyGroup *supplyGroupRow `bun:"rel:belongs-to,join:supply_group_id=id"`
	}
	// countersRow is a meter's counters: core.MeterCounters.
	countersRow struct {
		LastTID        int64  `bun:"last_tid"`
		TIDKey         string `bun:"tid_key"`
		Arrears        int64  `bun:"arrears"`
		Month          string `bun:"month"`
		MonthEnergy    int64  `bun:"month_energy"`
		MonthFixedPaid int64  `bun:"month_fixed_paid"`
	}
)

// countersColumns lists countersRow's columns, for RETURNING.
const countersColumns = "last_tid, tid_key, arrears, month, month_energy, month_fixed_paid"

// keyColumns lists a meter's identity and key columns, for RETURNING.
const keyColumns = "id, number, kind, status, supply_group_id, customer_id, tariff_id, contract_id, " +
	"pan, sgc, krn, kt, ti, dkga, ea, base_date, ken, " +
	"pending_pan, pending_sgc, pending_krn, pending_kt, pending_ti, pending_dkga, pending_ea, pending_base_date, pending_ken, pending_rollover"

func fromCoreMeter(m *core.Meter, arrears core.Money) meterRow {
	k := m.Key
	r := meterRow{
		ID: m.ID, Number: m.Number, Kind: string(m.Kind), Status: string(m.Status),
		SupplyGroupID: m.SupplyGroupID, CustomerID: m.CustomerID, TariffID: m.TariffID,
		PAN: k.PAN.String(), SGC: k.SGC.String(), KRN: int16(k.KRN), KT: int16(k.KT), TI: int16(k.TI),
		DKGA: int16(k.DKGA), EA: int16(k.EA), BaseDate: int16(k.BaseDate), KEN: int16(k.KEN),
		countersRow: countersRow{Arrears: int64(arrears)},
	}
	r.setPending(m.PendingKey, m.PendingRollover)
	return r
}

// setPending sets the pending key columns: all NULL when p is nil.
func (r *meterRow) setPending(p *core.MeterKey, rollover bool) {
	r.PendingPAN, r.PendingSGC, r.PendingKRN, r.PendingKT, r.PendingTI = nil, nil, nil, nil, nil
	r.PendingDKGA, r.PendingEA, r.PendingBaseDate, r.PendingKEN, r.PendingRollover = nil, nil, nil, nil, false
	if p == nil {
		return
	}
	small := func(v int) *int16 { s := int16(v); return &s }
	pan, sgc := p.PAN.String(), p.SGC.String()
	r.PendingPAN, r.PendingSGC = &pan, &sgc
	r.PendingKRN, r.PendingKT, r.PendingTI = small(int(p.KRN)), small(int(p.KT)), small(int(p.TI))
	r.PendingDKGA, r.PendingEA = small(int(p.DKGA)), small(int(p.EA))
	r.PendingBaseDate, r.PendingKEN = small(int(p.BaseDate)), small(int(p.KEN))
	r.PendingRollover = rollover
}

func toCoreMeter(r meterRow) (core.Meter, error) {
	key, err := toCoreMeterKey(r.PAN, r.SGC, r.KRN, r.KT, r.TI, r.DKGA, r.EA, r.BaseDate, r.KEN)
	if err != nil {
		return core.Meter{}, corrupt("meter", r.ID, err)
	}
	m := core.Meter{
		ID: r.ID, Number: r.Number, Kind: core.MeterKind(r.Kind), Status: core.MeterStatus(r.Status), Key: key,
		SupplyGroupID: r.SupplyGroupID, CustomerID: r.CustomerID, TariffID: r.TariffID, ContractID: r.ContractID,
	}
	if r.PendingSGC != nil {
		deref := func(p *int16) int16 {
			if p == nil {
				return -1
			}
			return *p
		}
		pan := ""
		if r.PendingPAN != nil {
			pan = *r.PendingPAN
		}
		pending, err := toCoreMeterKey(pan, *r.PendingSGC, deref(r.PendingKRN), deref(r.PendingKT), deref(r.PendingTI),
			deref(r.PendingDKGA), deref(r.PendingEA), deref(r.PendingBaseDate), deref(r.PendingKEN))
		if err != nil {
			return core.Meter{}, corrupt("meter", r.ID, fmt.Errorf("pending key: %w", err))
		}
		m.PendingKey, m.PendingRollover = &pending, r.PendingRollover
	}
	return m, nil
}

func toCoreMeterKey(pan, sgc string, krn, kt, ti, dkga, ea, baseDate, ken int16) (core.MeterKey, error) {
	p, err := sts.ParsePAN(pan)
	if err != nil {
		return core.MeterKey{}, err
	}
	g, err := sts.ParseSGC(sgc)
	if err != nil {
		return core.MeterKey{}, err
	}
	for _, v := range []int16{krn, kt, ti, dkga, ea, ken} {
		if v < 0 || v > 255 {
			return core.MeterKey{}, fmt.Errorf("key parameter %d out of range", v)
		}
	}
	k := core.MeterKey{
		PAN: p, SGC: g, KRN: uint8(krn), KT: sts.KeyType(kt), TI: uint8(ti), DKGA: sts.DKGA(dkga),
		EA: sts.EA(ea), BaseDate: sts.BaseDate(baseDate), KEN: sts.KEN(ken),
	}
	return k, nil
}

func toCoreCounters(r countersRow) core.MeterCounters {
	return core.MeterCounters{
		LastTID: sts.TID(r.LastTID), TIDKey: r.TIDKey, Arrears: core.Money(r.Arrears), Month: r.Month,
		MonthEnergy: core.Energy(r.MonthEnergy), MonthFixedPaid: core.Money(r.MonthFixedPaid),
	}
}

func fromCoreCounters(c core.MeterCounters) countersRow {
	return countersRow{
		LastTID: int64(c.LastTID), TIDKey: c.TIDKey, Arrears: int64(c.Arrears), Month: c.Month,
		MonthEnergy: int64(c.MonthEnergy), MonthFixedPaid: int64(c.MonthFixedPaid),
	}
}

// MeterByNumber returns a meter with its customer, tariff, utility and arrears, or
// core.ErrNotFound; the tariff's prices and the utility's parameters are the versions in effect
// now (the store's clock). A meter on no open contract (in the store, issued, removed) comes back
// as the meter alone, which core refuses to sell to.
func (db *DB) MeterByNumber(ctx context.Context, number string) (core.MeterView, error) {
	return db.MeterByNumberAt(ctx, number, db.utc())
}

// MeterByNumberAt is MeterByNumber with the tariff's prices and the utility's parameters in
// effect at at: a vend's time (core.MeterAtReader).
func (db *DB) MeterByNumberAt(ctx context.Context, number string, at time.Time) (core.MeterView, error) {
	var r meterRow
	err := db.scanP(ctx, sqlTx(ctx), &r, db.queries.meterByNumber, number)
	if err != nil {
		return core.MeterView{}, dbError(err)
	}
	if r.ContractID == 0 {
		// In the store, issued or removed: no customer or tariff to show, and no sale (core).
		m, err := toCoreMeter(r)
		return core.MeterView{Meter: m}, err
	}
	if r.SupplyGroup, err = cachedRow(ctx, db, "supply_groups", r.SupplyGroupID, func(ctx context.Context, g *supplyGroupRow) error {
		return db.bun.NewSelect().Model(g).Relation("Utility").Where("sg.id = ?", r.SupplyGroupID).Scan(ctx)
	}); err != nil {
		return core.MeterView{}, dbError(err)
	}
	if err := db.pricesAt(ctx, &r, at); err != nil {
		return core.MeterView{}, dbError(err)
	}
	return db.meterView(r)
}

func (db *DB) meterView(r meterRow) (core.MeterView, error) {
	if r.Customer == nil || r.Tariff == nil || r.SupplyGroup == nil || r.SupplyGroup.Utility == nil {
		return core.MeterView{}, corrupt("meter", r.ID, errors.New("missing customer, tariff or supply group"))
	}
	m, err := toCoreMeter(r)
	if err != nil {
		return core.MeterView{}, err
	}
	t, err := toCoreTariff(*r.Tariff)
	if err != nil {
		return core.MeterView{}, err
	}
	u, err := db.toCoreUtility(*r.SupplyGroup.Utility)
	if err != nil {
		return core.MeterView{}, err
	}
	return core.MeterView{Meter: m, Customer: toCoreCustomer(*r.Customer), Tariff: t, Utility: u, Arrears: core.Money(r.Arrears)}, nil
}

// CreateMeter stores a meter with its opening arrears and sets its ID: core.Meter.CheckNew's
// rules, and the key must be the supply group's, and the tariff must belong to the supply group's
// utility and be of the meter's kind (core.Meter.CheckTariff). The meter is registered straight
// onto its customer: installed on a contract of its own (store/contract.go), which sets its
// ContractID. Meters received into the store come in batches instead (ReceiveBatch).
func (db *DB) CreateMeter(ctx context.Context, m *core.Meter, arrears core.Money) error {
	if err := m.CheckNew(arrears); err != nil {
		return err
	}
	r := fromCoreMeter(m, arrears)
	r.RecordVersion = 1
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var g supplyGroupRow
		if err := tx.NewSelect().Model(&g).Where("id = ?", m.SupplyGroupID).Scan(ctx); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return core.Errorf(core.CodeInvalid, core.ReasonUnknownSupplyGroup, "meter %s: supply group %d does not exist", m.Number, m.SupplyGroupID)
			}
			return err
		}
		if g.SGC != r.SGC || g.KRN != r.KRN || g.DKGA != r.DKGA {
			return core.Errorf(core.CodeInvalid, core.ReasonInvalidMeterKey, "meter %s: the key's SGC, KRN and DKGA are not supply group %d's", m.Number, g.ID)
		}
		if err := checkMeterTariff(ctx, tx, m, g); err != nil {
			return err
		}
		if m.PendingKey != nil {
			if err := checkPendingGroup(ctx, tx, g.UtilityID, m.PendingKey); err != nil {
				return err
			}
		}
		r.StockState = string(backoffice.StockInstalled)
		if _, err := tx.NewInsert().Model(&r).Exec(ctx); err != nil {
			return err
		}
		return registerInstalled(ctx, tx, &r, db.utc())
	})
	if err != nil {
		return dbError(err)
	}
	m.ID, m.ContractID = r.ID, r.ContractID
	return nil
}

// checkMeterTariff checks that a meter's tariff exists, belongs to its supply group's utility and
// is of the meter's kind (core.Meter.CheckTariff).
func checkMeterTariff(ctx context.Context, tx bun.IDB, m *core.Meter, g supplyGroupRow) error {
	var tr tariffRow
	if err := tx.NewSelect().Model(&tr).Where("id = ?", m.TariffID).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return core.Errorf(core.CodeInvalid, core.ReasonUnknownTariff, "meter %s: tariff %d does not exist", m.Number, m.TariffID)
		}
		return err
	}
	if tr.UtilityID != g.UtilityID {
		return core.Errorf(core.CodeInvalid, core.ReasonMeterOtherUtility, "meter %s: tariff %d belongs to another utility than supply group %d", m.Number, m.TariffID, g.ID)
	}
	t, err := toCoreTariff(tr)
	if err != nil {
		return err
	}
	return m.CheckTariff(t)
}

// checkPendingGroup checks that the supply group of a pending key exists and is the utility's.
func checkPendingGroup(ctx context.Context, tx bun.Tx, utilityID int64, k *core.MeterKey) error {
	var g supplyGroupRow
	err := tx.NewSelect().Model(&g).Where("sgc = ? AND krn = ? AND dkga = ?", k.SGC.String(), int16(k.KRN), int16(k.DKGA)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) || err == nil && g.UtilityID != utilityID {
		return core.Errorf(core.CodeInvalid, core.ReasonUnknownSupplyGroup, "no supply group of the meter's utility has SGC %s KRN %d DKGA%s", k.SGC, k.KRN, k.DKGA)
	}
	return err
}

// SetPendingKeyChange records the key a meter is to move to (a nil key cancels a pending change).
// Until ConfirmKeyChange, each vend returns the key change tokens before the credit token. The
// key's PAN, when empty, is the meter's; the new key's supply group must exist.
func (db *DB) SetPendingKeyChange(ctx context.Context, meterID int64, key *core.MeterKey, rollover bool) error {
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var r meterRow
		if err := tx.NewSelect().Model(&r).Relation("SupplyGroup").Where("m.id = ?", meterID).Scan(ctx); err != nil {
			return err
		}
		m, err := toCoreMeter(r)
		if err != nil {
			return err
		}
		if key != nil {
			if err := core.CheckKeyChange(m.Key, key); err != nil {
				return err
			}
			if err := checkPendingGroup(ctx, tx, r.SupplyGroup.UtilityID, key); err != nil {
				return err
			}
		}
		r.setPending(key, rollover)
		_, err = tx.NewUpdate().Model(&r).
			Column("pending_pan", "pending_sgc", "pending_krn", "pending_kt", "pending_ti", "pending_dkga",
				"pending_ea", "pending_base_date", "pending_ken", "pending_rollover").
			Set("version = version + 1").Set("record_version = record_version + 1").
			WherePK().Exec(ctx)
		return err
	})
	return dbError(err)
}

// ConfirmKeyChange makes a meter's pending key its key (and its supply group the new key's), once
// the meter has accepted the key change tokens. A meter with no pending change is a conflict.
func (db *DB) ConfirmKeyChange(ctx context.Context, meterID int64) error {
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var id int64
		err := tx.NewRaw(`UPDATE meters SET
			pan = pending_pan, sgc = pending_sgc, krn = pending_krn, kt = pending_kt, ti = pending_ti,
			dkga = pending_dkga, ea = pending_ea, base_date = pending_base_date, ken = pending_ken,
			supply_group_id = (SELECT sg.id FROM supply_groups AS sg
				WHERE sg.sgc = meters.pending_sgc AND sg.krn = meters.pending_krn AND sg.dkga = meters.pending_dkga),
			pending_pan = NULL, pending_sgc = NULL, pending_krn = NULL, pending_kt = NULL, pending_ti = NULL,
			pending_dkga = NULL, pending_ea = NULL, pending_base_date = NULL, pending_ken = NULL,
			pending_rollover = FALSE, version = version + 1, record_version = record_version + 1
			WHERE id = ? AND pending_sgc IS NOT NULL
			RETURNING id`, meterID).Scan(ctx, &id)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var number string
		if err := tx.NewSelect().Model((*meterRow)(nil)).Column("number").Where("id = ?", meterID).Scan(ctx, &number); err != nil {
			return err // no row: core.ErrNotFound
		}
		return core.Errorf(core.CodeConflict, core.ReasonNoKeyChangePending, "meter %s has no pending key change", number)
	})
	return dbError(err)
}

// SetMeterStatus blocks, unblocks or decommissions a meter, as core.CheckMeterStatusChange
// allows; an unknown meter is core.ErrNotFound.
func (db *DB) SetMeterStatus(ctx context.Context, meterID int64, status core.MeterStatus) error {
	if err := core.CheckMeterStatus(status); err != nil {
		return err
	}
	return dbError(db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var number, current string
		if err := tx.NewRaw("SELECT number, status FROM meters WHERE id = ?"+db.dialect.forUpdate(), meterID).
			Scan(ctx, &number, &current); err != nil {
			return err
		}
		if err := core.CheckMeterStatusChange(number, core.MeterStatus(current), status); err != nil {
			return err
		}
		_, err := tx.NewUpdate().Model((*meterRow)(nil)).Set("status = ?", string(status)).Set("version = version + 1").
			Set("record_version = record_version + 1").
			Where("id = ?", meterID).Exec(ctx)
		return err
	}))
}
