package store

import (
	"context"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

var _ backoffice.TariffVersionStore = (*DB)(nil)

// tariffVersionRow is a row of tariff_versions: one version of a tariff's prices.
//
// A tariff created since the versions' migration has no row until its first change: its tariffs
// row is its version 1 (firstTariffVersion), which AddTariffVersion writes before the second.
// The tariffs row keeps version 1's prices; what prices a vend is the version in effect
// (tariffAt).
type tariffVersionRow struct {
	bun.BaseModel `bun:"table:tariff_versions,alias:tv"`

	TariffID           int64     `bun:"tariff_id,pk"`
	Version            int64     `bun:"version,pk"`
	EffectiveFrom      time.Time `bun:"effective_from"`
	Blocks             string    `bun:"blocks"` // JSON, as tariffRow's
	MonthlyFixedCharge int64     `bun:"monthly_fixed_charge"`
	FreeBasicEnergy    int64     `bun:"free_basic_energy"`
	CreatedAt          time.Time `bun:"created_at"`
	CreatedBy          string    `bun:"created_by"`
	Reason             string    `bun:"reason"`
}

// versionEpoch is when every version 1 takes effect: before any vend.
var versionEpoch = time.Unix(0, 0).UTC()

// firstTariffVersion is version 1 of a tariff with no stored version: its row's prices.
func firstTariffVersion(t tariffRow) tariffVersionRow {
	return tariffVersionRow{TariffID: t.ID, Version: 1, EffectiveFrom: versionEpoch, Blocks: t.Blocks,
		MonthlyFixedCharge: t.MonthlyFixedCharge, FreeBasicEnergy: t.FreeBasicEnergy, CreatedAt: versionEpoch,
		CreatedBy: "vendgate", Reason: "the tariff as created"}
}

// withVersion returns the tariff with a version's prices.
func (t tariffRow) withVersion(v tariffVersionRow) tariffRow {
	t.Blocks, t.MonthlyFixedCharge, t.FreeBasicEnergy = v.Blocks, v.MonthlyFixedCharge, v.FreeBasicEnergy
	return t
}

// tariffVersionRows returns a tariff's versions, version 1 first.
func tariffVersionRows(ctx context.Context, idb bun.IDB, t tariffRow) ([]tariffVersionRow, error) {
	var rows []tariffVersionRow
	if err := idb.NewSelect().Model(&rows).Where("tariff_id = ?", t.ID).Order("version").Scan(ctx); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		rows = []tariffVersionRow{firstTariffVersion(t)}
	}
	return rows, nil
}

// pickTariffVersion returns the version in effect at at.
func pickTariffVersion(rows []tariffVersionRow, at time.Time) tariffVersionRow {
	return rows[backoffice.InEffect(len(rows), func(i int) time.Time { return rows[i].EffectiveFrom }, at)]
}

// tariffAt returns a tariff with the prices in effect at at, from the reference cache. The cache
// keeps every version of the tariff and the choice is made at each read, so a version takes effect
// at its time whenever the versions were loaded; a version added through this store drops the
// cached versions once it commits.
func (db *DB) tariffAt(ctx context.Context, id int64, at time.Time) (*tariffRow, error) {
	t, err := cachedRow(ctx, db, "tariffs", id, func(ctx context.Context, t *tariffRow) error {
		return db.bun.NewSelect().Model(t).Where("t.id = ?", id).Scan(ctx)
	})
	if err != nil {
		return nil, err
	}
	versions, err := cachedRow(ctx, db, "tariff_versions", id, func(ctx context.Context, rows *[]tariffVersionRow) error {
		var err error
		*rows, err = tariffVersionRows(ctx, db.bun, *t)
		return err
	})
	if err != nil {
		return nil, err
	}
	r := t.withVersion(pickTariffVersion(*versions, at))
	return &r, nil
}

// TariffAt returns a tariff with the prices that price a vend made at at: to recompute a past
// vend's breakdown. An unknown tariff is core.ErrNotFound.
func (db *DB) TariffAt(ctx context.Context, id int64, at time.Time) (core.Tariff, error) {
	r, err := db.tariffAt(ctx, id, at)
	if err != nil {
		return core.Tariff{}, dbError(err)
	}
	return toCoreTariff(*r)
}

func toTariffVersion(t tariffRow, v tariffVersionRow) (backoffice.TariffVersion, error) {
	priced, err := toCoreTariff(t.withVersion(v))
	if err != nil {
		return backoffice.TariffVersion{}, err
	}
	return backoffice.TariffVersion{TariffID: v.TariffID, Version: v.Version, EffectiveFrom: v.EffectiveFrom.UTC(), Blocks: priced.Blocks,
		MonthlyFixedCharge: priced.MonthlyFixedCharge, FreeBasicEnergy: priced.FreeBasicEnergy, CreatedAt: v.CreatedAt.UTC(),
		CreatedBy: v.CreatedBy, Reason: v.Reason}, nil
}

func fromTariffVersion(v *backoffice.TariffVersion) (tariffVersionRow, error) {
	priced, err := fromCoreTariff(&core.Tariff{Blocks: v.Blocks})
	if err != nil {
		return tariffVersionRow{}, err
	}
	return tariffVersionRow{TariffID: v.TariffID, Version: v.Version, EffectiveFrom: v.EffectiveFrom.UTC(), Blocks: priced.Blocks,
		MonthlyFixedCharge: int64(v.MonthlyFixedCharge), FreeBasicEnergy: int64(v.FreeBasicEnergy), CreatedAt: v.CreatedAt.UTC(),
		CreatedBy: v.CreatedBy, Reason: v.Reason}, nil
}

// TariffVersions returns a tariff's versions, version 1 first, or core.ErrNotFound.
func (db *DB) TariffVersions(ctx context.Context, tariffID int64) ([]backoffice.TariffVersion, error) {
	var t tariffRow
	if err := db.idb(ctx).NewSelect().Model(&t).Where("id = ?", tariffID).Scan(ctx); err != nil {
		return nil, dbError(err)
	}
	rows, err := tariffVersionRows(ctx, db.idb(ctx), t)
	if err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.TariffVersion, len(rows))
	for i, r := range rows {
		if out[i], err = toTariffVersion(t, r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// AddTariffVersion stores the next version of a tariff (writing its version 1 first when it has
// none stored). A Version other than the latest's plus one, or one taken meanwhile, is a
// conflict; the cached versions are dropped once the transaction commits.
func (db *DB) AddTariffVersion(ctx context.Context, v *backoffice.TariffVersion) error {
	row, err := fromTariffVersion(v)
	if err != nil {
		return err
	}
	err = db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var t tariffRow
		if err := tx.NewSelect().Model(&t).Where("id = ?", v.TariffID).Scan(ctx); err != nil {
			return err
		}
		var latest int64
		if err := tx.NewSelect().Model((*tariffVersionRow)(nil)).ColumnExpr("COALESCE(MAX(version), 0)").
			Where("tariff_id = ?", t.ID).Scan(ctx, &latest); err != nil {
			return err
		}
		if latest == 0 {
			first := firstTariffVersion(t)
			if _, err := tx.NewInsert().Model(&first).Exec(ctx); err != nil {
				return staleVersion(err, "tariff", t.ID, v.Version-1)
			}
			latest = 1
		}
		if v.Version != latest+1 {
			return core.Errorf(core.CodeConflict, backoffice.ReasonStaleVersion, "tariff %d is at version %d: read its history again", t.ID, latest)
		}
		if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
			return staleVersion(err, "tariff", t.ID, v.Version-1)
		}
		afterCommit(ctx, func() { db.refs.forget("tariff_versions", t.ID) })
		return nil
	})
	return dbError(err)
}

// staleVersion turns the duplicate of a version inserted concurrently into a conflict.
func staleVersion(err error, what string, id, read int64) error {
	if err = dbError(err); errors.Is(err, core.ErrDuplicate) {
		return core.Errorf(core.CodeConflict, backoffice.ReasonStaleVersion, "%s %d was changed by someone else since version %d was read; read it again", what, id, read)
	}
	return err
}
