package store

import (
	"context"
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

var (
	_ backoffice.ParameterStore = (*DB)(nil)
	_ core.UtilityAtReader      = (*DB)(nil)
)

// parameterRow is a row of utility_parameters: one version of a utility's tax rate, debt recovery
// rate, reversal window and limit of one purchase. As with tariffs (tariffversion.go), a utility created since the
// versions' migration has its utilities row as version 1 until its first change; the utilities
// row keeps version 1's values.
type parameterRow struct {
	bun.BaseModel `bun:"table:utility_parameters,alias:up"`

	UtilityID             int64     `bun:"utility_id,pk"`
	Version               int64     `bun:"version,pk"`
	EffectiveFrom         time.Time `bun:"effective_from"`
	TaxRate               string    `bun:"tax_rate"`
	DebtRecoveryRate      string    `bun:"debt_recovery_rate"`
	ReversalWindowSeconds int64     `bun:"reversal_window_seconds"`
	MaxVendAmount         int64     `bun:"max_vend_amount"`
	CreatedAt             time.Time `bun:"created_at"`
	CreatedBy             string    `bun:"created_by"`
	Reason                string    `bun:"reason"`
}

// firstParameters is version 1 of a utility with no stored version: its row's values.
func firstParameters(u utilityRow) parameterRow {
	return parameterRow{UtilityID: u.ID, Version: 1, EffectiveFrom: versionEpoch, TaxRate: u.TaxRate, DebtRecoveryRate: u.DebtRecoveryRate,
		ReversalWindowSeconds: u.ReversalWindowSeconds, MaxVendAmount: u.MaxVendAmount, CreatedAt: versionEpoch, CreatedBy: "vendgate", Reason: "the utility as created"}
}

// withParameters returns the utility with a version's values.
func (u utilityRow) withParameters(p parameterRow) utilityRow {
	u.TaxRate, u.DebtRecoveryRate, u.ReversalWindowSeconds = p.TaxRate, p.DebtRecoveryRate, p.ReversalWindowSeconds
	u.MaxVendAmount = p.MaxVendAmount
	return u
}

// parameterRows returns a utility's versions, version 1 first.
func parameterRows(ctx context.Context, idb bun.IDB, u utilityRow) ([]parameterRow, error) {
	var rows []parameterRow
	if err := idb.NewSelect().Model(&rows).Where("utility_id = ?", u.ID).Order("version").Scan(ctx); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		rows = []parameterRow{firstParameters(u)}
	}
	return rows, nil
}

// utilityAt returns a utility row with the parameters in effect at at; the versions come from the
// reference cache and the choice is made at each read (see tariffAt).
func (db *DB) utilityAt(ctx context.Context, u utilityRow, at time.Time) (utilityRow, error) {
	versions, err := cachedRow(ctx, db, "utility_parameters", u.ID, func(ctx context.Context, rows *[]parameterRow) error {
		var err error
		*rows, err = parameterRows(ctx, db.bun, u)
		return err
	})
	if err != nil {
		return u, err
	}
	rows := *versions
	return u.withParameters(rows[backoffice.InEffect(len(rows), func(i int) time.Time { return rows[i].EffectiveFrom }, at)]), nil
}

// toCoreUtilityAt converts a utility row with the parameters in effect at at.
func (db *DB) toCoreUtilityAt(ctx context.Context, r utilityRow, at time.Time) (core.Utility, error) {
	r, err := db.utilityAt(ctx, r, at)
	if err != nil {
		return core.Utility{}, dbError(err)
	}
	return db.toCoreUtility(r)
}

// UtilityAt returns a utility with the parameters in effect at at: to recompute a past vend, or
// to judge a reversal against the window of its time. An unknown utility is core.ErrNotFound.
func (db *DB) UtilityAt(ctx context.Context, id int64, at time.Time) (core.Utility, error) {
	var r utilityRow
	if err := db.idb(ctx).NewSelect().Model(&r).Where("id = ?", id).Scan(ctx); err != nil {
		return core.Utility{}, dbError(err)
	}
	return db.toCoreUtilityAt(ctx, r, at)
}

// pricesAt gives a meter row read for a vend the tariff prices and the utility parameters in effect
// at at. The supply group row comes from the cache and is shared: it is copied, not changed.
func (db *DB) pricesAt(ctx context.Context, r *meterRow, at time.Time) (err error) {
	if r.Tariff, err = db.tariffAt(ctx, r.TariffID, at); err != nil {
		return err
	}
	if r.SupplyGroup == nil || r.SupplyGroup.Utility == nil {
		return nil // meterView reports the row as corrupt
	}
	g := *r.SupplyGroup
	u, err := db.utilityAt(ctx, *g.Utility, at)
	if err != nil {
		return err
	}
	g.Utility, r.SupplyGroup = &u, &g
	return nil
}

func toParameterVersion(p parameterRow) (backoffice.ParameterVersion, error) {
	tax, err := decimal.NewFromString(p.TaxRate)
	if err != nil {
		return backoffice.ParameterVersion{}, corrupt("utility parameters of utility", p.UtilityID, err)
	}
	debt, err := decimal.NewFromString(p.DebtRecoveryRate)
	if err != nil {
		return backoffice.ParameterVersion{}, corrupt("utility parameters of utility", p.UtilityID, err)
	}
	return backoffice.ParameterVersion{UtilityID: p.UtilityID, Version: p.Version, EffectiveFrom: p.EffectiveFrom.UTC(), TaxRate: tax,
		DebtRecoveryRate: debt, ReversalWindow: time.Duration(p.ReversalWindowSeconds) * time.Second,
		MaxVendAmount: core.Money(p.MaxVendAmount), CreatedAt: p.CreatedAt.UTC(),
		CreatedBy: p.CreatedBy, Reason: p.Reason}, nil
}

func fromParameterVersion(p *backoffice.ParameterVersion) parameterRow {
	return parameterRow{UtilityID: p.UtilityID, Version: p.Version, EffectiveFrom: p.EffectiveFrom.UTC(), TaxRate: p.TaxRate.String(),
		DebtRecoveryRate: p.DebtRecoveryRate.String(), ReversalWindowSeconds: int64(p.ReversalWindow / time.Second),
		MaxVendAmount: int64(p.MaxVendAmount),
		CreatedAt:     p.CreatedAt.UTC(), CreatedBy: p.CreatedBy, Reason: p.Reason}
}

// ParameterVersions returns a utility's parameter versions, version 1 first, or core.ErrNotFound.
func (db *DB) ParameterVersions(ctx context.Context, utilityID int64) ([]backoffice.ParameterVersion, error) {
	var u utilityRow
	if err := db.idb(ctx).NewSelect().Model(&u).Where("id = ?", utilityID).Scan(ctx); err != nil {
		return nil, dbError(err)
	}
	rows, err := parameterRows(ctx, db.idb(ctx), u)
	if err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.ParameterVersion, len(rows))
	for i, r := range rows {
		if out[i], err = toParameterVersion(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// AddParameterVersion stores the next version of a utility's parameters (writing its version 1
// first when it has none stored). A Version other than the latest's plus one, or one taken
// meanwhile, is a conflict; the cached versions are dropped once the transaction commits.
func (db *DB) AddParameterVersion(ctx context.Context, p *backoffice.ParameterVersion) error {
	row := fromParameterVersion(p)
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var u utilityRow
		if err := tx.NewSelect().Model(&u).Where("id = ?", p.UtilityID).Scan(ctx); err != nil {
			return err
		}
		var latest int64
		if err := tx.NewSelect().Model((*parameterRow)(nil)).ColumnExpr("COALESCE(MAX(version), 0)").
			Where("utility_id = ?", u.ID).Scan(ctx, &latest); err != nil {
			return err
		}
		if latest == 0 {
			first := firstParameters(u)
			if _, err := tx.NewInsert().Model(&first).Exec(ctx); err != nil {
				return staleVersion(err, "utility", u.ID, p.Version-1)
			}
			latest = 1
		}
		if p.Version != latest+1 {
			return core.Errorf(core.CodeConflict, backoffice.ReasonStaleVersion, "utility %d's parameters are at version %d: read their history again", u.ID, latest)
		}
		if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
			return staleVersion(err, "utility", u.ID, p.Version-1)
		}
		afterCommit(ctx, func() { db.refs.forget("utility_parameters", u.ID) })
		return nil
	})
	return dbError(err)
}
