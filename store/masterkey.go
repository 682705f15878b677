package store

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

var _ core.MasterKeyChecks = (*DB)(nil)

type masterKeyCheckRow struct {
	bun.BaseModel `bun:"table:master_key_check,alias:mk"`

	ID    int64  `bun:",pk"`
	Check []byte `bun:",notnull"`
}

// MasterKeyCheck returns the stored check value of the master key, or core.ErrNotFound.
func (db *DB) MasterKeyCheck(ctx context.Context) ([]byte, error) {
	var r masterKeyCheckRow
	if err := db.bun.NewSelect().Model(&r).Where("mk.id = 1").Scan(ctx); err != nil {
		return nil, dbError(err)
	}
	return r.Check, nil
}

// SetMasterKeyCheck stores the check value of the master key once: core.ErrDuplicate when one is
// stored already (another node's first start won).
func (db *DB) SetMasterKeyCheck(ctx context.Context, check []byte) error {
	_, err := db.bun.NewInsert().Model(&masterKeyCheckRow{ID: 1, Check: check}).Exec(ctx)
	return dbError(err)
}

// AnySealedVendingKey returns one supply group's sealed vending key with what binds it, or
// core.ErrNotFound when there is no supply group: a database from before check values holds its
// proof of the master key there.
func (db *DB) AnySealedVendingKey(ctx context.Context) (core.SealedVendingKey, error) {
	var r struct {
		SGC              string `bun:"sgc"`
		KRN              int16  `bun:"krn"`
		DKGA             int16  `bun:"dkga"`
		SealedVendingKey []byte `bun:"sealed_vending_key"`
	}
	err := db.bun.NewSelect().Model((*supplyGroupRow)(nil)).Column("sgc", "krn", "dkga", "sealed_vending_key").
		OrderExpr("id").Limit(1).Scan(ctx, &r.SGC, &r.KRN, &r.DKGA, &r.SealedVendingKey)
	if err != nil {
		return core.SealedVendingKey{}, dbError(err)
	}
	sgc, err := sts.ParseSGC(r.SGC)
	if err != nil {
		return core.SealedVendingKey{}, corrupt("supply group", 0, err)
	}
	return core.SealedVendingKey{SGC: sgc, KRN: uint8(r.KRN), DKGA: sts.DKGA(r.DKGA), Sealed: r.SealedVendingKey}, nil
}
